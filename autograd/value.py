"""``Value``: a number that remembers how it was computed, and reverse-mode backward.

Each node made by an op keeps its parents and, beside them, the local derivative
∂node/∂parent that the op's rule in ``ops.py`` computed at forward time.
``backward()`` multiplies those locals along the graph; nothing here knows any
op's calculus.
"""

from __future__ import annotations

import builtins
import math
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import SupportsFloat, Union

from . import graph, ops
from .modes import AnomalyError, mode
from .ops import OPS, Op

Number = int | float | SupportsFloat
Operand = Union["Value", int, float, SupportsFloat]

_new = object.__new__


def _node(data: float, local_grads: tuple[float, ...], parents: tuple[Value, ...], op: Op) -> Value:
    """A new node; under ``no_grad`` a plain leaf, under ``detect_anomaly`` a checked one."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._scope = mode.scope
    node._ran = False
    if mode.plain:
        node._op = op
        node._parents = parents
        node._locals = local_grads
        return node
    if mode.anomaly and not math.isfinite(data):  # under no_grad too: a NaN is one wherever it is made
        inputs = ", ".join(repr(p.data) for p in parents)
        raise AnomalyError(
            f"{op.name}: produced a non-finite value {data!r} from inputs ({inputs}), "
            f"created at:\n{_user_frames()}"
        )
    if not mode.grad_enabled:
        node._op = None
        node._parents = ()
        node._locals = ()
        return node
    node._op = op
    node._parents = parents
    node._locals = local_grads
    node._origin = _user_frames()  # grad on and not plain: anomaly mode, whose errors say where
    return node


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_frames(depth: int = 3) -> str:
    """The innermost frames outside this package: the user's line that made the node."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE_DIR)]
    return "".join(traceback.format_list(frames[-depth:]))


def _as_float(data: object) -> float:
    """A number as ``Value()`` stores it; TypeError naming the type for anything else."""
    if isinstance(data, Value):
        raise TypeError("Value() takes a number, got a Value; use the Value itself, or Value(v.data)")
    if not _is_number(data):
        raise TypeError(f"Value() takes a number (int, float, bool), got {type(data).__name__}")
    try:
        return float(data)  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise TypeError(f"Value() takes a number, got {type(data).__name__}: {error}") from None


def _as_value(x: object) -> Value:
    """A Value as it is; a plain number as a constant leaf labelled with its value."""
    if type(x) is float:  # every `x * 1.5` lands here: the common case first
        return _constant(x)
    if isinstance(x, Value):
        return x
    # 3, True, np.int64(3): labelled by the float they become, whichever side they are on
    return _constant(_as_float(x))


# Formatting a label costs as much as making the node, and code reuses its few
# numbers (a learning rate, 1.0001 in a loop): keep the last thousand or so.
_CONSTANT_LABELS: dict[float, str] = {}


def _constant(x: float) -> Value:
    """A float as a constant leaf labelled with its value, without ``__init__``'s checks."""
    label = _CONSTANT_LABELS.get(x)
    if label is None:
        label = f"{x:g}"
        if x:  # 0.0 and -0.0 share a key but not a label, so zeros are never kept
            if len(_CONSTANT_LABELS) >= 1024:
                _CONSTANT_LABELS.clear()
            _CONSTANT_LABELS[x] = label
    leaf = _new(Value)
    leaf.data = x
    leaf.grad = 0.0
    leaf.label = label
    leaf._op = None
    leaf._parents = ()
    leaf._locals = ()
    leaf._scope = mode.scope
    leaf._ran = False
    return leaf


def _is_number(x: object) -> bool:
    """An int, a float or anything one number converts from (NumPy scalars, Fraction), but
    not a NumPy array of several: ``v * array`` is then left to NumPy, elementwise, as
    ``array * v`` already is."""
    if isinstance(x, (int, float)):
        return True
    return not isinstance(x, (str, bytes)) and hasattr(x, "__float__") and not getattr(x, "ndim", 0)


def _parameter(x: object, op: str, name: str, hint: str = "") -> float:
    """A plain number bound into an op (leaky_relu's slope, elu's α), or a TypeError naming it."""
    if isinstance(x, Value) or not _is_number(x):
        raise TypeError(f"{op}: {name} must be a number, got {type(x).__name__}{hint}")
    return float(x)  # type: ignore[arg-type]  # a number, checked above


def _unary(x: Value, op: Op) -> Value:
    # Only bound ops (x ** 2, leaky_relu's slope) need Op.__call__ to pass their numbers.
    data, local_grads = op(x.data) if op.params else op.rule(x.data)
    return _node(data, local_grads, (x,), op)


def _binary(a: Value, b: Value, op: Op) -> Value:
    data, local_grads = op.rule(a.data, b.data)
    return _node(data, local_grads, (a, b), op)


_ADD, _SUB, _MUL, _DIV, _DOT = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["dot"]


def _arithmetic(op: Op, name: str, reflected: bool = False) -> Callable[[Value, Operand], Value]:
    """``Value``'s dunder for ``+ − × /``: ``a · b``, or with ``reflected`` ``2 · a`` (Python
    calls ``a.__rmul__(2)``); a plain number becomes a constant leaf, anything else is
    left to Python (``NotImplemented``), which raises the TypeError naming both types."""
    rule = op.rule

    def arithmetic(self: Value, other: Operand) -> Value:
        if type(other) is not Value:
            if type(other) is float:  # every `x * 1.5`: the common case first
                other = _constant(other)
            elif _is_number(other):
                other = _as_value(other)
            else:
                return NotImplemented  # type: ignore[no-any-return]  # Python raises the TypeError
        a, b = (other, self) if reflected else (self, other)
        data, local_grads = rule(a.data, b.data)
        if not mode.plain:
            return _node(data, local_grads, (a, b), op)
        # _node's plain path, inlined: every + − × / of every graph runs these lines, and
        # the call to _node would be a tenth of their time (a test checks both agree).
        node = _new(Value)
        node.data = data
        node.grad = 0.0
        node.label = ""
        node._scope = mode.scope
        node._ran = False
        node._op = op
        node._parents = (a, b)
        node._locals = local_grads
        return node

    # The name tracebacks and cProfile show is the code object's: one per dunder, not "arithmetic".
    if sys.version_info >= (3, 11):
        arithmetic.__code__ = arithmetic.__code__.replace(co_name=name, co_qualname=f"Value.{name}")
    else:
        arithmetic.__code__ = arithmetic.__code__.replace(co_name=name)
    arithmetic.__name__ = name
    arithmetic.__qualname__ = f"Value.{name}"
    arithmetic.__doc__ = (
        f"{'other' if reflected else 'self'} {op.symbol} {'self' if reflected else 'other'}, one node."
    )
    return arithmetic


class Value:
    """A scalar node of a computation graph, with its value ``data`` and gradient ``grad``.

    Works with plain numbers on either side of ``+ − × / **``. ``==`` and hashing are
    identity, because a Value is a node of a graph (used in dicts and sets); ``< <= > >=``
    compare ``data`` and return a plain ``bool``, building no graph. Truth is PyTorch's for
    a one-element tensor: ``bool(v)`` is ``v.data != 0``, so ``if loss:`` is False for a
    loss of 0 (and True for NaN); write ``if loss.data > 0:`` when that is what is meant.
    """

    __slots__ = ("_locals", "_op", "_origin", "_parents", "_ran", "_scope", "data", "grad", "label")

    data: float
    grad: float
    label: str
    _op: Op | None
    _parents: tuple[Value, ...]
    _locals: tuple[float, ...]
    _scope: str
    _ran: object  # False, or the mark of the last backward walk through the node (truthy)
    _origin: str

    def __init__(self, data: Number, label: str = "") -> None:
        # A float needs no check: it is the common case (inputs, weights, constants).
        self.data = data if type(data) is float else _as_float(data)
        if type(label) is not str and not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._parents = ()
        self._locals = ()
        self._scope = mode.scope
        self._ran = False

    # ------------------------------------------------------------------ the graph, read-only

    @property
    def op(self) -> Op | None:
        """The op that made this node (``None`` for a leaf)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node; a parent used twice appears twice."""
        return self._parents

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, computed when the node was made."""
        return self._locals

    @property
    def scope(self) -> str:
        """Where the node was made, e.g. ``layers.1.neurons.0`` (set by ``nn`` modules)."""
        return self._scope

    @property
    def is_leaf(self) -> bool:
        """True for inputs, weights and constants: nodes no op made."""
        return not self._parents

    @property
    def backward_ran(self) -> bool:
        """True once a ``backward()`` has run through this node, so ``grad`` means something."""
        return bool(self._ran)

    # ------------------------------------------------------------------ arithmetic

    __add__ = _arithmetic(_ADD, "__add__")
    __radd__ = _arithmetic(_ADD, "__radd__", reflected=True)
    __sub__ = _arithmetic(_SUB, "__sub__")
    __rsub__ = _arithmetic(_SUB, "__rsub__", reflected=True)
    __mul__ = _arithmetic(_MUL, "__mul__")
    __rmul__ = _arithmetic(_MUL, "__rmul__", reflected=True)
    __truediv__ = _arithmetic(_DIV, "__truediv__")
    __rtruediv__ = _arithmetic(_DIV, "__rtruediv__", reflected=True)

    def __pow__(self, other: Operand) -> Value:
        """``x ** n`` (n a plain number, drawn as one ``**n`` node) or ``x ** y`` (both Values)."""
        if isinstance(other, Value):
            return _binary(self, other, OPS["pow"])
        if not _is_number(other):
            return NotImplemented
        return _unary(self, OPS["pow_const"].bind(n=float(other)))

    def __rpow__(self, other: Operand) -> Value:
        """``a ** x`` for a plain number a ≥ 0 (∂(0 ** x)/∂x = 0, as in PyTorch)."""
        if not _is_number(other):
            return NotImplemented
        return _unary(self, OPS["exp_base"].bind(base=float(other)))

    def __neg__(self) -> Value:
        return _unary(self, OPS["neg"])

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(self, OPS["abs"])

    # ------------------------------------------------------------------ functions

    def exp(self) -> Value:
        """e^x; raises OverflowError naming ``exp`` when the result is too large."""
        return _unary(self, OPS["exp"])

    def log(self) -> Value:
        """ln x, for x > 0."""
        return _unary(self, OPS["log"])

    def sqrt(self) -> Value:
        """√x, for x ≥ 0."""
        return _unary(self, OPS["sqrt"])

    def tanh(self) -> Value:
        """tanh x: zero-centred, ∂/∂x = 1 − tanh²x ≤ 1."""
        return _unary(self, OPS["tanh"])

    def sigmoid(self) -> Value:
        """σ(z) = 1 / (1 + e^(−z)); dσ/dz = σ(1 − σ) ≤ 0.25, the root of the vanishing gradient."""
        return _unary(self, OPS["sigmoid"])

    def relu(self) -> Value:
        """ReLU: max(0, x); derivative 1 for x > 0, else 0 (0 at the kink)."""
        return _unary(self, OPS["relu"])

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """Leaky ReLU: x if x > 0 else slope·x; derivative 1 or slope (slope at 0)."""
        slope = _parameter(slope, "leaky_relu", "slope", "; for a slope that learns, use prelu(alpha)")
        return _unary(self, OPS["leaky_relu"].bind(slope=slope))

    def prelu(self, alpha: Value | float) -> Value:
        """Parametric ReLU: x if x > 0 else α·x, where α is a Value that learns its own gradient
        (a plain number is a constant slope)."""
        if not isinstance(alpha, Value):
            if not _is_number(alpha):
                raise TypeError(f"prelu: alpha must be a Value or a number, got {type(alpha).__name__}")
            alpha = _as_value(alpha)
        return _binary(self, alpha, OPS["prelu"])

    def elu(self, alpha: float = 1.0) -> Value:
        """ELU: x if x > 0 else α(e^x − 1); derivative 1 or α·e^x."""
        return _unary(self, OPS["elu"].bind(alpha=_parameter(alpha, "elu", "alpha")))

    def swish(self) -> Value:
        """Swish (SiLU): x·σ(x)."""
        return _unary(self, OPS["swish"])

    silu = swish

    def softplus(self) -> Value:
        """softplus: ln(1 + e^x), a smooth ReLU; derivative σ(x)."""
        return _unary(self, OPS["softplus"])

    def step(self) -> Value:
        """The perceptron's step with threshold 0: 1 if x > 0 else 0.

        Its derivative is 0 everywhere (and undefined at 0), so no gradient flows
        through it: the perceptron learns with its own rule, not by backprop.
        """
        return _unary(self, OPS["step"])

    # ------------------------------------------------------------------ backward

    def backward(self) -> None:
        """Backpropagation: ∂self/∂node for every node self depends on.

        Seeds ∂self/∂self = 1 and visits nodes in reverse topological order, adding
        ``local × upstream`` into each parent. As in PyTorch, leaves *accumulate*: a
        second call adds the same gradients again, so zero them between steps
        (``zero_grad``). Intermediate nodes are recomputed from 0 on every call and
        keep the latest gradients for display and tracing.
        """
        order = graph._prepare_backward(self)
        if self._parents:
            self.grad = 1.0
        else:
            self.grad += 1.0
        order.reverse()
        if mode.anomaly:
            _backward_checked(order)
            return
        isfinite, add_up = math.isfinite, builtins.sum  # this module's sum makes a node
        # _backward_checked repeats this loop with checks: change one, change both.
        for node in order:
            upstream = node.grad
            # A node with no gradient (a dead ReLU, a point outside the hinge's margin) would
            # add local × 0 = 0 to every parent: skip it, unless a local is inf or NaN, whose
            # NaN must flow on as in PyTorch (their sum is then not finite). Adding exact
            # zeros changes no number (only a -0.0 a user put in a leaf's grad would turn 0.0).
            if upstream == 0.0 and isfinite(add_up(node._locals)):
                continue
            if upstream - upstream:  # inf or NaN (x − x is 0 for any finite x): the rare careful path
                graph.accumulate(node)  # where an input a ReLU switched off gets 0, not 0 × inf
                continue
            parents = node._parents
            if len(parents) == 2:  # most nodes are binary ops: unpacking beats zip's iterator
                (a, b), (local_a, local_b) = parents, node._locals
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                for parent, local in zip(parents, node._locals):
                    parent.grad += local * upstream

    # ------------------------------------------------------------------ Python protocols

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """``data`` as a plain float: PyTorch's ``loss.item()``."""
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0

    def __repr__(self) -> str:
        parts = [f"{self.data:.4g}"]
        if self._ran or self.grad:
            parts.append(f"grad={self.grad:.4g}")
        if self.label:
            parts.append(f"label={self.label!r}")
        if self._op is not None:
            parts.append(f"op={self._op.symbol!r}")
        return f"Value({', '.join(parts)})"


def _data(x: Operand) -> float:
    if isinstance(x, Value):
        return x.data
    if not _is_number(x):
        raise TypeError(f"cannot compare a Value with {type(x).__name__}")
    return float(x)


def _backward_checked(order: list[Value]) -> None:
    """``backward``'s loop under ``detect_anomaly``, checking every gradient it makes.

    The same walk as the fast loop, step for step: the same order, the same nodes
    skipped, the same additions in the same order (a binary node's two parents first
    then second, as the fast loop unpacks them), so a clean graph gets bit-identical
    gradients; only the check after each addition is added.
    """
    isfinite, add_up = math.isfinite, builtins.sum
    for node in order:
        upstream = node.grad
        if upstream == 0.0 and isfinite(add_up(node._locals)):
            continue
        for parent, local in zip(node._parents, node._locals):
            # No gate case here: an inf or NaN upstream would have stopped this loop already.
            parent.grad += local * upstream
            if not isfinite(parent.grad):
                op = node._op.name if node._op else "leaf"
                inputs = ", ".join(repr(p.data) for p in node._parents)
                origin = getattr(node, "_origin", "(made outside detect_anomaly)\n")
                raise AnomalyError(
                    f"{op}: backward produced a non-finite gradient {parent.grad!r} for an input "
                    f"(local derivative {local!r} × upstream {upstream!r}); inputs ({inputs}), "
                    f"created at:\n{origin}"
                )


# ---------------------------------------------------------------------- ops over lists


def _values(xs: Iterable[Operand], what: str) -> tuple[Value, ...]:
    out = []
    for x in xs:
        if type(x) is Value or isinstance(x, Value):
            out.append(x)
        elif _is_number(x):
            out.append(_as_value(x))
        else:
            raise TypeError(f"{what}: expected Values or numbers, got {type(x).__name__}")
    return tuple(out)


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001 - autograd.sum, like torch.sum
    """Σ xᵢ as one node (Python's builtin ``sum`` makes n − 1 ``+`` nodes)."""
    parents = _values(values, "sum")
    if not parents:
        return Value(0.0)
    data, local_grads = ops.total(*[p.data for p in parents])
    return _node(data, local_grads, parents, OPS["sum"])


def dot(ws: Sequence[Operand], xs: Sequence[Operand]) -> Value:
    """z = Σ wᵢxᵢ as one node: the neuron's weighted sum, one edge per weight and input."""
    ws, xs = tuple(ws), tuple(xs)
    parents = ws + xs
    # Every neuron call lands here: when all inputs are Values, one pass reads their data.
    data = [p.data for p in parents if type(p) is Value]
    if len(data) != len(parents) or len(ws) != len(xs):
        w_values, x_values = _values(ws, "dot"), _values(xs, "dot")
        if len(w_values) != len(x_values):
            raise ValueError(f"dot: {len(w_values)} weights but {len(x_values)} inputs")
        parents = w_values + x_values
        data = [p.data for p in parents]
    if not parents:
        return Value(0.0)
    value, local_grads = ops.dot(*data)
    return _node(value, local_grads, parents, _DOT)  # type: ignore[arg-type]  # Values, checked above


def logsumexp(values: Iterable[Operand]) -> Value:
    """ln Σₖ e^(xₖ) as one node, computed minus the max so it never overflows."""
    parents = _values(values, "logsumexp")
    if not parents:
        raise ValueError("logsumexp: needs at least one value")
    data, local_grads = ops.logsumexp(*[p.data for p in parents])
    return _node(data, local_grads, parents, OPS["logsumexp"])


def _many(values: Iterable[Operand], name: str) -> list[Value]:
    parents = _values(values, name)
    if not parents:
        raise ValueError(f"{name}: needs at least one value")
    op = OPS[name]
    outputs = op.rule(*[p.data for p in parents])
    return [
        _node(data, local_grads, parents, op.bind(index=i)) for i, (data, local_grads) in enumerate(outputs)
    ]


def softmax(values: Iterable[Operand]) -> list[Value]:
    """Softmax: sᵢ = e^(yᵢ) / Σₖ e^(yₖ), probabilities that sum to 1 (stable for any input)."""
    return _many(values, "softmax")


def log_softmax(values: Iterable[Operand]) -> list[Value]:
    """ln softmax: yᵢ − ln Σₖ e^(yₖ), what cross-entropy needs, without overflow."""
    return _many(values, "log_softmax")


def zero_grad(values: Iterable[Value]) -> None:
    """Set every given Value's ``grad`` to 0 before the next backward."""
    for v in values:
        v.grad = 0.0
