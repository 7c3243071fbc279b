"""The Value: construction, arithmetic, backward's contract, errors, memory and depth."""

from __future__ import annotations

import gc
import math
import sys
from fractions import Fraction

import numpy as np
import pytest

import autograd
from autograd import Value

# --------------------------------------------------------------------------- construction


@pytest.mark.parametrize("number", [3, 3.5, True, np.float64(2.5), np.int32(4), Fraction(1, 4)])
def test_wraps_anything_with_float(number: object) -> None:
    v = Value(number)  # type: ignore[arg-type]
    assert v.data == float(number)  # type: ignore[arg-type]
    assert type(v.data) is float
    assert v.grad == 0.0
    assert v.is_leaf and v.op is None and v.parents == () and v.local_grads == ()


@pytest.mark.parametrize(
    ("bad", "type_name"), [("3", "str"), (None, "NoneType"), ([1], "list"), (1j, "complex")]
)
def test_non_numbers_raise_type_error_naming_the_type(bad: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(bad)  # type: ignore[arg-type]


def test_arithmetic_with_a_non_number_names_the_type() -> None:
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="NoneType"):
        None * Value(1.0)  # type: ignore[operator]


def test_plain_numbers_work_on_either_side() -> None:
    x = Value(3.0)
    results = [x + 2, 2 + x, x - 2, 2 - x, x * 2, 2 * x, x / 2, 2 / x, x**2, 2**x, -x, abs(-x)]
    assert [v.data for v in results] == [5.0, 5.0, 1.0, -1.0, 6.0, 6.0, 1.5, 2 / 3, 9.0, 8.0, -3.0, 3.0]


def test_constants_are_labelled_leaves() -> None:
    y = Value(3.0, "x") * 2
    assert [p.label for p in y.parents] == ["x", "2"]
    assert y.parents[1].is_leaf


@pytest.mark.parametrize(
    ("number", "label"),
    [(3, "3"), (np.int64(3), "3"), (np.float64(2.5), "2.5"), (np.float32(0.5), "0.5"), (True, "1"),
     (Fraction(1, 4), "0.25"), (-0.0, "-0")],
)  # fmt: skip
def test_a_constant_is_labelled_by_its_value_on_either_side(number: object, label: str) -> None:
    v = Value(2.0, "v")
    right, left = v * number, number * v  # type: ignore[operator]
    assert [p.label for p in right.parents] == ["v", label]
    assert [p.label for p in left.parents] == [label, "v"]
    assert isinstance(left, Value) and right.parents[1].is_leaf and left.parents[0].is_leaf


@pytest.mark.parametrize(("label", "type_name"), [(3, "int"), (None, "NoneType"), (b"x", "bytes")])
def test_a_label_that_is_not_a_string_names_its_type(label: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=rf"^Value\(\) label must be a str, got {type_name}$"):
        Value(1.0, label=label)  # type: ignore[arg-type]


def test_prelu_names_its_alpha_when_it_is_not_a_number() -> None:
    with pytest.raises(TypeError, match=r"^prelu: alpha must be a Value or a number, got str$"):
        Value(1).prelu("a")  # type: ignore[arg-type]
    y = Value(-2.0).prelu(0.25)
    assert y.data == -0.5 and y.parents[1].label == "0.25"


def test_the_graph_shows_what_was_written() -> None:
    a, b = Value(1.0), Value(2.0)
    for expression, name in [(a - b, "sub"), (a / b, "div"), (-a, "neg"), (a**2, "pow_const"), (a**b, "pow")]:
        assert expression.op is not None and expression.op.name == name
        assert all(p.is_leaf for p in expression.parents)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("other", [Value(4.0, label="b"), 4.0, 4, np.float64(4.0)])
def test_arithmetic_makes_the_node_the_general_path_makes(name: str, other: object) -> None:
    """``+ − × /`` build their nodes inline (the hot path); ``_node`` builds every other op's.
    Both sides of each op must give the node ``_node`` gives for the same rule and inputs."""
    from autograd.value import _as_value, _node

    op, dunder = autograd.OPS[name], "truediv" if name == "div" else name
    a = Value(3.0, label="a")
    for left, right, made in [
        (a, other, getattr(a, f"__{dunder}__")(other)),
        (other, a, getattr(a, f"__r{dunder}__")(other)),
    ]:
        x, y = (v if isinstance(v, Value) else _as_value(v) for v in (left, right))
        expected = _node(*op.rule(x.data, y.data), (x, y), op)
        assert made.op is op and made.data == expected.data and made.local_grads == expected.local_grads
        assert (made.grad, made.label, made.scope, made.backward_ran) == (0.0, "", "", False)
        assert [(p.data, p.label, p.is_leaf) for p in made.parents] == [
            (p.data, p.label, p.is_leaf) for p in expected.parents
        ]
        assert a in made.parents and (made.parents[0] is a) == (left is a)


def test_a_node_used_twice_is_two_edges() -> None:
    a = Value(3.0)
    y = a + a
    assert y.parents == (a, a)
    assert list(autograd.edges(y)) == [(a, 1.0), (a, 1.0)]
    y.backward()
    assert a.grad == 2.0


# --------------------------------------------------------------------------- backward's contract


def test_backward_of_a_leaf_accumulates_one() -> None:
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_ran_is_known() -> None:
    x = Value(2.0)
    y = x.tanh()
    assert not y.backward_ran and not x.backward_ran
    y.backward()
    assert y.backward_ran and x.backward_ran


def test_a_backward_walks_again_the_nodes_an_earlier_backward_reached() -> None:
    """backward's walk marks each node it reaches with that walk's own token instead of keeping
    a set: a later backward through the same nodes (from another root) must not take the old
    marks for its own, or it would skip them and lose their gradients."""
    x = Value(2.0)
    shared = x * x  # 4, ∂/∂x = 2x = 4
    first, second = shared * 3.0, shared.tanh()
    first.backward()
    assert (shared.grad, x.grad) == (3.0, 12.0)
    x.grad = 0.0
    second.backward()
    assert shared.grad == 1.0 - math.tanh(4.0) ** 2
    assert x.grad == shared.grad * 4.0
    assert first.backward_ran and second.backward_ran and shared.backward_ran


def test_no_grad_builds_no_graph() -> None:
    x = Value(2.0)
    with autograd.no_grad():
        y = (x * 3).tanh() + autograd.sum([x, x])
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert y.is_leaf and y.op is None
    assert y.data == pytest.approx(math.tanh(6.0) + 4.0)


def test_no_grad_is_a_decorator_too() -> None:
    @autograd.no_grad()
    def predict(x: Value) -> Value:
        return x * 2

    assert predict(Value(1.0)).is_leaf


# --------------------------------------------------------------------------- ops over lists


def test_sum_and_dot_are_single_nodes() -> None:
    ws = [Value(w) for w in (0.01, 0.02, 0.03)]
    xs = [Value(x) for x in (95, 4, 4)]
    z = autograd.dot(ws, xs)
    assert z.parents == (*ws, *xs)
    assert z.data == pytest.approx(0.01 * 95 + 0.02 * 4 + 0.03 * 4)
    z.backward()
    assert [w.grad for w in ws] == [95.0, 4.0, 4.0]
    assert [x.grad for x in xs] == [0.01, 0.02, 0.03]
    s = autograd.sum(xs)
    assert s.parents == tuple(xs) and s.data == 103.0


def test_list_ops_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="dot: 2 weights but 1 inputs"):
        autograd.dot([1, 2], [3])
    with pytest.raises(ValueError, match="softmax"):
        autograd.softmax([])
    with pytest.raises(TypeError, match="str"):
        autograd.sum([Value(1.0), "2"])  # type: ignore[list-item]
    assert autograd.sum([]).data == 0.0


def test_softmax_of_the_notes_scores() -> None:
    scores = [-1.0, 0.0, 3.0, 5.0]  # cat, dog, monkey, horse
    expected = [math.exp(s) / sum(math.exp(t) for t in scores) for s in scores]
    probs = autograd.softmax(scores)
    assert [p.data for p in probs] == pytest.approx(expected, abs=1e-15)
    assert round(probs[3].data, 4) == 0.8737
    assert sum(p.data for p in probs) == pytest.approx(1.0)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log: input must be > 0, got 0\.0"),
        (lambda: Value(-1.0).log(), ValueError, r"log: .*-1\.0"),
        (lambda: Value(-1.0).sqrt(), ValueError, r"sqrt: .*-1\.0"),
        (lambda: Value(0.0) ** -1, ValueError, r"pow: 0 cannot be raised to the negative power -1"),
        (lambda: Value(-4.0) ** 0.5, ValueError, r"pow: negative base -4\.0 .* non-integer power 0\.5"),
        (lambda: Value(-4.0) ** Value(2.0), ValueError, r"pow: negative base -4\.0"),
        (lambda: (-2) ** Value(2.0), ValueError, r"pow: .*base.*-2"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div: division by zero: 1\.0 / 0\.0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, r"div: division by zero"),
        (lambda: Value(1000.0).exp(), OverflowError, r"exp: .*1000\.0"),
        (lambda: Value(10.0) ** 1000, OverflowError, r"pow: .*too large"),
    ],
)
def test_out_of_domain_input_names_the_op_and_the_value(make, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        make()


def test_negative_base_to_an_integer_power_is_fine() -> None:
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


@pytest.mark.parametrize("z", [-1000.0, -40.0, 40.0, 1000.0])
def test_saturating_functions_are_finite_at_large_inputs(z: float) -> None:
    makers = [
        lambda v: v.sigmoid(),
        lambda v: v.tanh(),
        lambda v: v.softplus(),
        lambda v: v.swish(),
        lambda v: v.elu(),
        lambda v: autograd.logsumexp([v, v * 2]),
        lambda v: autograd.softmax([v, Value(0.0)])[0],
        lambda v: autograd.log_softmax([v, Value(0.0)])[1],
    ]
    for make in makers:
        x = Value(z)
        y = make(x)
        y.backward()
        assert math.isfinite(y.data) and math.isfinite(x.grad), make


# --------------------------------------------------------------------------- Python protocols


def test_comparisons_compare_data_and_build_no_graph() -> None:
    values = [Value(3.0), Value(-1.0), Value(2.0)]
    assert max(values) is values[0]
    assert [v.data for v in sorted(values)] == [-1.0, 2.0, 3.0]
    assert values[0] > 2 and values[1] < 0 and values[2] >= 2.0 and values[2] <= Value(2.0)
    assert float(values[0]) == 3.0


@pytest.mark.parametrize(
    ("x", "truth"), [(0.0, False), (-0.0, False), (0, False), (2.5, True), (-1e-300, True), (math.nan, True)]
)
def test_truth_is_data_not_zero_as_for_a_one_element_tensor(x: float, truth: bool) -> None:
    # PyTorch: bool(torch.tensor(0.0)) is False, bool(torch.tensor(nan)) is True (nan != 0)
    v = Value(x)
    assert bool(v) is truth
    assert (not v) is not truth
    loss = (v - x) ** 2  # exactly 0 for every finite x
    if math.isfinite(x):
        assert not loss


def test_equality_and_hash_are_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2


def test_repr_is_short_and_useful() -> None:
    x = Value(0.76133, "o11")
    assert repr(x) == "Value(0.7613, label='o11')"
    y = (x * 2).sigmoid()
    y.label = "o21"
    shown = f"{1 / (1 + math.exp(-2 * 0.76133)):.4g}"
    assert repr(y) == f"Value({shown}, label='o21', op='σ')", "no grad before any backward"
    y.backward()
    assert repr(y) == f"Value({shown}, grad=1, label='o21', op='σ')"


# --------------------------------------------------------------------------- depth and memory


def test_a_million_node_chain_backpropagates_at_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 0.0  # each step one + node and one constant: 2,000,001 nodes
    y.backward()
    assert x.grad == 1.0


def test_a_dropped_graph_is_freed_without_the_cyclic_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.0001 + 0.001).tanh()
        y.backward()
        del y
        # everything unreachable was freed by reference counting: no cycles to find
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_nodes_have_slots() -> None:
    assert not hasattr(Value(1.0), "__dict__")


def test_a_numpy_array_on_either_side_is_left_to_numpy_elementwise() -> None:
    v = Value(2.0)
    for product in (v * np.array([1.0, 3.0]), np.array([1.0, 3.0]) * v):
        assert product.shape == (2,) and [p.data for p in product] == [2.0, 6.0]
    assert (v * np.float64(3.0)).data == 6.0 and (v * np.array(3.0)).data == 6.0  # one number: one node
    with pytest.raises(TypeError, match="cannot compare a Value with ndarray"):
        _ = v < np.array([1.0, 3.0])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda v: v.leaky_relu("0.2"), "leaky_relu: slope must be a number, got str"),
        (lambda v: v.leaky_relu(Value(0.2)), "got Value; for a slope that learns, use prelu"),
        (lambda v: v.elu(None), "elu: alpha must be a number, got NoneType"),
    ],
)
def test_a_bound_number_that_is_not_one_names_the_op_and_the_parameter(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=message):
        make(Value(-1.0))


def test_tracebacks_name_each_arithmetic_dunder() -> None:
    import traceback

    with pytest.raises(ZeroDivisionError) as caught:
        Value(1.0) / Value(0.0)
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert "__truediv__" in frames and "arithmetic" not in frames
    assert Value.__rsub__.__code__.co_name == "__rsub__"


def test_item_is_the_plain_float_as_in_pytorch() -> None:
    loss = Value(2.0) * 1.5
    assert loss.item() == 3.0 and type(loss.item()) is float
