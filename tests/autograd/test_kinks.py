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
