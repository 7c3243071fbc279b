"""Derivatives at kinks follow PyTorch's conventions, pinned against torch itself."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="torch not installed (make test installs it)")
F = torch.nn.functional

import autograd  # noqa: E402
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


# --------------------------------------------------------------------------- NaN and infinities, as PyTorch


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


NAN_CASES = [c for c in CASES if c[0] in ("relu", "abs", "leaky_relu", "elu")]


@pytest.mark.parametrize(("name", "f", "g"), NAN_CASES, ids=[c[0] for c in NAN_CASES])
def test_a_nan_input_gives_pytorchs_value_and_slope(name: str, f: Callable[[Value], Value], g: Any) -> None:
    """A NaN must not vanish into a branch's constant: relu(NaN) is NaN, with slope 1."""
    v = Value(math.nan)
    out = f(v)
    out.backward()
    t = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    expected = g(t)
    expected.backward()
    assert _same(out.data, expected.item()) and _same(v.grad, t.grad.item())


GATED = [
    ("sqrt(relu(x)) at x < 0", lambda v: v.relu().sqrt(), lambda t: torch.sqrt(torch.relu(t)), -1.0),
    ("relu(x) ** 0.5 at x < 0", lambda v: v.relu() ** 0.5, lambda t: torch.relu(t) ** 0.5, -1.0),
    ("step(x) * inf", lambda v: v.step() * math.inf, None, 2.0),
    (
        "sqrt(leaky_relu(x, 0)) at x < 0",
        lambda v: v.leaky_relu(0.0).sqrt(),
        lambda t: torch.sqrt(F.leaky_relu(t, 0.0)),
        -1.0,
    ),
]


@pytest.mark.parametrize(("name", "f", "g", "x"), GATED, ids=[c[0] for c in GATED])
def test_an_input_a_gate_switched_off_gets_0_even_from_an_infinite_upstream(
    name: str, f: Callable[[Value], Value], g: Any, x: float
) -> None:
    """ReLU's backward selects (PyTorch's where): its switched-off input gets 0, not 0 × inf = NaN.
    Leaky ReLU with slope 0 multiplies, in PyTorch too, so there 0 × inf stays NaN."""
    v = Value(x)
    f(v).backward()
    expected = 0.0 if g is None else torch_grad(g, x)  # torch's heaviside has no backward: step's is 0
    assert _same(v.grad, expected)


@pytest.mark.parametrize(("x", "a"), [(2.0, 0.25), (-1.0, 0.0), (0.0, 0.5), (0.0, 0.0), (-1.0, 0.25)])
def test_prelu_under_an_infinite_upstream_switches_off_only_what_pytorch_does(x: float, a: float) -> None:
    """Only α while x > 0 is switched off; a local that is 0 as a product (α = 0, or x = 0
    for α's edge) multiplies the infinity into NaN, in PyTorch too."""
    v, alpha = Value(x), Value(a)
    (v.prelu(alpha) * math.inf).backward()
    tx = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    ta = torch.tensor([a], dtype=torch.float64, requires_grad=True)
    (F.prelu(tx, ta) * math.inf).sum().backward()
    assert _same(v.grad, tx.grad.item()) and _same(alpha.grad, ta.grad.item())


def test_chain_rule_carries_a_switched_off_edge_as_backward_does() -> None:
    """Σ paths Π factors, with a path through a ReLU that switched x off below an infinite
    factor (√ at 0): that path adds 0, as backward sends, not 1 · ∞ · 0 = NaN."""
    x = Value(-1.0, "x")
    z = x.relu().sqrt() + x
    z.backward()
    tx = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
    (torch.sqrt(torch.relu(tx)) + tx).backward()
    for max_paths in (256, 1):
        traced = autograd.chain_rule(z, x, max_paths=max_paths)
        assert traced.total == x.grad == tx.grad.item() == 1.0
    printed = str(autograd.chain_rule(z, x))
    assert "nan" not in printed


def test_the_stepper_and_the_checked_loop_gate_as_backward_does() -> None:
    from autograd import backprop_steps, detect_anomaly

    def build() -> tuple[Value, Value]:
        x = Value(-1.0)
        return x.relu().sqrt(), x

    y, x = build()
    for _ in backprop_steps(y):
        pass
    assert x.grad == 0.0
    y, x = build()
    # under detect_anomaly the upstream inf is itself the anomaly: the checked loop stops there
    with detect_anomaly(), pytest.raises(autograd.AnomalyError, match="sqrt"):
        y.backward()


def test_x_to_a_negative_power_keeps_its_value_when_only_its_slope_overflows() -> None:
    v = Value(1e-200)
    y = v**-1
    y.backward()
    t = torch.tensor(1e-200, dtype=torch.float64, requires_grad=True)
    (t**-1).backward()
    assert (y.data, v.grad) == (1e200, t.grad.item()) == (1e200, -math.inf)


@pytest.mark.parametrize(
    "xs", [[-math.inf, -math.inf], [math.inf, 0.0], [math.inf, math.inf], [-math.inf, 0.0]]
)
def test_logsumexp_of_infinities_is_pytorchs(xs: list[float]) -> None:
    vs = [Value(x) for x in xs]
    out = autograd.logsumexp(vs)
    out.backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = torch.logsumexp(t, 0)
    expected.backward()
    assert _same(out.data, expected.item())
    assert all(_same(v.grad, g) for v, g in zip(vs, t.grad.tolist()))


@pytest.mark.parametrize(
    "xs", [[math.inf, 0.0], [-math.inf, -math.inf], [math.inf, math.inf], [-math.inf, 0.0]]
)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_and_log_softmax_of_infinities_are_pytorchs(name: str, xs: list[float]) -> None:
    vs = [Value(x) for x in xs]
    outputs = getattr(autograd, name)(vs)
    outputs[1].backward()
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    expected = getattr(torch, name)(t, 0)
    expected[1].backward()
    assert all(_same(o.data, e) for o, e in zip(outputs, expected.tolist()))
    assert all(_same(v.grad, g) for v, g in zip(vs, t.grad.tolist()))


def test_relu_of_nan_under_an_infinite_upstream_passes_it_on_as_pytorch() -> None:
    v = Value(math.nan)
    (v.relu() * math.inf).backward()
    t = torch.tensor(math.nan, dtype=torch.float64, requires_grad=True)
    (torch.relu(t) * math.inf).backward()
    assert _same(v.grad, t.grad.item())


def test_switches_are_read_from_the_graph_not_from_data_changed_since() -> None:
    """Which inputs a ReLU switched off is what its forward pass recorded: stepping or tracing
    after an optimizer moved the weight must give backward's numbers, and so must a NaN."""
    for start, moved in ((0.5, -1.0), (math.nan, math.nan)):
        w = Value(start, "w")
        L = w.relu() * 3.0
        L.backward()
        by_backward = w.grad
        w.data += moved  # as an optimizer step would, after the forward pass
        w.grad = 0.0
        for _ in autograd.backprop_steps(L):
            pass
        assert _same(w.grad, by_backward) and by_backward == 3.0
        assert _same(autograd.chain_rule(L, w).total, by_backward)
