"""The notes' 2-2-1 sigmoid network: ∂L/∂w1 is the notes' sum of exactly two paths.

Expected numbers come from the network written again with math's floats (``_by_hand``)
and from torch in float64, never from the library itself.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from autograd import Backprop, chain_rule
from autograd.examples import notes_network
from autograd.graph import topological_order
from nn import MLP

NOTES_FORMULA = (
    "∂L/∂w1 = ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w1 + ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o12 · ∂o12/∂w1"
)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _by_hand() -> dict[str, float]:
    """The network's outputs and the factors of both paths, with σ′ = σ(1 − σ) and ∂z/∂input = weight."""
    x1, x2, y = 95.0, 3.0, 0.0
    w1, w2, w3, b11, b12 = 0.01, 0.02, 0.03, 0.01, 0.01
    w4, w5, b21, b22, w6, w7, b31 = 0.5, -0.4, 0.1, 0.1, 0.8, -0.6, 0.03
    o11, o12 = _sigmoid(w1 * x1 + w2 * x2 + b11), _sigmoid(w1 * x1 + w3 * x2 + b12)
    o21, o22 = _sigmoid(w4 * o11 + b21), _sigmoid(w5 * o12 + b22)
    o31 = _sigmoid(w6 * o21 + w7 * o22 + b31)
    return {
        "L": (y - o31) ** 2,
        "dL/do31": -2.0 * (y - o31),
        "do31/do21": o31 * (1 - o31) * w6,
        "do21/do11": o21 * (1 - o21) * w4,
        "do11/dw1": o11 * (1 - o11) * x1,
        "do31/do22": o31 * (1 - o31) * w7,
        "do22/do12": o22 * (1 - o22) * w5,
        "do12/dw1": o12 * (1 - o12) * x1,
    }


def test_the_loss_is_the_network_written_by_hand() -> None:
    loss, nodes = notes_network()
    assert loss.data == pytest.approx(_by_hand()["L"], rel=1e-12)
    assert {"x1", "x2", "y", "w1", "w7", "b31", "o11", "o12", "o21", "o22", "o31", "L"} <= set(nodes)
    assert all(node.label == name for name, node in nodes.items())


def test_each_neuron_is_named_as_nn_mlp_names_it() -> None:
    """Σlj = Σ xᵢwᵢ, zlj = Σlj + blj, olj = σ(zlj): the names nn.MLP gives neuron j of layer l."""
    _, nodes = notes_network()
    sums = {"11": 0.01 * 95 + 0.02 * 3, "12": 0.01 * 95 + 0.03 * 3}
    for lj, weighted in sums.items():
        assert nodes[f"Σ{lj}"].data == pytest.approx(weighted, rel=1e-12)
        assert nodes[f"z{lj}"].data == pytest.approx(weighted + 0.01, rel=1e-12)
        assert nodes[f"o{lj}"].data == pytest.approx(_sigmoid(weighted + 0.01), rel=1e-12)
    mlp = MLP(2, [2, 2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    mlp_names = {node.label for node in topological_order(mlp([95.0, 3.0]))}
    neuron_names = {name for name in nodes if name[0] in "Σzo"}
    assert len(neuron_names) == 15 and neuron_names <= mlp_names


def test_w1_has_exactly_the_notes_two_paths() -> None:
    loss, nodes = notes_network()
    chain = chain_rule(loss, nodes["w1"])
    assert chain.count == 2 and len(chain.paths) == 2
    assert str(chain).splitlines()[0] == NOTES_FORMULA
    through = [[n.label for n in path.nodes if n.label] for path in chain.paths]
    neurons = [["31", "21", "11"], ["31", "22", "12"]]  # each neuron's Σ, z and o, as nn.MLP names them
    assert through == [
        ["L", *(name for lj in path for name in (f"o{lj}", f"z{lj}", f"Σ{lj}")), "w1"] for path in neurons
    ]


def test_each_factor_and_path_matches_the_hand_derivation() -> None:
    loss, nodes = notes_network()
    chain = chain_rule(loss, nodes["w1"])
    hand = _by_hand()
    names = [
        ["dL/do31", "do31/do21", "do21/do11", "do11/dw1"],
        ["dL/do31", "do31/do22", "do22/do12", "do12/dw1"],
    ]
    for term, expected in zip(chain.terms(), names):
        assert [s.value for s in term] == pytest.approx([hand[k] for k in expected], rel=1e-12)
    first, second = (math.prod(hand[k] for k in path) for path in names)
    assert [p.product for p in chain.paths] == pytest.approx([first, second], rel=1e-12)
    assert chain.total == pytest.approx(first + second, rel=1e-12)


def test_the_printed_formulas_come_from_the_op_table() -> None:
    loss, nodes = notes_network()
    lines = str(chain_rule(loss, nodes["w1"])).splitlines()
    assert lines[1:9] == [
        "  ∂L/∂o31 = 2·loss.sub · (−1)",
        "  ∂o31/∂o21 = σ(1 − σ) · w6",
        "  ∂o21/∂o11 = σ(1 − σ) · w4",
        "  ∂o11/∂w1 = σ(1 − σ) · x1",
        "  ∂o31/∂o22 = σ(1 − σ) · w7",
        "  ∂o22/∂o12 = σ(1 − σ) · w5",
        "  ∂o12/∂w1 = σ(1 − σ) · x1",
        "  where loss.sub = y − o31",
    ]
    hand = _by_hand()
    paths = (
        ["dL/do31", "do31/do21", "do21/do11", "do11/dw1"],
        ["dL/do31", "do31/do22", "do22/do12", "do12/dw1"],
    )

    def shown(x: float) -> str:  # 4 significant digits, a negative factor in brackets
        return f"({x:.4g})" if x < 0 else f"{x:.4g}"

    numbers = " + ".join(" · ".join(shown(hand[k]) for k in path) for path in paths)
    assert lines[9] == f"∂L/∂w1 = {numbers}"
    assert lines[10].strip() == f"= {sum(math.prod(hand[k] for k in path) for path in paths):.6g}"


def test_every_raw_edge_is_shown_in_detail() -> None:
    loss, nodes = notes_network()
    chain = chain_rule(loss, nodes["w1"])
    first = chain.format(detail=True).splitlines()[0]
    assert first.count("∂") == 2 + 2 * sum(len(p.edges) for p in chain.paths)
    assert "∂o11/∂z11 · ∂z11/∂Σ11 · ∂Σ11/∂w1" in first
    assert "  ∂Σ11/∂w1 = x1" in chain.format(detail=True).splitlines()


def test_the_notes_formula_as_latex() -> None:
    loss, nodes = notes_network()
    latex = chain_rule(loss, nodes["w1"])._repr_latex_()
    assert latex.startswith(r"$$\begin{aligned}\frac{\partial L}{\partial w_{1}} &= \frac{\partial L}")
    assert r"\frac{\partial o_{31}}{\partial o_{22}}" in latex and latex.endswith(r"\end{aligned}$$")


def test_total_and_steps_agree_with_backward() -> None:
    loss, nodes = notes_network()
    chain = chain_rule(loss, nodes["w1"])
    Backprop(loss).run()
    assert chain.by_node[nodes["w1"]] == nodes["w1"].grad


def test_total_and_gradients_agree_with_torch() -> None:
    torch = pytest.importorskip("torch", reason="torch not installed (make test installs it)")
    loss, nodes = notes_network()
    chain = chain_rule(loss, nodes["w1"])
    loss.backward()
    t = {
        k: torch.tensor(v.data, dtype=torch.float64, requires_grad=True)
        for k, v in nodes.items()
        if v.is_leaf
    }
    o11 = torch.sigmoid(t["w1"] * t["x1"] + t["w2"] * t["x2"] + t["b11"])
    o12 = torch.sigmoid(t["w1"] * t["x1"] + t["w3"] * t["x2"] + t["b12"])
    o21, o22 = torch.sigmoid(t["w4"] * o11 + t["b21"]), torch.sigmoid(t["w5"] * o12 + t["b22"])
    o31 = torch.sigmoid(t["w6"] * o21 + t["w7"] * o22 + t["b31"])
    ((t["y"] - o31) ** 2).backward()
    assert chain.total == pytest.approx(t["w1"].grad.item(), rel=1e-12)
    for name, leaf in t.items():
        assert nodes[name].grad == pytest.approx(leaf.grad.item(), rel=1e-12, abs=1e-300), name


def test_other_weights_have_the_paths_the_wiring_gives() -> None:
    loss, nodes = notes_network()
    counts = {
        name: chain_rule(loss, nodes[name]).count for name in ("w1", "w2", "w4", "w6", "x1", "b31", "y")
    }
    assert counts == {"w1": 2, "w2": 1, "w4": 1, "w6": 1, "x1": 2, "b31": 1, "y": 1}
    assert str(chain_rule(loss, nodes["w6"])).splitlines()[0] == "∂L/∂w6 = ∂L/∂o31 · ∂o31/∂w6"


def test_the_readme_shows_what_chain_rule_prints() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Seeing the chain rule", 1)[1].split("\n## ", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    loss, nodes = notes_network()
    assert shown == f"{chain_rule(loss, nodes['w1'])}\n"
    # the stepper's first line as the README's comment quotes it, up to its "= …"
    quoted = section.split("stepper.step()          # L's edges applied: ", 1)[1].split(" = …", 1)[0]
    first_edge = str(Backprop(loss).step().current).splitlines()[1].strip()
    assert first_edge.startswith(quoted + " = ")
