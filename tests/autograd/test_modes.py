"""detect_anomaly names the op that produced a NaN or infinity; scope names nodes."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import AnomalyError, Value


def test_anomaly_in_forward_names_the_op_its_inputs_and_the_line() -> None:
    x = Value(math.inf)
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as caught:
        x * 0.0  # inf · 0 = nan
    message = str(caught.value)
    assert message.startswith("mul: produced a non-finite value nan")
    assert "inf, 0.0" in message
    assert "test_modes.py" in message


def test_anomaly_in_backward_infinite_local_derivative() -> None:
    x = Value(0.0)
    y = x.sqrt()  # value 0, local derivative +inf (PyTorch's convention)
    z = y * 2
    with autograd.detect_anomaly(), pytest.raises(AnomalyError, match=r"^sqrt: backward produced .*inf"):
        z.backward()
    assert math.isinf(y.local_grads[0])


def test_anomaly_in_backward_says_where_the_op_was_created() -> None:
    with autograd.detect_anomaly():
        x = Value(0.0)
        z = x.sqrt() * 2
        with pytest.raises(AnomalyError) as caught:
            z.backward()
    assert "test_modes.py" in str(caught.value) and "x.sqrt()" in str(caught.value)


def test_without_anomaly_mode_nan_flows_silently_as_in_pytorch() -> None:
    y = Value(math.inf) * 0.0
    assert math.isnan(y.data)


def test_modes_are_restored_after_errors() -> None:
    with pytest.raises(RuntimeError), autograd.no_grad():
        raise RuntimeError
    assert autograd.is_grad_enabled()
    assert (Value(1.0) * 2).parents


def test_scopes_nest() -> None:
    with autograd.scope("layers.1"), autograd.scope("neurons.0"):
        y = Value(1.0) * 2
    assert y.scope == "layers.1.neurons.0"
    assert (Value(1.0) * 2).scope == ""
