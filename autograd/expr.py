"""Expressions for the command line, such as ``tanh(x*w + b)``, built into a graph of Values.

Python's ``ast`` parses the text and a whitelist checks every node before anything is
computed: numbers, names given with ``--let``, ``+ − * / **``, unary ``−``/``+``,
parentheses and calls of the engine's functions with positional arguments. Nothing is
ever passed to ``eval`` or ``compile``-then-``exec``: a tree that passes the check is
walked here, node by node, and only ever calls Value's own methods.
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .value import Value

MAX_LENGTH = 500
"""Longer text is refused: it also bounds how deep the tree can nest."""


@dataclass(frozen=True)
class Function:
    """A function EXPR may call: how many Values it takes, and how many plain numbers after them."""

    values: int
    numbers: int
    apply: Callable[..., Value]
    usage: str


FUNCTIONS: dict[str, Function] = {
    "tanh": Function(1, 0, Value.tanh, "tanh(x)"),
    "sigmoid": Function(1, 0, Value.sigmoid, "sigmoid(x)"),
    "relu": Function(1, 0, Value.relu, "relu(x)"),
    "exp": Function(1, 0, Value.exp, "exp(x)"),
    "log": Function(1, 0, Value.log, "log(x)"),
    "sqrt": Function(1, 0, Value.sqrt, "sqrt(x)"),
    "abs": Function(1, 0, Value.__abs__, "abs(x)"),
    "swish": Function(1, 0, Value.swish, "swish(x)"),
    "softplus": Function(1, 0, Value.softplus, "softplus(x)"),
    "step": Function(1, 0, Value.step, "step(x)"),
    "leaky_relu": Function(1, 1, Value.leaky_relu, "leaky_relu(x) or leaky_relu(x, slope)"),
    "elu": Function(1, 1, Value.elu, "elu(x) or elu(x, alpha)"),
    "prelu": Function(2, 0, Value.prelu, "prelu(x, alpha)"),
}
"""Every function EXPR may call; ``numbers`` trailing arguments are optional plain numbers."""

_OPERATORS: dict[type[ast.operator], Callable[[Value, Value | float], Value]] = {
    ast.Add: Value.__add__,
    ast.Sub: Value.__sub__,
    ast.Mult: Value.__mul__,
    ast.Div: Value.__truediv__,
    ast.Pow: Value.__pow__,
}
_SYMBOLS = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.Invert: "~", ast.Not: "not",
}  # fmt: skip
_FORBIDDEN = {
    ast.Subscript: "indexing (a[i])",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "starred arguments (*a)",
    ast.Compare: "comparisons",
    ast.BoolOp: "and / or",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.Tuple: "tuples (a, b)",
    ast.List: "lists",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Await: "await",
}


class ExpressionError(ValueError):
    """EXPR or a ``--let`` binding is refused or cannot be computed.

    ``column`` (1-based) points at the offending part of ``text``.
    """

    def __init__(self, message: str, text: str = "", column: int | None = None) -> None:
        self.message = message
        self.text = text
        self.column = column
        where = f" at column {column}" if column is not None else ""
        super().__init__(f"{message}{where}")

    def caret(self) -> str:
        """The expression with a ``^`` under the offending part (empty when there is no column)."""
        if self.column is None or not self.text:
            return ""
        shown = "".join(c if c.isprintable() else "?" for c in self.text)  # one character per column
        return f"  {shown}\n  {' ' * (self.column - 1)}^"


# ----------------------------------------------------------------------------- parsing


def parse(text: str, names: Collection[str]) -> ast.expr:
    """The checked syntax tree of ``text``; ``names`` are the variables it may use.

    Raises ``ExpressionError`` naming the first part that is not allowed.
    """
    text = _one_line(text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        column = error.offset if error.offset and error.offset <= len(text) else len(text) + 1
        ended = " (the expression ends too early)" if column > len(text) else ""
        raise ExpressionError(f"syntax error: {error.msg}{ended}", text, column) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"cannot parse the expression: {error}", text) from None
    # outermost first, so the message names the largest refused part; a call's function name
    # is checked by the call itself and not as a variable
    pending: list[ast.AST] = [tree.body]
    while pending:
        node = pending.pop()
        _check(node, text, names)
        children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
        pending.extend(reversed(children))
    return tree.body


def _one_line(text: str) -> str:
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    # A tab is white space, as in Python; one space for one tab keeps every column in place.
    stripped = text.strip().replace("\t", " ")
    if not stripped:
        raise ExpressionError("the expression is empty")
    for i, char in enumerate(stripped):
        if char in _LINE_BREAKS:
            raise ExpressionError(
                f"the expression must be one line of text; found a line break {char!r}", stripped, i + 1
            )
        if not char.isprintable() and char != " ":
            raise ExpressionError(
                f"the expression must be one line of printable text; found {char!r}", stripped, i + 1
            )
    return stripped


# What str.splitlines() splits at: the characters that end a line.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def _check(node: ast.AST, text: str, names: Collection[str]) -> None:
    """Refuse every node outside the whitelist, saying what it is and where."""

    def refuse(message: str, at: ast.AST = node) -> ExpressionError:
        return ExpressionError(message, text, _column(text, at))

    if isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
        return  # checked with their BinOp / UnaryOp below
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _OPERATORS:
            symbol = _SYMBOLS.get(type(node.op), type(node.op).__name__)
            raise refuse(f"the operator {symbol} is not allowed; use + - * / **", node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise refuse(f"the operator {_SYMBOLS.get(type(node.op), '?')} is not allowed; use + - * / **")
    elif isinstance(node, ast.Constant):
        _check_number(node, refuse)
    elif isinstance(node, ast.Name):
        if node.id not in names:
            if node.id in FUNCTIONS:
                raise refuse(f"{node.id} is a function: call it, as in {FUNCTIONS[node.id].usage}")
            given = ", ".join(sorted(names)) or "none"
            raise refuse(f"unknown name {node.id!r} (names given with --let: {given})")
    elif isinstance(node, ast.Call):
        _check_call(node, refuse)
    elif isinstance(node, ast.Attribute):
        raise _attribute(node, refuse)
    elif isinstance(node, ast.keyword):
        return  # refused by its Call
    else:
        what = _FORBIDDEN.get(type(node), type(node).__name__)
        raise refuse(f"{what}: not allowed in an expression")


def _check_number(node: ast.Constant, refuse: Callable[..., ExpressionError]) -> None:
    value = node.value
    if isinstance(value, str):
        raise refuse("strings are not allowed in an expression")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refuse(f"{value!r} is not allowed: only plain numbers")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise refuse("the number is too large to represent")


def _check_call(node: ast.Call, refuse: Callable[..., ExpressionError]) -> None:
    allowed = ", ".join(FUNCTIONS)
    if isinstance(node.func, ast.Attribute):
        raise _attribute(node.func, refuse)
    if not isinstance(node.func, ast.Name):
        raise refuse(f"only these functions may be called, by name: {allowed}", node.func)
    name = node.func.id
    function = FUNCTIONS.get(name)
    if function is None:
        raise refuse(f"{name!r} is not a function you can call here; the functions are: {allowed}", node.func)
    if node.keywords:
        keyword = node.keywords[0]
        shown = f"{keyword.arg}=" if keyword.arg else "**"
        raise refuse(f"keyword arguments ({shown}...) are not allowed: {function.usage}", keyword)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise refuse("starred arguments (*a) are not allowed in an expression", arg)
    count = len(node.args)
    if not function.values <= count <= function.values + function.numbers:
        raise refuse(f"wrong number of arguments to {name}: {count}; call it as {function.usage}")
    for arg in node.args[function.values :]:
        if _literal(arg) is None:
            raise refuse(f"the last argument of {function.usage} must be a plain number", arg)


def _attribute(node: ast.Attribute, refuse: Callable[..., ExpressionError]) -> ExpressionError:
    """Point at the attribute's name: in ``__import__('os').system`` that is ``system``."""
    at = ast.Attribute(value=node.value, attr=node.attr, ctx=node.ctx)
    at.col_offset = (node.end_col_offset or 0) - len(node.attr.encode("utf-8"))
    return refuse(f"attribute access (.{node.attr}) is not allowed in an expression", at)


def _literal(node: ast.AST) -> float | None:
    """A number written in the text (``2``, ``-0.5``), else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return sign * float(value)
    return None


def _column(text: str, node: ast.AST) -> int | None:
    if not isinstance(node, (ast.expr, ast.keyword)):
        return None
    # ast counts UTF-8 bytes; the caret counts characters
    return len(text.encode("utf-8")[: node.col_offset].decode("utf-8", errors="ignore")) + 1


# ----------------------------------------------------------------------------- building


def evaluate(text: str, variables: Mapping[str, Value]) -> Value:
    """The graph of ``text`` over ``variables`` (name → Value), e.g. ``tanh(x*w + b)``.

    A numeric literal becomes a constant leaf, except an exponent (``x ** 2`` is one
    ``**2`` node) and a function's number argument (``leaky_relu(x, 0.1)``).
    """
    tree = parse(text, variables)
    text = text.strip()
    # iterative post-order: children's Values are on ``results`` when their parent is built
    results: list[Value] = []
    stack: list[tuple[ast.expr, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        literal = _literal(node)
        if literal is not None:
            results.append(Value(literal, label=f"{literal:g}"))
            continue
        if isinstance(node, ast.Name):
            results.append(variables[node.id])
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_value_children(node)))
            continue
        arity = len(_value_children(node))
        inputs = results[len(results) - arity :]
        del results[len(results) - arity :]
        try:
            results.append(_apply(node, inputs))
        except (ArithmeticError, ValueError) as error:
            snippet = ast.get_source_segment(text, node) or ""
            raise ExpressionError(f"cannot compute {snippet}: {error}", text, _column(text, node)) from None
    (root,) = results
    return root


def _value_children(node: ast.expr) -> list[ast.expr]:
    """The sub-expressions that become Values; a number stays a number as an exponent (``x**2``),
    as the base of a power of a Value (``2**x``) and as a function's number argument."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow) and _literal(node.right) is not None:
            return [node.left]
        if isinstance(node.op, ast.Pow) and _literal(node.left) is not None:
            return [node.right]
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return list(node.args[: FUNCTIONS[node.func.id].values])
    return []


def _apply(node: ast.expr, inputs: list[Value]) -> Value:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            exponent, base = _literal(node.right), _literal(node.left)
            if exponent is not None:
                return inputs[0] ** exponent
            if base is not None:
                return base ** inputs[0]
        return _OPERATORS[type(node.op)](inputs[0], inputs[1])
    if isinstance(node, ast.UnaryOp):
        return -inputs[0] if isinstance(node.op, ast.USub) else inputs[0]
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    function = FUNCTIONS[node.func.id]
    numbers = [_literal(arg) for arg in node.args[function.values :]]
    return function.apply(*inputs, *numbers)


# ----------------------------------------------------------------------------- --let


def normal_name(text: str) -> str:
    """A name as Python's parser reads it (NFKC: a full-width ｘ is x), without surrounding spaces.

    ``--let``, ``--wrt`` and ``--focus`` all pass through here, so a name typed the same
    way everywhere is the same name, as it is inside EXPR.
    """
    return unicodedata.normalize("NFKC", text.strip())


def parse_binding(text: str) -> tuple[str, float]:
    """``x=2`` → (``"x"``, 2.0): one ``--let`` binding of a name to a finite number."""
    name, equals, number = text.partition("=")
    name = normal_name(name)
    if not equals or not name:
        raise ExpressionError(f"--let {text!r}: expected name=number, such as x=2 or w=-3")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ExpressionError(f"--let {text!r}: {name!r} is not a valid name")
    if name in FUNCTIONS:
        raise ExpressionError(f"--let {text!r}: {name!r} is a function's name; choose another")
    try:
        value = float(number)
    except ValueError:
        raise ExpressionError(f"--let {text!r}: {number.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(f"--let {text!r}: the value must be a finite number")
    return name, value
