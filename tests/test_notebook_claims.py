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

import json
import math
import re
from pathlib import Path

import pytest

import autograd
from autograd import Value, chain_rule
from autograd.examples import notes_forward_pass, notes_network
from nn import MLP, Neuron

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


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
    node = notes_forward_pass()
    o1, z2, o2, w4 = node["o1"], node["z2"], node["o2"], node["w4"]
    notes_o1 = 0.759
    notes_z2 = notes_o1 * w4.data + node["b2"].data  # the notes' z₂, 0.04518, from their O₁
    o1_off, z2_off = o1.data - notes_o1, z2.data - notes_z2
    o2_off = o2.data - Value(notes_z2).sigmoid().data
    assert (round(o1_off, 4), round(z2_off, 5), round(o2_off, 5)) == (0.0023, 0.00005, 0.00001)
    # the library's own local derivative of O₂ on z₂, against σ(1 − σ) by hand
    [(parent, slope)] = autograd.edges(o2)
    assert parent is z2
    assert math.isclose(slope, sigmoid_by_hand(Z2_BY_HAND) * (1 - sigmoid_by_hand(Z2_BY_HAND)), rel_tol=1e-12)
    assert round(slope, 2) == 0.25
    # the slip shrinks by w₄, then by σ′(z₂) (to first order: z₂'s slip is tiny)
    assert math.isclose(z2_off, o1_off * w4.data, rel_tol=1e-9)
    assert math.isclose(o2_off, z2_off * slope, rel_tol=1e-3)


def test_a_fully_connected_2_2_1_network_splits_its_paths_after_the_first_neuron() -> None:
    """Notebook 03: in nn.MLP(2, [2, 2, 1]) x1's weight in o11 reaches o12 by no path."""
    mlp = MLP(2, [2, 2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    loss = (0.0 - mlp([95.0, 3.0])) ** 2
    for j, neuron in enumerate(mlp.layers[0].neurons, start=1):
        paths = chain_rule(loss, neuron.w[0]).paths
        named = [{node.label for node in path.nodes} & {"o11", "o12", "o21", "o22"} for path in paths]
        assert named == [{f"o1{j}", "o21"}, {f"o1{j}", "o22"}]


def _notebook_output(name: str) -> str:
    """Every text a notebook's saved code cells printed, joined."""
    cells = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))["cells"]
    return "".join(
        "".join(output.get("text", ""))
        for cell in cells
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    )


def _notes_network_loss_by_hand(leaves: dict[str, float]) -> float:
    """L of notes_network's 2-2-1 wiring on plain floats and math.exp, from the given leaves."""
    x1, x2 = leaves["x1"], leaves["x2"]
    o11 = sigmoid_by_hand(leaves["w1"] * x1 + leaves["w2"] * x2 + leaves["b11"])
    o12 = sigmoid_by_hand(leaves["w1"] * x1 + leaves["w3"] * x2 + leaves["b12"])
    o21 = sigmoid_by_hand(leaves["w4"] * o11 + leaves["b21"])
    o22 = sigmoid_by_hand(leaves["w5"] * o12 + leaves["b22"])
    o31 = sigmoid_by_hand(leaves["w6"] * o21 + leaves["w7"] * o22 + leaves["b31"])
    return (leaves["y"] - o31) ** 2


def test_the_notes_factor_is_sigma_prime_times_their_w3() -> None:
    """Notebook 04: ∂o31/∂o21 = σ′(z) · w₃ (w6 here) = 0.2461 · 0.8 = 0.1969 ≤ 0.25 · |w₃| = 0.2."""
    _, node = notes_network()
    o31, o21, o22, w6 = node["o31"], node["o21"], node["o22"], node["w6"]
    o31.backward()  # o21.grad is then ∂o31/∂o21, as the library computes it
    factor = o21.grad
    z31 = w6.data * o21.data + node["w7"].data * o22.data + node["b31"].data
    slope = sigmoid_by_hand(z31) * (1 - sigmoid_by_hand(z31))  # σ′(z31) by hand
    assert math.isclose(factor, slope * w6.data, rel_tol=1e-12)
    assert (round(slope, 4), w6.data, round(factor, 4)) == (0.2461, 0.8, 0.1969)
    assert abs(factor) <= 0.25 * abs(w6.data)
    printed = _notebook_output("04_vanishing_gradient.ipynb")
    assert re.search(r"∂o31/∂o21\s+=\s+0\.1969\b", printed)
    assert "= 0.2461 · 0.8 = 0.1969 ≤ 0.25 · |w₃| = 0.2" in printed


def test_the_notes_plus_sign_would_climb_the_loss() -> None:
    """Notebook 04: w_new = w_old + η·∂L/∂w (the notes' slip) raises L; w_old − η·∂L/∂w lowers it."""
    loss, node = notes_network()
    loss.backward()
    slope = node["w1"].grad  # the library's ∂L/∂w1
    leaves = {name: v.data for name, v in node.items() if v.is_leaf}
    assert math.isclose(_notes_network_loss_by_hand(leaves), loss.data, rel_tol=1e-12)

    def loss_at(w1: float) -> float:
        return _notes_network_loss_by_hand({**leaves, "w1": w1})

    h, eta, w1 = 1e-6, 0.5, leaves["w1"]
    by_hand = (loss_at(w1 + h) - loss_at(w1 - h)) / (2 * h)  # ∂L/∂w1 by central difference
    assert math.isclose(slope, by_hand, rel_tol=1e-6)
    assert f"∂L/∂w1 = {slope:.6g} = w1.grad" in _notebook_output("04_vanishing_gradient.ipynb")
    assert loss_at(w1 - eta * slope) < loss.data < loss_at(w1 + eta * slope)


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
