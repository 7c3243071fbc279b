"""Code written against micrograd's engine runs unchanged on ``autograd.Value``.

The same functions run on micrograd 0.1.0's own Value (installed by ``make test``) and on
ours; every number must agree. micrograd's known double-backward slip is the exception,
tested separately against the arithmetic.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from micrograd.engine import Value as MicrogradValue

from autograd import Value


def sanity_check(Value: Any) -> list[float]:
    # micrograd's own test_sanity_check, as written in its repository
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return [y.data, x.grad]


def more_ops(Value: Any) -> list[float]:
    # micrograd's test_more_ops
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return [g.data, a.grad, b.grad]


def neuron(Value: Any) -> list[float]:
    # the lecture video's neuron, with tanh and exp
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    t = n.tanh()
    return [o.data, x1.grad, w1.grad, x2.grad, w2.grad, t.data]


@pytest.mark.parametrize("program", [sanity_check, more_ops])
def test_same_numbers_as_micrograd(program: Any) -> None:
    assert program(Value) == pytest.approx(program(MicrogradValue), rel=1e-12, abs=1e-12)


def test_the_lecture_neuron_with_exp_and_tanh() -> None:
    # micrograd 0.1.0 on PyPI predates .exp() and .tanh() (the lecture video adds them),
    # so the expected numbers come from the formulas: o = tanh(n), ∂o/∂n = 1 − o²
    n = 2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
    o = math.tanh(n)
    slope = 1 - o * o
    expected = [o, -3.0 * slope, 2.0 * slope, 1.0 * slope, 0.0 * slope, o]
    assert neuron(Value) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_micrograd_style_training_loop_runs_unchanged() -> None:
    def train(Value: Any) -> list[float]:
        w, b = Value(0.5), Value(-0.1)
        for _ in range(20):
            loss = sum(((w * x + b - y) ** 2 for x, y in [(1.0, 2.0), (2.0, 4.1), (3.0, 5.9)]), Value(0.0))
            w.grad, b.grad = 0.0, 0.0
            loss.backward()
            w.data -= 0.05 * w.grad
            b.data -= 0.05 * b.grad
        return [w.data, b.data]

    assert train(Value) == pytest.approx(train(MicrogradValue), rel=1e-12)


def test_where_micrograd_slips_a_second_backward_counts_intermediates_again() -> None:
    def twice(Value: Any) -> float:
        x = Value(3.0)
        z = x * x
        y = z + z
        y.backward()
        y.backward()
        return float(x.grad)

    assert twice(MicrogradValue) == 36.0  # documented slip: intermediate grads kept and re-counted
    assert twice(Value) == 24.0  # PyTorch's contract: 2 · ∂y/∂x = 2 · 4x
