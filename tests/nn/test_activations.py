"""Activations: derivatives against central differences and torch, the notes' facts about them.

torch is optional: the tests that compare with it import it themselves and skip without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import activations

# Large magnitudes included: saturating activations must give exact 0 / 1 slopes there, not NaN.
GRID = [
    -1000.0,
    -500.0,
    -50.0,
    -10.0,
    -3.0,
    -1.5,
    -0.5,
    -1e-3,
    1e-3,
    0.25,
    0.7,
    2.0,
    10.0,
    50.0,
    500.0,
    1000.0,
]
SCALAR = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish", "softplus", "step", "linear"]


def value_and_grad(f, x: float) -> tuple[float, float]:
    z = Value(x)
    out = f(z)
    out.backward()
    return out.data, z.grad


def central_difference(f, x: float) -> float:
    h = 1e-6 * max(1.0, abs(x))
    return (f(Value(x + h)).data - f(Value(x - h)).data) / (2 * h)


@pytest.mark.parametrize("name", SCALAR)
@pytest.mark.parametrize("x", GRID)
def test_derivative_matches_central_difference(name: str, x: float) -> None:
    f = activations.get(name)
    _, grad = value_and_grad(f, x)
    assert math.isfinite(grad)
    assert grad == pytest.approx(central_difference(f, x), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("x", GRID)
def test_prelu_derivatives_in_x_and_alpha_match_central_differences(x: float) -> None:
    alpha = Value(0.25)
    z = Value(x)
    out = activations.prelu(z, alpha)
    out.backward()
    h = 1e-6 * max(1.0, abs(x))
    by_x = (
        activations.prelu(Value(x + h), Value(0.25)).data - activations.prelu(Value(x - h), Value(0.25)).data
    ) / (2 * h)
    by_alpha = (
        activations.prelu(Value(x), Value(0.25 + 1e-6)).data
        - activations.prelu(Value(x), Value(0.25 - 1e-6)).data
    ) / 2e-6
    assert z.grad == pytest.approx(by_x, rel=1e-5, abs=1e-8)
    assert alpha.grad == pytest.approx(by_alpha, rel=1e-5, abs=1e-6)


def torch_activations() -> dict[str, Callable[[Any], Any]]:
    """torch's function for each activation, or a skip when torch is not installed."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
        "elu": F.elu,
        "swish": F.silu,
        "softplus": F.softplus,
        "linear": lambda t: t,
    }


@pytest.mark.parametrize(
    "name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish", "softplus", "linear"]
)
@pytest.mark.parametrize("x", [*GRID, 0.0, -0.0])
def test_value_and_derivative_match_torch_including_the_kink(name: str, x: float) -> None:
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    expected = torch_activations()[name](t)
    expected.backward()
    data, grad = value_and_grad(activations.get(name), x)
    assert data == pytest.approx(expected.item(), rel=1e-12, abs=1e-300)
    # 1 − tanh² at |x| = 10 loses digits to cancellation in both libraries (each within 1e-8 of
    # the exact sech²(10) = 8.24461445577e-9), hence a looser tolerance for the slopes
    assert grad == pytest.approx(t.grad.item(), rel=1e-7, abs=1e-300)


@pytest.mark.parametrize("x", [*GRID, 0.0])
def test_prelu_matches_torch(x: float) -> None:
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    t = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    a = torch.tensor([0.25], dtype=torch.float64, requires_grad=True)
    F.prelu(t, a).sum().backward()
    z, alpha = Value(x), Value(0.25)
    out = activations.prelu(z, alpha)
    out.backward()
    assert out.data == pytest.approx(F.prelu(t, a).item(), rel=1e-12)
    assert (z.grad, alpha.grad) == pytest.approx((t.grad.item(), a.grad.item()), rel=1e-12)


@pytest.mark.parametrize("x", [*GRID, 0.0])
def test_step_is_the_perceptrons_threshold_at_zero_with_no_gradient(x: float) -> None:
    data, grad = value_and_grad(activations.step, x)
    assert data == (1.0 if x > 0 else 0.0)
    assert grad == 0.0


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_sigmoid_derivative_never_exceeds_a_quarter(x: float) -> None:
    _, grad = value_and_grad(activations.sigmoid, x)
    assert 0.0 <= grad <= 0.25


def test_sigmoid_derivative_peaks_at_a_quarter_at_zero() -> None:
    assert value_and_grad(activations.sigmoid, 0.0) == (0.5, 0.25)


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=-20, max_value=20, allow_nan=False))
def test_tanh_is_zero_centred_and_sigmoid_is_not(x: float) -> None:
    # tanh is odd: tanh(−x) = −tanh(x); sigmoid is centred on 0.5: σ(−x) = 1 − σ(x)
    assert activations.tanh(Value(-x)).data == pytest.approx(-activations.tanh(Value(x)).data, abs=1e-15)
    assert activations.sigmoid(Value(-x)).data == pytest.approx(
        1.0 - activations.sigmoid(Value(x)).data, abs=1e-15
    )


def test_linear_returns_z_itself_without_a_node() -> None:
    z = Value(1.5)
    assert activations.linear(z) is z


def test_softmax_gives_probabilities_and_its_jacobian_matches_central_differences() -> None:
    scores = [-1.0, 0.0, 3.0, 5.0]  # the notes' cat, dog, monkey, horse
    weights = [0.3, -1.2, 0.7, 2.0]
    inputs = [Value(s) for s in scores]
    probs = activations.softmax(inputs)
    assert sum(p.data for p in probs) == pytest.approx(1.0, abs=1e-15)
    # by hand: e^{yᵢ} / Σₖ e^{yₖ}
    total = sum(math.exp(s) for s in scores)
    assert [p.data for p in probs] == pytest.approx([math.exp(s) / total for s in scores], rel=1e-12)
    objective = sum(w * p for w, p in zip(weights, probs))
    objective.backward()

    def f(xs: list[float]) -> float:
        return sum(w * p.data for w, p in zip(weights, activations.softmax([Value(x) for x in xs])))

    for i, v in enumerate(inputs):
        up = [s + (1e-6 if j == i else 0.0) for j, s in enumerate(scores)]
        down = [s - (1e-6 if j == i else 0.0) for j, s in enumerate(scores)]
        assert v.grad == pytest.approx((f(up) - f(down)) / 2e-6, rel=1e-5, abs=1e-9)


def test_table_holds_every_activation_of_the_notes() -> None:
    assert set(activations.ACTIVATIONS) == {*SCALAR, "prelu", "softmax"}
    for name, function in activations.ACTIVATIONS.items():
        assert activations.get(name) is function
        assert function.__doc__


def test_unknown_name_raises_value_error_listing_the_known_names() -> None:
    with pytest.raises(ValueError, match="unknown activation 'sigmoidd'") as caught:
        activations.get("sigmoidd")
    for name in activations.ACTIVATIONS:
        assert name in str(caught.value)


def test_a_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"activation must be a name \(a str\), got int"):
        activations.get(3)  # type: ignore[arg-type]


def test_docstrings_carry_the_notes_advice() -> None:
    sigmoid_doc = activations.sigmoid.__doc__ or ""
    assert (
        "vanishing gradient" in sigmoid_doc and "not zero-centred" in sigmoid_doc and "binary" in sigmoid_doc
    )
    assert "zero-centred" in (activations.tanh.__doc__ or "")
    assert "dead neurons" in (activations.relu.__doc__ or "")
    assert "multiclass" in (activations.softmax.__doc__ or "")
    module_doc = activations.__doc__ or ""
    assert "regression" in module_doc and "hidden layers" in module_doc
