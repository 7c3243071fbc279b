"""gradcheck passes right gradients and reports the worst wrong one."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import GradcheckError, Value


def test_passes_for_a_correct_graph() -> None:
    assert autograd.gradcheck(lambda x, w, b: (x * w + b).tanh(), [2.0, -3.0, 6.88])


def test_reports_the_worst_input_and_both_numbers() -> None:
    def wrong(x: Value, y: Value) -> Value:
        out = x * y
        if out.parents:  # gradcheck's finite differences run under no_grad
            out._locals = (out._locals[0], out._locals[1] + 0.5)  # plant a wrong ∂/∂y
        return out

    with pytest.raises(GradcheckError) as caught:
        autograd.gradcheck(wrong, [Value(2.0, "x"), Value(3.0, "y")])
    message = str(caught.value)
    assert "gradient of y is 2.5 by backward" in message
    assert "central differences" in message
    assert autograd.gradcheck(wrong, [2.0, 3.0], raise_exception=False) is False


def test_a_nan_gradient_fails() -> None:
    def nan_grad(x: Value) -> Value:
        out = x * 1.0
        if out.parents:
            out._locals = (math.nan, 1.0)
        return out

    assert autograd.gradcheck(nan_grad, [1.0], raise_exception=False) is False


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match="float"):
        autograd.gradcheck(lambda x: 1.0, [1.0])  # type: ignore[arg-type,return-value]


def test_gradcheck_leaves_every_gradient_as_it_found_it() -> None:
    """As PyTorch's: the Values f uses from outside (a model's weights) keep their gradients."""
    w, h = Value(1.5, label="w"), Value(0.5)
    w.grad, h.grad = 2.0, 1.0
    assert autograd.gradcheck(lambda x: (x * w + h).tanh(), [0.3])
    assert (w.grad, h.grad, w.backward_ran, h.backward_ran) == (2.0, 1.0, False, False)


@pytest.mark.parametrize("bad", ["3", None, [1.0]])
def test_gradcheck_names_an_input_that_is_not_a_number(bad: object) -> None:
    with pytest.raises(TypeError, match=f"input 1 must be a number or a Value, got {type(bad).__name__}"):
        autograd.gradcheck(lambda a, b: a * b, [1.0, bad])  # type: ignore[list-item]
