"""The numbers the notebooks claim, checked against the library and against math.exp by hand.

Notebook 02 says the notes' worked example gives z = 1.16, σ = 0.76133, 0.045227 and 0.51130
(the notes write 1.151, 0.759, 0.04518, 0.51129); notebook 05 says softmax of the scores
cat −1, dog 0, monkey 3, horse 5 is 0.00217, 0.00589, 0.11824, 0.87370 (the notes divide by
e^(−1+0+3+5) instead of Σ e^yₖ and get 86 % for horse). Each number is derived here a second
way, by hand, so a change in the library that made a notebook's claim false fails a test.
"""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value
from autograd.examples import notes_forward_pass
from nn import Neuron


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
