"""gradcheck: backward's gradients against central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import graph
from .modes import no_grad
from .value import Value, _is_number


class GradcheckError(AssertionError):
    """Backward and finite differences disagree; the message names the worst input."""


@dataclass(frozen=True)
class Mismatch:
    """One input's two gradients: from backward and from central differences."""

    index: int
    label: str
    analytic: float
    numeric: float

    @property
    def error(self) -> float:
        return abs(self.analytic - self.numeric)


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ∂f/∂xᵢ from ``backward()`` against (f(x + ε) − f(x − ε)) / 2ε for every input.

    ``f`` takes one Value per input and returns a Value. Returns True when every input
    satisfies |analytic − numeric| ≤ atol + rtol·|numeric|; otherwise raises
    ``GradcheckError`` naming the worst input and both numbers (or returns False with
    ``raise_exception=False``). Like PyTorch's, it leaves every gradient as it found it,
    those of Values ``f`` uses from outside (a model's weights) included.
    """
    for i, x in enumerate(inputs):
        if not isinstance(x, Value) and not _is_number(x):
            raise TypeError(f"gradcheck: input {i} must be a number or a Value, got {type(x).__name__}")
    points = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    labels = [x.label if isinstance(x, Value) and x.label else f"input {i}" for i, x in enumerate(inputs)]
    leaves = [Value(x, label=label) for x, label in zip(points, labels)]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    # backward() is what is checked; the gradients it leaves on the graph are put back after
    before = graph.snapshot(graph.topological_order(out))
    out.backward()
    analytic = [leaf.grad for leaf in leaves]
    graph.restore(before)

    def at(i: int, x: float) -> float:
        shifted = list(points)
        shifted[i] = x
        with no_grad():
            return f(*[Value(v) for v in shifted]).data

    mismatches = [
        Mismatch(i, labels[i], grad, (at(i, x + eps) - at(i, x - eps)) / (2 * eps))
        for i, (x, grad) in enumerate(zip(points, analytic))
    ]
    # `not <=` so that a NaN on either side counts as a failure
    failing = [m for m in mismatches if not m.error <= atol + rtol * abs(m.numeric)]
    if not failing:
        return True
    worst = max(failing, key=lambda m: m.error if m.error == m.error else float("inf"))
    if raise_exception:
        raise GradcheckError(
            f"gradcheck: gradient of {worst.label} is {worst.analytic!r} by backward but "
            f"{worst.numeric!r} by central differences (|difference| = {worst.error:.3g}, "
            f"allowed {atol:g} + {rtol:g}·|numeric|)"
        )
    return False
