"""The numbers the notebooks claim, checked against the library and against math.exp by hand.

Notebook 02 says the notes' worked example gives z = 1.16, σ = 0.76133, 0.045227 and 0.51130
(the notes write 1.151, 0.759, 0.04518, 0.51129); notebook 05 says softmax of the scores
cat −1, dog 0, monkey 3, horse 5 is 0.00217, 0.00589, 0.11824, 0.87370 (the notes divide by
e^(−1+0+3+5) instead of Σ e^yₖ and get 86 % for horse). Notebook 02 also says why the slip hardly
reaches O₂ (w₄ = 0.02 and σ′ ≤ 0.25 shrink it), notebook 03 how the notes' 2-2-1 network differs
from a fully connected one, and notebook 04 that the notes' factor ∂O₃₁/∂O₂₁ = σ′(z)·w₃ is at most
0.25·|w₃| and that their "w_old + η·∂L/∂w" would climb the loss. Each number is derived here a
second way, by hand, so a change in the library that made a notebook's claim false fails a test.
"""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, chain_rule
from autograd.examples import notes_forward_pass
from nn import MLP, Neuron


def sigmoid_by_hand(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# ---------------------------------------------------------------- the worked forward pass

Z1_BY_HAND = 95 * 0.01 + 4 * 0.02 + 4 * 0.03 + 0.01
O1_BY_HAND = sigmoid_by_hand(Z1_BY_HAND)
Z2_BY_HAND = O1_BY_HAND * 0.02 + 1 * 0.03
O2_BY_HAND = sigmoid_by_hand(Z2_BY_HAND)

WORKED_EXAMPLE = [  # node, the notebooks' number, its rounding, the number by hand
    ("z1", 1.16, 5, Z1_BY_HAND),
    ("o1", 0.76133, 5, O1_BY_HAND),
    ("z2", 0.045227, 6, Z2_BY_HAND),
    ("o2", 0.51130, 5, O2_BY_HAND),
]


@pytest.mark.parametrize(("name", "claimed", "digits", "by_hand"), WORKED_EXAMPLE)
def test_worked_example_numbers(name: str, claimed: float, digits: int, by_hand: float) -> None:
    node = notes_forward_pass()[name]
    assert round(by_hand, digits) == claimed
    assert math.isclose(node.data, by_hand, rel_tol=1e-12)
    assert round(node.data, digits) == claimed


def test_nn_neuron_gives_the_worked_example() -> None:
    neuron = Neuron(3, "sigmoid")
    for w, number in zip(neuron.w, (0.01, 0.02, 0.03)):
        w.data = number
    neuron.b.data = 0.01
    assert math.isclose(neuron([95, 4, 4]).data, O1_BY_HAND, rel_tol=1e-12)


def test_the_notes_slips_come_from_one_slip_carried_through() -> None:
    """What notebook 02 says: 1.151 is wrong, and every later number of the notes follows from it."""
    notes = {"z1": 1.151, "o1": 0.759, "z2": 0.04518, "o2": 0.51129}
    assert round(Z1_BY_HAND, 3) != notes["z1"]
    assert round(O1_BY_HAND, 3) != notes["o1"]
    assert round(Z2_BY_HAND, 5) != notes["z2"]
    assert round(O2_BY_HAND, 5) != notes["o2"]
    assert math.floor(sigmoid_by_hand(notes["z1"]) * 1000) / 1000 == notes["o1"]  # cut, not rounded
    assert round(notes["o1"] * 0.02 + 0.03, 5) == notes["z2"]
    assert round(sigmoid_by_hand(notes["z2"]), 5) == notes["o2"]


def test_the_slip_shrinks_on_its_way_to_the_output() -> None:
    """Notebook 02: O₁ off by 0.0023, z₂ by 0.00005 (× w₄), O₂ by 0.00001 (× σ′(z₂) ≈ 0.25, its peak)."""
    o1_off = O1_BY_HAND - 0.759
    z2_off = Z2_BY_HAND - (0.759 * 0.02 + 0.03)
    o2_off = O2_BY_HAND - sigmoid_by_hand(0.759 * 0.02 + 0.03)
    assert (round(o1_off, 4), round(z2_off, 5), round(o2_off, 5)) == (0.0023, 0.00005, 0.00001)
    slope_at = {z: sigmoid_by_hand(z) * (1 - sigmoid_by_hand(z)) for z in (0.0, Z2_BY_HAND, 1.0, -1.0)}
    assert slope_at[0.0] == 0.25 and round(slope_at[Z2_BY_HAND], 2) == 0.25
    assert max(slope_at, key=slope_at.__getitem__) == 0.0  # σ is steepest at 0, not flat


def test_a_fully_connected_2_2_1_network_splits_its_paths_after_the_first_neuron() -> None:
    """Notebook 03: in nn.MLP(2, [2, 2, 1]) x1's weight in o11 reaches o12 by no path."""
    mlp = MLP(2, [2, 2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    loss = (0.0 - mlp([95.0, 3.0])) ** 2
    for j, neuron in enumerate(mlp.layers[0].neurons, start=1):
        paths = chain_rule(loss, neuron.w[0]).paths
        named = [{node.label for node in path.nodes} & {"o11", "o12", "o21", "o22"} for path in paths]
        assert named == [{f"o1{j}", "o21"}, {f"o1{j}", "o22"}]


def _notes_network_loss(w1: float = 0.01, w6: float = 0.8) -> tuple[float, float, float]:
    """notebooks 03 and 04's 2-2-1 network on plain floats: (L, o31, its σ′(z31))."""
    o11 = sigmoid_by_hand(w1 * 95 + 0.02 * 3 + 0.01)
    o12 = sigmoid_by_hand(w1 * 95 + 0.03 * 3 + 0.01)
    o21, o22 = sigmoid_by_hand(0.5 * o11 + 0.1), sigmoid_by_hand(-0.4 * o12 + 0.1)
    o31 = sigmoid_by_hand(w6 * o21 - 0.6 * o22 + 0.03)
    return (0.0 - o31) ** 2, o31, o31 * (1 - o31)


def test_the_notes_factor_is_sigma_prime_times_their_w3() -> None:
    """Notebook 04: ∂o31/∂o21 = σ′(z) · w₃ (w6 here) = 0.2461 · 0.8 = 0.1969 ≤ 0.25 · |w₃| = 0.2."""
    _, _, slope = _notes_network_loss()
    assert (round(slope, 4), round(slope * 0.8, 4)) == (0.2461, 0.1969)
    assert slope * 0.8 <= 0.25 * 0.8 == 0.2


def test_the_notes_plus_sign_would_climb_the_loss() -> None:
    """Notebook 04: w_new = w_old + η·∂L/∂w (the notes' slip) raises L; w_old − η·∂L/∂w lowers it."""

    def loss_at(w1: float) -> float:
        return _notes_network_loss(w1=w1)[0]

    h, eta, w1 = 1e-6, 0.5, 0.01
    slope = (loss_at(w1 + h) - loss_at(w1 - h)) / (2 * h)  # ∂L/∂w1 by central difference
    assert loss_at(w1 - eta * slope) < loss_at(w1) < loss_at(w1 + eta * slope)


# ---------------------------------------------------------------- softmax

SCORES = {"cat": -1.0, "dog": 0.0, "monkey": 3.0, "horse": 5.0}
SOFTMAX_CLAIMS = {"cat": 0.00217, "dog": 0.00589, "monkey": 0.11824, "horse": 0.87370}


def test_softmax_numbers() -> None:
    probabilities = autograd.softmax([Value(s) for s in SCORES.values()])
    total = sum(math.exp(s) for s in SCORES.values())
    for (name, score), p in zip(SCORES.items(), probabilities):
        by_hand = math.exp(score) / total
        assert round(by_hand, 5) == SOFTMAX_CLAIMS[name]
        assert math.isclose(p.data, by_hand, rel_tol=1e-12)
        assert round(p.data, 5) == SOFTMAX_CLAIMS[name]


def test_the_notes_softmax_slip() -> None:
    """Notebook 05: the notes divide by e^(−1+0+3+5) = e^7, write dog as 0.0024, and get 86 %."""
    wrong = math.exp(sum(SCORES.values()))
    notes = {"cat": 0.00033, "dog": 0.0024, "monkey": 0.0183, "horse": 0.1353}
    assert math.isclose(math.exp(SCORES["cat"]) / wrong, notes["cat"], abs_tol=1e-5)
    assert round(math.exp(SCORES["monkey"]) / wrong, 4) == notes["monkey"]
    assert round(math.exp(SCORES["horse"]) / wrong, 4) == notes["horse"]
    assert round(math.exp(SCORES["dog"]) / wrong, 4) != notes["dog"]  # e^0 / e^7 = 0.000912
    assert math.floor(100 * notes["horse"] / sum(notes.values())) == 86  # their 86 %
    right = math.exp(SCORES["horse"]) / sum(math.exp(s) for s in SCORES.values())
    assert round(100 * right, 2) == 87.37
