"""Derivatives at kinks follow PyTorch's conventions, pinned against torch itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch not installed (make test installs it)")
F = torch.nn.functional

from autograd import Value  # noqa: E402


def torch_grad(f: Callable[[Any], Any], x: float) -> float:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    return float(t.grad.item())


def ours(f: Callable[[Value], Value], x: float) -> float:
    v = Value(x)
    f(v).backward()
    return v.grad


CASES: list[tuple[str, Callable[[Value], Value], Callable[[Any], Any]]] = [
    ("relu", lambda v: v.relu(), torch.relu),
    ("abs", lambda v: abs(v), torch.abs),
    ("leaky_relu", lambda v: v.leaky_relu(0.1), lambda t: F.leaky_relu(t, 0.1)),
    ("elu", lambda v: v.elu(0.7), lambda t: F.elu(t, 0.7)),
    ("sqrt", lambda v: v.sqrt(), torch.sqrt),
    ("pow 0.5", lambda v: v**0.5, lambda t: t**0.5),
    ("pow 0", lambda v: v**0, lambda t: t**0),
    ("pow 2", lambda v: v**2, lambda t: t**2),
]


@pytest.mark.parametrize(("name", "f", "g"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("x", [0.0, -0.0])
def test_derivative_at_zero_is_pytorchs(name: str, f: Callable[[Value], Value], g: Any, x: float) -> None:
    assert ours(f, x) == torch_grad(g, x)


@pytest.mark.parametrize("x", [-1.5, 0.0, 2.0])
def test_prelu_at_and_around_zero_is_pytorchs(x: float) -> None:
    alpha = Value(0.25)
    v = Value(x)
    v.prelu(alpha).backward()
    tx = torch.tensor([[x]], dtype=torch.float64, requires_grad=True)
    ta = torch.tensor([0.25], dtype=torch.float64, requires_grad=True)
    F.prelu(tx, ta).sum().backward()
    assert (v.grad, alpha.grad) == (tx.grad.item(), ta.grad.item())


@pytest.mark.parametrize("x", [-2.0, 0.0, 3.0])
def test_step_passes_no_gradient(x: float) -> None:
    v = Value(x)
    y = v.step()
    y.backward()
    assert y.data == (1.0 if x > 0 else 0.0)
    assert v.grad == 0.0


# --------------------------------------------------------------------------- powers at 0

# (base, exponent) where some rule of a ** b has an edge: 0 ** 0, a slope of x ** n at 0
# for n below, at and above 1, ln 0 in the exponent's rule, and -0.0 where the sign matters.
POWERS = [
    (0.0, 0.0),
    (0.0, 0.5),
    (0.0, 1.0),
    (0.0, 1.5),
    (0.0, 2.0),
    (0.0, 3.0),
    (-0.0, 0.0),
    (-0.0, 1.0),
    (-0.0, 2.0),
    (2.0, 0.0),
    (0.5, 3.0),
]


@pytest.mark.parametrize(("a", "b"), POWERS)
def test_value_to_a_value_power_is_pytorchs(a: float, b: float) -> None:
    base, exponent = Value(a), Value(b)
    out = base**exponent
    out.backward()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    t_out = ta**tb
    t_out.backward()
    assert (out.data, base.grad, exponent.grad) == (t_out.item(), ta.grad.item(), tb.grad.item())


@pytest.mark.parametrize("b", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("a", [0, 0.0, 3])
def test_number_to_a_value_power_is_pytorchs(a: float, b: float) -> None:
    exponent = Value(b)
    out = a**exponent
    out.backward()
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    t_out = a**tb
    t_out.backward()
    assert (out.data, exponent.grad) == (t_out.item(), tb.grad.item())


@pytest.mark.parametrize("a", [0.0, -0.0, 0.25, 2.0])
@pytest.mark.parametrize("b", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_a_value_power_has_the_locals_of_x_to_n_and_of_base_to_x(a: float, b: float) -> None:
    # One rule in one place: holding either input fixed gives the one-Value op's edge.
    # At (-0.0) ** 0.5 this is x ** 0.5's −inf (torch's t ** 0.5 too; its t ** tensor says +inf).
    base, exponent = Value(a), Value(b)
    both = base**exponent
    assert both.local_grads == ((base**b).local_grads[0], (a**exponent).local_grads[0])
    assert both.data == (base**b).data == (a**exponent).data


@pytest.mark.parametrize("make", [lambda: Value(0.0) ** Value(-1.0), lambda: 0 ** Value(-1.0)])
def test_zero_to_a_negative_value_power_is_a_domain_error(make: Callable[[], Value]) -> None:
    # torch says inf; here, as for Value(0) ** -1, a ValueError naming the op and the power
    with pytest.raises(ValueError, match=r"^pow: 0 cannot be raised to the negative power -1\.0"):
        make()
