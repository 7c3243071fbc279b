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


# --------------------------------------------------------------------------- re-entering


def test_a_recursive_function_under_no_grad_restores_grad_mode() -> None:
    # One decorator instance is entered once per call level; each exit must restore what
    # its own entry found, or the outermost exit leaves grad off for good.
    @autograd.no_grad()
    def countdown(n: int) -> Value:
        assert not autograd.is_grad_enabled()
        return Value(float(n)) * 2 if n == 0 else countdown(n - 1)

    assert countdown(3).is_leaf
    assert autograd.is_grad_enabled()
    assert (Value(1.0) * 2).parents


@pytest.mark.parametrize("make", [autograd.no_grad, autograd.enable_grad, autograd.detect_anomaly])
def test_the_same_instance_nested_restores_the_mode_outside(make: type) -> None:
    switch = make()
    with switch:
        inside = (autograd.is_grad_enabled(), autograd.modes.mode.anomaly)
        with switch:
            assert (autograd.is_grad_enabled(), autograd.modes.mode.anomaly) == inside
        assert (autograd.is_grad_enabled(), autograd.modes.mode.anomaly) == inside
    assert autograd.is_grad_enabled() and not autograd.modes.mode.anomaly
    assert autograd.modes.mode.plain


def test_enable_grad_inside_no_grad_and_back() -> None:
    off, on = autograd.no_grad(), autograd.enable_grad()
    with off:
        with on:
            assert (Value(1.0) * 2).parents
            with off:
                assert (Value(1.0) * 2).is_leaf
            assert autograd.is_grad_enabled()
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()


def test_no_grad_decorates_without_parentheses_as_in_pytorch() -> None:
    @autograd.no_grad
    def predict(x: Value) -> Value:
        """Doubles x."""
        return x * 2

    y = predict(Value(1.5))
    assert y.is_leaf and y.data == 3.0
    assert predict.__name__ == "predict" and predict.__doc__ == "Doubles x."
    assert autograd.is_grad_enabled()

    @autograd.detect_anomaly
    def overflow(x: Value) -> Value:
        return x * 0.0

    with pytest.raises(AnomalyError, match=r"^mul: produced a non-finite value nan"):
        overflow(Value(math.inf))
    assert not autograd.modes.mode.anomaly


def test_no_grad_given_a_non_function_names_the_ways_to_use_it() -> None:
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments, got int; use `with no_grad\(\):`"):
        autograd.no_grad(5)  # type: ignore[call-overload]


def test_the_same_scope_entered_again_inside_itself_restores_each_level() -> None:
    neuron = autograd.scope("neurons.0")
    with autograd.scope("layers.1"):
        with neuron as outer:
            with neuron as inner:
                y = Value(1.0) * 2
            z = Value(1.0) * 2
        w = Value(1.0) * 2
    assert (outer, inner) == ("layers.1.neurons.0", "layers.1.neurons.0.neurons.0")
    assert (y.scope, z.scope, w.scope) == (inner, outer, "layers.1")
    assert (Value(1.0) * 2).scope == ""


def test_entering_a_scope_returns_the_full_path_and_an_empty_name_adds_nothing() -> None:
    with autograd.scope("layers.1") as layer, autograd.scope("") as here:
        assert layer == here == "layers.1"
    with autograd.scope("") as top:
        assert top == ""


def test_anomaly_mode_checks_ops_under_no_grad_too() -> None:
    with autograd.detect_anomaly(), autograd.no_grad(), pytest.raises(AnomalyError, match=r"mul.*inf"):
        Value(math.inf) * 0.0


def test_no_grad_on_a_generator_function_covers_its_body_and_not_the_caller_between_resumes() -> None:
    """As PyTorch's decorators: the switch holds while the generator runs, each time it resumes."""
    x = Value(2.0)
    seen: list[bool] = []

    @autograd.no_grad
    def doubled(n: int):  # type: ignore[no-untyped-def]
        for _ in range(n):
            seen.append(autograd.is_grad_enabled())
            sent = yield x * 2
            seen.append(sent)

    made = doubled(2)
    first = next(made)
    between = x * 3  # the caller's own code, between two resumes
    second = made.send("hello")
    with pytest.raises(StopIteration):
        made.send("bye")
    assert first.is_leaf and second.is_leaf and not between.is_leaf
    assert seen == [False, "hello", False, "bye"]
    assert autograd.is_grad_enabled()


def test_closing_or_throwing_into_a_decorated_generator_runs_its_cleanup_under_the_switch() -> None:
    cleanup: list[bool] = []

    @autograd.no_grad()
    def numbers():  # type: ignore[no-untyped-def]
        try:
            while True:
                try:
                    yield 1
                except ValueError:
                    cleanup.append(autograd.is_grad_enabled())
        finally:
            cleanup.append(autograd.is_grad_enabled())

    made = numbers()
    next(made)
    assert made.throw(ValueError("caught inside")) == 1
    made.close()
    assert cleanup == [False, False] and autograd.is_grad_enabled()
