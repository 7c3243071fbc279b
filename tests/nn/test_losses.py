"""Losses against torch's loss functions: the values and the gradients they send back.

torch is optional: the tests that compare with it import it through ``functional()`` or
``tensor()`` and skip without it; the others need only the library.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import losses

if TYPE_CHECKING:
    import torch


def functional() -> Any:
    """torch.nn.functional, or a skip when torch is not installed."""
    pytest.importorskip("torch")
    import torch.nn.functional

    return torch.nn.functional


def values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def tensor(xs: list[float] | list[list[float]], grad: bool = True) -> torch.Tensor:
    torch = pytest.importorskip("torch")
    return torch.tensor(xs, dtype=torch.float64, requires_grad=grad)


def check_against_torch(ours: Value, inputs: list[Value], theirs: torch.Tensor, t: torch.Tensor) -> None:
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-12, abs=1e-15)
    assert [v.grad for v in inputs] == pytest.approx(t.grad.flatten().tolist(), rel=1e-10, abs=1e-15)


PREDICTIONS = [0.3, -1.2, 2.5, 0.0, 4.0]
TARGETS = [0.5, -1.0, 2.0, 1.0, -3.0]


def test_mse_matches_torch() -> None:
    F = functional()
    ys_hat, t = values(PREDICTIONS), tensor(PREDICTIONS)
    check_against_torch(losses.mse(ys_hat, TARGETS), ys_hat, F.mse_loss(t, tensor(TARGETS, False)), t)


def test_mae_matches_torch() -> None:
    F = functional()
    ys_hat, t = values(PREDICTIONS), tensor(PREDICTIONS)
    check_against_torch(losses.mae(ys_hat, TARGETS), ys_hat, F.l1_loss(t, tensor(TARGETS, False)), t)


PROBABILITIES = [0.9, 0.2, 0.5, 1e-3, 0.999]
LABELS = [1.0, 0.0, 1.0, 0.0, 0.3]  # a soft label too


def test_bce_matches_torch() -> None:
    F = functional()
    ps, t = values(PROBABILITIES), tensor(PROBABILITIES)
    expected = F.binary_cross_entropy(t, tensor(LABELS, False))
    check_against_torch(losses.bce(ps, LABELS), ps, expected, t)


# p = 0 and 1, inside the clamp (p(1 − p) < 1e-12), at its edge and beyond
EDGES = [
    0.0,
    1e-300,
    1e-50,
    1e-13,
    5e-13,
    1e-12,
    2e-12,
    1e-6,
    0.5,
    1 - 1e-6,
    1 - 1e-12,
    1 - 1e-13,
    1 - 2**-53,
    1.0,
]


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("p", EDGES)
def test_bce_near_zero_and_one_is_torchs_in_value_and_gradient(p: float, y: float) -> None:
    F = functional()
    v = Value(p)
    loss = losses.bce([v], [y])
    loss.backward()
    t = tensor([p])
    expected = F.binary_cross_entropy(t, tensor([y], False))
    expected.backward()
    assert math.isfinite(loss.data) and math.isfinite(v.grad)
    # ln(1 − p) is the notes' log of a rounded 1 − p where torch calls log1p(−p): within 1e-15
    assert loss.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-15)
    # torch keeps its ε = 1e-12 as a float32, 9.99999996e-13: its clamped gradients are 4e-9 larger
    assert v.grad == pytest.approx(t.grad.item(), rel=1e-8, abs=1e-300)


@pytest.mark.parametrize(
    ("p", "y", "value", "gradient"),
    [
        # by hand: each log floored at −100, the gradient (p − y)/ε with ε = 1e-12
        (0.0, 1.0, 100.0, -1e12),
        (1.0, 0.0, 100.0, 1e12),
        (0.0, 0.3, 0.3 * 100.0, -0.3e12),
        (1e-50, 1.0, 100.0, (1e-50 - 1.0) / 1e-12),
        (0.0, 0.0, 0.0, 0.0),  # right and certain: nothing to learn
        (1.0, 1.0, 0.0, 0.0),
    ],
)
def test_a_certain_answer_costs_at_most_100_and_keeps_p_in_the_graph(
    p: float, y: float, value: float, gradient: float
) -> None:
    v = Value(p)
    loss = losses.bce([v, Value(0.5)], [y, 1.0])  # the mean over two samples halves each gradient
    loss.backward()
    assert loss.data == pytest.approx((value + math.log(2)) / 2, rel=1e-15)
    assert v.grad == pytest.approx(gradient / 2, rel=1e-15, abs=0.0)


def test_bce_inside_the_clamp_is_the_notes_formula_node_for_node() -> None:
    p = Value(0.25)
    loss = losses.bce([p], [1.0])
    term = loss.parents[0].parents[0]  # L = Σ / 1, Σ over the one term
    assert term.op is not None and term.op.name == "neg" and term.parents[0].parents == (p,)
    loss.backward()
    assert loss.data == pytest.approx(-math.log(0.25), rel=1e-15)
    assert p.grad == pytest.approx(-1 / 0.25, rel=1e-15)


# inside the clamp and out; p = 0 and 1 exactly are below, as torch's target gradient is ±inf there
TARGET_EDGES = [1e-300, 1e-13, 1e-6, 0.3, 0.9, 1 - 1e-6, 1 - 1e-13]


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("p", TARGET_EDGES)
def test_bce_gives_a_target_value_torchs_gradient(p: float, y: float) -> None:
    # torch: ∂/∂y of −[y ln p + (1 − y) ln(1 − p)] is ln(1 − p) − ln p, also for y exactly 0 or 1
    F = functional()
    prediction, target = Value(p), Value(y)
    loss = losses.bce([prediction], [target])
    loss.backward()
    t, ty = tensor([p]), tensor([y])
    expected = F.binary_cross_entropy(t, ty)
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-15)
    assert prediction.grad == pytest.approx(t.grad.item(), rel=1e-8, abs=1e-300)
    assert target.grad == pytest.approx(ty.grad.item(), rel=1e-12)


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_bce_at_p_zero_or_one_gives_a_target_value_the_floored_slope(y: float) -> None:
    # the loss −[y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)] is linear in y with slope
    # max(ln(1 − p), −100) − max(ln p, −100): +100 at p = 0 and −100 at p = 1 (torch's is ±inf,
    # which no finite node value can carry: inf · 0 is nan)
    for p, slope in [(0.0, 100.0), (1.0, -100.0)]:
        target = Value(y)
        loss = losses.bce([Value(p)], [target])
        loss.backward()
        assert loss.data == (100.0 * y if p == 0.0 else 100.0 * (1.0 - y))
        assert target.grad == slope


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
@pytest.mark.parametrize("z", [-1000.0, -2.0, 0.3, 40.0, 1000.0])
def test_bce_with_logits_gives_a_target_value_torchs_gradient(z: float, y: float) -> None:
    # ∂/∂y of softplus(z) − y·z is −z, also for y exactly 0 or 1
    F = functional()
    logit, target = Value(z), Value(y)
    loss = losses.bce_with_logits([logit], [target])
    loss.backward()
    t, ty = tensor([z]), tensor([y])
    expected = F.binary_cross_entropy_with_logits(t, ty)
    expected.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
    assert logit.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)
    assert target.grad == pytest.approx(ty.grad.item(), rel=1e-15) == -z


def test_bce_rejects_scores_outside_zero_one() -> None:
    with pytest.raises(
        ValueError, match=r"probabilities must lie in \[0, 1\], got 1.5 at index 1.*bce_with_logits"
    ):
        losses.bce([Value(0.5), Value(1.5)], [1, 0])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got -1.0 at index 0"):
        losses.bce([Value(0.5)], [-1])


LOGITS = [0.3, -2.0, 5.0, -1000.0, 1000.0, 40.0]
LOGIT_LABELS = [1.0, 0.0, 0.0, 1.0, 0.0, 0.25]


def test_bce_with_logits_matches_torch_even_at_a_thousand() -> None:
    F = functional()
    zs, t = values(LOGITS), tensor(LOGITS)
    expected = F.binary_cross_entropy_with_logits(t, tensor(LOGIT_LABELS, False))
    check_against_torch(losses.bce_with_logits(zs, LOGIT_LABELS), zs, expected, t)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1000, 1000, allow_nan=False), st.sampled_from([0.0, 1.0, 0.5])),
        min_size=1,
        max_size=5,
    )
)
def test_bce_with_logits_matches_torch_for_any_logits(pairs: list[tuple[float, float]]) -> None:
    F = functional()
    zs = values([z for z, _ in pairs])
    t = tensor([z for z, _ in pairs])
    expected = F.binary_cross_entropy_with_logits(t, tensor([y for _, y in pairs], False))
    ours = losses.bce_with_logits(zs, [y for _, y in pairs])
    ours.backward()
    expected.backward()
    assert ours.data == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    assert [z.grad for z in zs] == pytest.approx(t.grad.tolist(), rel=1e-9, abs=1e-12)


BATCH = [[2.0, -1.0, 0.5], [-1.0, 0.0, 3.0], [1000.0, -1000.0, 0.0], [0.1, 0.2, 0.3]]
CLASSES = [0, 2, 1, 1]


def test_cross_entropy_matches_torch_including_huge_logits() -> None:
    torch = pytest.importorskip("torch")
    F = functional()
    rows = [values(row) for row in BATCH]
    t = tensor(BATCH)
    expected = F.cross_entropy(t, torch.tensor(CLASSES))
    check_against_torch(losses.cross_entropy(rows, CLASSES), [v for row in rows for v in row], expected, t)


def test_cross_entropy_of_one_sample_takes_an_int_target() -> None:
    torch = pytest.importorskip("torch")
    F = functional()
    # the notes' scores: cat −1, dog 0, monkey 3, horse 5; the horse is right
    logits = values([-1.0, 0.0, 3.0, 5.0])
    t = tensor([[-1.0, 0.0, 3.0, 5.0]])
    check_against_torch(losses.cross_entropy(logits, 3), logits, F.cross_entropy(t, torch.tensor([3])), t)


def test_cross_entropy_takes_numpy_class_indices() -> None:
    np = pytest.importorskip("numpy")  # np.array(y)'s items, as fit hands them on, are np.int64
    torch = pytest.importorskip("torch")
    F = functional()
    rows = [values(row) for row in BATCH]
    t = tensor(BATCH)
    expected = F.cross_entropy(t, torch.tensor(CLASSES))
    ours = losses.cross_entropy(rows, list(np.array(CLASSES)))
    check_against_torch(ours, [v for row in rows for v in row], expected, t)
    logits = values([-1.0, 0.0, 3.0, 5.0])  # one sample, its class a single np.int64
    t = tensor([[-1.0, 0.0, 3.0, 5.0]])
    expected = F.cross_entropy(t, torch.tensor([3]))
    check_against_torch(losses.cross_entropy(logits, np.int64(3)), logits, expected, t)
    for flag in (True, np.bool_(True)):  # a truth value is no class index
        with pytest.raises(ValueError, match=r"target (np\.)?True_? at index 0 is not a class index"):
            losses.cross_entropy([values([1.0, 2.0])], [flag])


def test_cross_entropy_names_a_bad_class_index() -> None:
    with pytest.raises(ValueError, match="target 3 at index 1 is not a class index in 0 … 2"):
        losses.cross_entropy([values([1, 2, 3]), values([1, 2, 3])], [0, 3])
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        losses.cross_entropy([values([1, 2]), values([1, 2])], [0])


SCORES = [0.3, -2.0, 1.5, -0.2, 0.99]
SIGNS = [1, 1, -1, -1, 1]


def test_hinge_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    scores, t = values(SCORES), tensor(SCORES)
    y = tensor([float(s) for s in SIGNS], False)
    expected = torch.clamp(1 - y * t, min=0).mean()  # torch has no loss of exactly this form
    check_against_torch(losses.hinge(scores, SIGNS), scores, expected, t)


def test_hinge_is_micrograds_max_margin() -> None:
    by_hand = sum(max(0.0, 1 - yi * si) for yi, si in zip(SIGNS, SCORES)) / len(SCORES)
    assert losses.hinge(values(SCORES), SIGNS).data == pytest.approx(by_hand, abs=1e-15)


def test_hinge_wants_plus_or_minus_one() -> None:
    with pytest.raises(
        ValueError, match=r"targets must be −1 or \+1, got 0 at index 2 \(for 0/1 labels use 2y − 1\)"
    ):
        losses.hinge(values([1, 2, 3]), [1, -1, 0])


def test_l2_matches_torch() -> None:
    ws = values([0.5, -2.0, 3.0])
    t = tensor([0.5, -2.0, 3.0])
    check_against_torch(losses.l2(ws, 1e-2), ws, 1e-2 * (t**2).sum(), t)


def test_l2_is_alpha_times_the_sum_of_squares_with_gradient_two_alpha_w() -> None:
    ws = values([0.5, -2.0, 3.0])
    penalty = losses.l2(ws, 1e-2)
    penalty.backward()
    assert penalty.data == pytest.approx(1e-2 * (0.25 + 4.0 + 9.0), rel=1e-15)
    assert [w.grad for w in ws] == pytest.approx([2e-2 * 0.5, 2e-2 * -2.0, 2e-2 * 3.0], abs=1e-15)


@pytest.mark.parametrize("name", ["mse", "mae", "bce", "bce_with_logits", "hinge"])
def test_mismatched_lengths_raise_value_error(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name}: 3 predictions but 2 targets"):
        losses.get(name)(values([0.5, 0.5, 0.5]), [1, 1])
    with pytest.raises(ValueError, match=f"{name}: needs at least one prediction"):
        losses.get(name)([], [])


def test_a_single_value_and_number_is_one_sample() -> None:
    assert losses.mse(Value(3.0), 1.0).data == 4.0
    assert losses.mae(2.0, 5.0).data == 3.0


def test_loss_nodes_are_scoped_and_labelled() -> None:
    loss = losses.mse(values([1.0, 2.0]), [0.0, 0.0])
    assert (loss.label, loss.scope) == ("L", "loss")
    assert all(p.scope == "loss" for p in loss.parents)


def test_unknown_loss_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown loss 'mse2'; known losses: mse, mae, bce"):
        losses.get("mse2")


# ---------------------------------------------------------------------- several outputs per sample

TWO_OUTPUTS = [[0.2, 0.7], [0.9, 0.1]]  # what a model with two output neurons gives for two samples


@pytest.mark.parametrize("name", ["mse", "mae", "bce", "bce_with_logits", "hinge"])
def test_several_outputs_per_sample_are_named_with_the_way_out(name: str) -> None:
    predictions = [values(row) for row in TWO_OUTPUTS]
    with pytest.raises(ValueError) as caught:
        losses.get(name)(predictions, [1, 1])
    message = str(caught.value)
    assert message.startswith(
        f"{name}: prediction 0 is a list of 2 values; {name} takes one prediction per target"
    )
    assert "flatten predictions and targets alike" in message and "cross_entropy" in message
    with pytest.raises(ValueError, match=rf"^{name}: target 1 is a tuple of 2 values; "):
        losses.get(name)(values([0.5, 0.5]), [1, (1, 1)])


def test_flattening_as_the_message_says_gives_the_mean_over_every_output() -> None:
    outputs = [values(row) for row in TWO_OUTPUTS]
    targets = [[0.0, 1.0], [1.0, 0.0]]
    flat = losses.mse([o for out in outputs for o in out], [t for row in targets for t in row])
    by_hand = ((0.2 - 0) ** 2 + (0.7 - 1) ** 2 + (0.9 - 1) ** 2 + (0.1 - 0) ** 2) / 4
    assert flat.data == pytest.approx(by_hand, abs=1e-15)


def test_a_prediction_that_is_no_number_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"^mse: prediction 1 must be a Value or a number, got a str$"):
        losses.mse([0.5, "0.5"], [1.0, 1.0])  # type: ignore[list-item]


def test_cross_entropy_names_flat_logits_nested_scores_and_one_hot_targets() -> None:
    with pytest.raises(TypeError, match=r"sample 0's logits must be a list of class scores, got a Value"):
        losses.cross_entropy(values([1.0, 2.0]), [0, 1])
    with pytest.raises(
        ValueError, match=r"sample 0's class score 1 is a list of 1 value; each sample's logits"
    ):
        losses.cross_entropy([[1.0, [2.0]]], [0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"target \[0, 1\] at index 0 .* pass the index of its 1"):
        losses.cross_entropy([values([1.0, 2.0])], [[0, 1]])  # type: ignore[list-item]


def test_numpy_scalars_are_numbers_too() -> None:
    np = pytest.importorskip("numpy")  # the rows of np.array(y), as fit hands them on
    assert losses.mse(values([1.0, 2.0]), list(np.array([0.0, 0.0]))).data == pytest.approx(2.5)
    assert losses.hinge(values([0.5, -2.0]), list(np.array([1, -1]))).data == pytest.approx(0.25)


def test_a_single_numpy_scalar_is_one_sample() -> None:
    np = pytest.importorskip("numpy")
    # (0.5 − 1)² = 0.25 whichever side is numpy's; 0.5 and 1 are exact in float32
    assert losses.mse(np.float32(0.5), np.int64(1)).data == 0.25
    assert losses.mse(Value(0.5), np.float32(1.0)).data == 0.25
    assert losses.mae(np.float64(0.5), np.int32(1)).data == 0.5
