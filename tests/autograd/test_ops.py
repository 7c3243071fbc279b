"""Every rule in the OPS table against central differences of its own forward value."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd import OPS, Op

EPS = 1e-6


def close(a: float, b: float, tol: float = 1e-5) -> bool:
    return abs(a - b) <= tol * (1 + abs(a) + abs(b))


# Bound numbers worth testing besides the defaults.
VARIANTS: dict[str, list[dict[str, float]]] = {
    "pow_const": [{"n": 2.0}, {"n": 3.0}, {"n": -1.0}, {"n": 0.5}, {"n": 0.0}],
    "exp_base": [{"base": 2.0}, {"base": 0.5}, {"base": math.e}],
    "leaky_relu": [{"slope": 0.01}, {"slope": 0.2}],
    "elu": [{"alpha": 1.0}, {"alpha": 0.5}],
}
CASES = [(op, params) for op in OPS.values() for params in VARIANTS.get(op.name, [{}])]
KINKS = {"abs", "relu", "leaky_relu", "elu", "prelu", "step"}


def outputs(op: Op, inputs: list[float]) -> list[tuple[float, tuple[float, ...]]]:
    result = op(*inputs)
    return result if op.multi_output else [result]


@pytest.mark.parametrize(("op", "params"), CASES, ids=[f"{op.name}{params or ''}" for op, params in CASES])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_local_derivatives_match_central_differences(
    op: Op, params: dict[str, float], data: st.DataObject
) -> None:
    bound = op.bind(**params) if params else op
    arity = op.arity if op.arity is not None else op.sample_arity
    low, high = op.domain
    if op.name == "pow_const" and (params["n"] < 0 or not float(params["n"]).is_integer()):
        low, high = 0.2, 4.0
    inputs = data.draw(st.lists(st.floats(low, high), min_size=arity, max_size=arity))
    if op.name in KINKS:
        assume(abs(inputs[0]) > 1e-3)
    for k, (value, local_grads) in enumerate(outputs(bound, inputs)):
        assert len(local_grads) == len(inputs), "one local derivative per input"
        assert math.isfinite(value)
        for i in range(len(inputs)):
            up, down = list(inputs), list(inputs)
            up[i] += EPS
            down[i] -= EPS
            numeric = (outputs(bound, up)[k][0] - outputs(bound, down)[k][0]) / (2 * EPS)
            assert close(local_grads[i], numeric), (op.name, params, inputs, k, i, local_grads[i], numeric)


@pytest.mark.parametrize("op", OPS.values(), ids=lambda op: op.name)
def test_every_op_has_a_symbol_formula_and_expression(op: Op) -> None:
    arity = op.arity if op.arity is not None else op.sample_arity
    names = [f"v{i}" for i in range(arity)]
    assert op.symbol
    assert op.show(names)
    for i in range(arity):
        assert op.local_formula(i, names, "out")


def test_formulas_read_like_the_notes() -> None:
    assert OPS["sigmoid"].local_formula(0, ["z11"], "o11") == "σ(1 − σ)"
    assert OPS["mul"].local_formula(0, ["w1", "x1"], "p") == "x1"
    assert OPS["dot"].local_formula(0, ["w1", "w2", "x1", "x2"], "z") == "x1"
    assert OPS["dot"].local_formula(3, ["w1", "w2", "x1", "x2"], "z") == "w2"
    assert OPS["pow_const"].bind(n=3.0).symbol == "**3"
    assert OPS["pow_const"].bind(n=3.0).local_formula(0, ["x"], "y") == "3·x^2"
    assert OPS["div"].local_formula(1, ["a", "b + c"], "q") == "−a/(b + c)²"


def test_sigmoid_derivative_never_exceeds_a_quarter() -> None:
    slopes = [OPS["sigmoid"](z / 10)[1][0] for z in range(-200, 201)]
    assert max(slopes) == pytest.approx(0.25)
    assert all(0 <= s <= 0.25 for s in slopes)


def test_bound_ops_are_shared() -> None:
    assert OPS["leaky_relu"].bind(slope=0.2) is OPS["leaky_relu"].bind(slope=0.2)


MANY = [op for op in OPS.values() if op.arity != 1 and not op.multi_output]


@pytest.mark.parametrize("op", [op for op in MANY if op.symmetric], ids=lambda op: op.name)
@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-3.0, 3.0), min_size=6, max_size=6))
def test_an_op_marked_symmetric_gives_the_same_output_with_its_inputs_swapped(
    op: Op, xs: list[float]
) -> None:
    """``symmetric`` lets pictures draw the op without numbering its inputs, so it must hold:
    dot's swap is its ws with its xs; the others' is the first two inputs."""
    if op.name == "dot":
        assert op(*xs)[0] == op(*xs[3:], *xs[:3])[0]
    else:
        inputs = xs[: op.arity or 3]
        assert op(*inputs)[0] == op(inputs[1], inputs[0], *inputs[2:])[0]


@pytest.mark.parametrize("op", [op for op in MANY if not op.symmetric], ids=lambda op: op.name)
def test_an_op_not_marked_symmetric_tells_its_inputs_apart(op: Op) -> None:
    assert op(0.5, 2.0)[0] != op(2.0, 0.5)[0]  # a − b, a / b, a ** b, PReLU(x; α)
