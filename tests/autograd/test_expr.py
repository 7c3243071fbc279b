"""The command line's expressions: what they build, and everything the whitelist refuses.

Values are checked against the same formula written as plain float math here, and
gradients against central differences of the parsed expression itself.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Value
from autograd.expr import FUNCTIONS, MAX_LENGTH, ExpressionError, evaluate, parse, parse_binding


def _inputs(**numbers: float) -> dict[str, Value]:
    return {name: Value(x, name) for name, x in numbers.items()}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# each expression beside the same formula in plain Python floats
FORMULAS: list[tuple[str, Callable[[float, float, float], float]]] = [
    ("tanh(x*w + b)", lambda x, w, b: math.tanh(x * w + b)),
    ("sigmoid(x*w + b)", lambda x, w, b: _sigmoid(x * w + b)),
    ("(x - w)**2 / 2", lambda x, w, b: (x - w) ** 2 / 2),
    ("-x*w + +b", lambda x, w, b: -x * w + b),
    ("exp(x/4) * log(w*w + 1) - sqrt(b*b + 1)",
        lambda x, w, b: math.exp(x / 4) * math.log(w * w + 1) - math.sqrt(b * b + 1)),
    ("2**x + x**3 - 1.5e-1", lambda x, w, b: 2**x + x**3 - 0.15),
    ("softplus(x) * swish(w) + abs(b)", lambda x, w, b: math.log1p(math.exp(x)) * w * _sigmoid(w) + abs(b)),
    ("leaky_relu(x, 0.1) + elu(w, 2) + relu(b)",
        lambda x, w, b: (x if x > 0 else 0.1 * x) + (w if w > 0 else 2 * (math.exp(w) - 1)) + max(b, 0.0)),
    ("prelu(x, w) * step(b)", lambda x, w, b: (x if x > 0 else w * x) * (1.0 if b > 0 else 0.0)),
    ("x * (w + (b - x) / (1 + w*w))", lambda x, w, b: x * (w + (b - x) / (1 + w * w))),
]  # fmt: skip

_SMOOTH = st.floats(-2.0, 2.0).filter(lambda v: abs(v) > 1e-3)  # away from the kinks at 0


@pytest.mark.parametrize(("text", "formula"), FORMULAS, ids=[t for t, _ in FORMULAS])
@settings(max_examples=15, deadline=None)
@given(x=_SMOOTH, w=_SMOOTH, b=_SMOOTH)
def test_the_expression_computes_its_formula_and_backward_matches_central_differences(
    text: str, formula: Callable[[float, float, float], float], x: float, w: float, b: float
) -> None:
    inputs = _inputs(x=x, w=w, b=b)
    root = evaluate(text, inputs)
    assert root.data == pytest.approx(formula(x, w, b), rel=1e-12, abs=1e-12)
    root.backward()
    h = 1e-6
    for name in ("x", "w", "b"):
        up = evaluate(text, _inputs(**{**{"x": x, "w": w, "b": b}, name: inputs[name].data + h})).data
        down = evaluate(text, _inputs(**{**{"x": x, "w": w, "b": b}, name: inputs[name].data - h})).data
        assert inputs[name].grad == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_is_the_values_own_method(name: str) -> None:
    x, a = Value(0.7, "x"), Value(0.3, "a")
    call = f"{name}(x, a)" if FUNCTIONS[name].values == 2 else f"{name}(x)"
    root = evaluate(call, {"x": x, "a": a})
    method = getattr(Value, "__abs__" if name == "abs" else name)
    expected = method(x, a) if FUNCTIONS[name].values == 2 else method(x)
    assert root.data == expected.data
    assert root.op == expected.op
    assert root.parents == expected.parents


def test_the_graph_reads_like_the_text() -> None:
    x = Value(3.0, "x")
    square = evaluate("x**2", {"x": x})
    assert square.op == OPS["pow_const"].bind(n=2.0) and square.parents == (x,)  # one **2 node
    scaled = evaluate("-3*x", {"x": x})
    assert scaled.op is OPS["mul"]
    assert scaled.parents[0].is_leaf and scaled.parents[0].data == -3.0  # a constant, no neg node
    assert scaled.parents[0].label == "-3"
    negated = evaluate("-x", {"x": x})
    assert negated.op is OPS["neg"]
    assert evaluate("+x", {"x": x}) is x
    assert evaluate("2**x", {"x": x}).op == OPS["exp_base"].bind(base=2.0)
    reused = evaluate("x*x", {"x": x})
    assert reused.parents == (x, x)
    assert evaluate("leaky_relu(x - 5, 0.25)", {"x": x}).data == 0.25 * (3.0 - 5.0)


def test_a_deep_but_allowed_expression_builds_without_recursion() -> None:
    text = "+".join(["x"] * 200)  # a left-leaning tree 199 additions deep
    assert len(text) < MAX_LENGTH
    x = Value(1.5, "x")
    assert evaluate(text, {"x": x}).data == pytest.approx(1.5 * 200)


# --------------------------------------------------------------------------- refused

REFUSED: list[tuple[str, str, int | None]] = [
    ("__import__('os').system('touch /tmp/x')", "attribute access (.system)", 18),
    ("__import__('os')", "'__import__' is not a function you can call here", 1),
    ("x.data", "attribute access (.data)", 3),
    ("x.__class__", "attribute access (.__class__)", 3),
    ("open('/etc/passwd')", "'open' is not a function", 1),
    ("eval('1')", "'eval' is not a function", 1),
    ("(lambda: 1)()", "only these functions may be called", 2),
    ("lambda: x", "lambda", 1),
    ("[x for x in w]", "comprehensions", 1),
    ("(x for x in w)", "generator expressions", 1),
    ("x[0]", "indexing", 1),
    ("'x' + x", "strings are not allowed", 1),
    ("tanh(x=1)", "keyword arguments (x=...)", 6),
    ("tanh(**w)", "keyword arguments (**...)", 6),
    ("tanh(*w)", "starred arguments", 6),
    ("(y := 2)", "assignment (:=)", 2),
    ("z + 1", "unknown name 'z'", 1),
    ("tanh", "tanh is a function: call it", 1),
    ("x // 2", "the operator // is not allowed", 6),
    ("x % 2", "the operator % is not allowed", 5),
    ("x @ w", "the operator @ is not allowed", 5),
    ("~x", "the operator ~ is not allowed", 1),
    ("not x", "the operator not is not allowed", 1),
    ("x < w", "comparisons", 1),
    ("x and w", "and / or", 1),
    ("x if w else b", "conditional expressions", 1),
    ("x, w", "tuples", 1),
    ("{x: 1}", "dicts", 1),
    ("f'{x}'", "f-strings", 1),
    ("await x", "await", 1),
    ("1j * x", "1j is not allowed: only plain numbers", 1),
    ("True * x", "True is not allowed", 1),
    ("None", "None is not allowed", 1),
    ("...", "Ellipsis is not allowed", 1),
    ("1e999 * x", "too large to represent", 1),
    ("9" * 400, "too large to represent", 1),
    ("tanh(x, w)", "wrong number of arguments to tanh: 2", 1),
    ("prelu(x)", "wrong number of arguments to prelu: 1", 1),
    ("leaky_relu(x, w)", "must be a plain number", 15),
    ("x +", "syntax error", 4),
    ("x w", "syntax error", 3),
    ("(x", "syntax error", 1),
    ("import os", "syntax error", 1),
    ("x = 1", "syntax error", 3),
    ("x; w", "syntax error", 2),
    ("", "the expression is empty", None),
    ("   ", "the expression is empty", None),
    ("x\nw", "one line", 2),
    ("x\x00", "one line", 2),
    ("x+" * 300 + "x", f"the limit is {MAX_LENGTH}", None),
    ("(" * 300 + "x" + ")" * 300, f"the limit is {MAX_LENGTH}", None),
]


@pytest.mark.parametrize(("text", "message", "column"), REFUSED, ids=[repr(t[:30]) for t, _, _ in REFUSED])
def test_refused_with_a_message_that_points_at_the_part(text: str, message: str, column: int | None) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, _inputs(x=1.0, w=2.0, b=3.0))
    assert message in str(caught.value)
    assert caught.value.column == column
    assert "\n" not in str(caught.value)  # one line; the caret is separate
    if column is not None:
        line, caret = caught.value.caret().splitlines()
        assert caret.index("^") == column - 1 + 2  # under the column, after the two-space indent
        assert line == "  " + "".join(c if c.isprintable() else "?" for c in text.strip())


def test_deep_nesting_within_the_length_limit_is_a_clear_error_or_fine() -> None:
    text = "(" * 240 + "x" + ")" * 240  # deeper than Python's parser allows (200)
    with pytest.raises(ExpressionError, match=r"syntax error|cannot parse"):
        evaluate(text, _inputs(x=1.0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2**10000", "cannot compute 2**10000: pow"),
        ("log(x - 1)", "cannot compute log(x - 1): log: input must be > 0"),
        ("x / (w - 2)", "cannot compute x / (w - 2): div: division by zero"),
        ("sqrt(-w)", "cannot compute sqrt(-w): sqrt: input must be >= 0"),
        ("exp(1000*w)", "cannot compute exp(1000*w): exp"),
    ],
)
def test_an_expression_that_cannot_be_computed_names_the_part(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(text, _inputs(x=1.0, w=2.0))


def test_the_hostile_expression_does_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(ExpressionError):
        evaluate(f"__import__('os').system('touch {marker}')", {})
    assert not marker.exists()


def test_parse_checks_before_anything_is_computed() -> None:
    tree = parse("tanh(x*w + b)", {"x", "w", "b"})
    assert isinstance(tree, ast.Call)
    with pytest.raises(ExpressionError, match="unknown name 'b'"):
        parse("tanh(x*w + b)", {"x", "w"})


def test_the_parser_never_calls_eval_exec_or_compile() -> None:
    source = Path(__file__).resolve().parents[2] / "autograd" / "expr.py"
    called = {
        node.func.id
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}


# --------------------------------------------------------------------------- --let


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x=2", ("x", 2.0)), ("w=-3", ("w", -3.0)), (" b = 6.88 ", ("b", 6.88)), ("η=1e-3", ("η", 0.001))],
)
def test_bindings(text: str, expected: tuple[str, float]) -> None:
    assert parse_binding(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "expected name=number"),
        ("=2", "expected name=number"),
        ("x=", "is not a number"),
        ("x=abc", "'abc' is not a number"),
        ("x=2=3", "is not a number"),
        ("2x=1", "is not a valid name"),
        ("for=1", "is not a valid name"),
        ("x.y=1", "is not a valid name"),
        ("tanh=1", "is a function's name"),
        ("x=nan", "finite"),
        ("x=inf", "finite"),
        ("x=1e999", "finite"),
    ],
)
def test_bad_bindings_are_refused(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_binding(text)


def test_a_tab_is_white_space_as_in_python() -> None:
    """A tab (pasted from an editor) was refused as "not one line"."""
    inputs = _inputs(x=2.0, w=-3.0, b=6.88)
    assert evaluate("tanh(x*w\t+ b)", inputs).data == evaluate("tanh(x*w + b)", inputs).data
    assert evaluate("\tx *\tw\t", inputs).data == -6.0
    with pytest.raises(ExpressionError) as caught:
        evaluate("x\t+\tz", inputs)
    assert "unknown name 'z'" in str(caught.value) and caught.value.column == 5
    line, caret = caught.value.caret().splitlines()
    assert line == "  x + z" and caret.index("^") == 2 + 4  # a tab is one column, the caret stays under z


@pytest.mark.parametrize(
    ("text", "what"), [("x\nw", "a line break"), ("x\rw", "a line break"), ("x\x00", "'\\x00'")]
)
def test_line_breaks_and_other_control_characters_are_still_refused(text: str, what: str) -> None:
    with pytest.raises(ExpressionError, match="one line") as caught:
        evaluate(text, _inputs(x=1.0, w=2.0))
    assert what in str(caught.value) and caught.value.column == 2
