"""An nn model's trace reads like the notes: ∂L/∂w11.1 = ∂L/∂o31 · … · ∂o11/∂z11 · …"""

from __future__ import annotations

import math

import pytest

from autograd import Value, chain_rule
from autograd.trace import node_names
from nn import MLP, losses


def _notes_shaped_loss() -> tuple[Value, MLP]:
    """The notes' 2-2-2-1 shape with sigmoid hidden layers, an mse loss on one sample."""
    model = MLP(2, [2, 2, 1], activation="sigmoid", seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    return losses.mse([out], [1.0]), model


def test_chain_rule_of_a_first_layer_weight_reads_like_the_notes() -> None:
    """One factor per neuron, as the notes write ∂L/∂w₁ = ∂L/∂O₃₁ · ∂O₃₁/∂O₂₁ · ∂O₂₁/∂O₁₁ · ∂O₁₁/∂w₁."""
    loss, model = _notes_shaped_loss()
    w = model.layers[0].neurons[0].w[0]
    chain = chain_rule(loss, w)
    lines = str(chain).splitlines()
    assert lines[0] == (
        "∂L/∂w11.1 = ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w11.1"
        " + ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o11 · ∂o11/∂w11.1"
    )
    assert "  ∂o21/∂o11 = σ(1 − σ) · w21.1" in lines  # z21 and Σ21 folded in, the + b21's 1 left out
    assert "  ∂o31/∂o21 = w31.1" in lines  # a linear output: Σ31's edge alone
    loss.backward()
    assert chain.count == 2 and chain.total == pytest.approx(w.grad, rel=1e-12)


def test_each_neurons_factor_is_the_product_of_its_edges() -> None:
    """Each factor is the product of the edges it folds (detail=True names them), and matches
    hand math: σ′ = σ(1 − σ), ∂Σ/∂input = its weight, ∂z/∂Σ = 1."""
    loss, model = _notes_shaped_loss()
    (n11, _), (n21, n22), (n31,) = (layer.neurons for layer in model.layers)
    w = n11.w[0]
    chain = chain_rule(loss, w)
    grouped, detailed = chain.terms(), chain.terms(detail=True)
    assert [len(term) for term in grouped] == [4, 4] and [len(term) for term in detailed] == [12, 12]
    for term, fine in zip(grouped, detailed):
        assert math.prod(s.value for s in term) == pytest.approx(math.prod(s.value for s in fine), rel=1e-12)
    names = node_names(loss)
    by_name = {name: node for node, name in names.items()}
    s11, s21, s22 = (by_name[k].data for k in ("o11", "o21", "o22"))
    hand = {
        ("L", "o31"): 2.0 * (by_name["o31"].data - 1.0),
        ("o31", "o21"): n31.w[0].data,
        ("o21", "o11"): s21 * (1 - s21) * n21.w[0].data,
        ("o11", "w11.1"): s11 * (1 - s11) * 0.5,
        ("o31", "o22"): n31.w[1].data,
        ("o22", "o11"): s22 * (1 - s22) * n22.w[0].data,
    }
    for term in grouped:
        for segment in term:
            pair = (names[segment.upper], names[segment.lower])
            assert segment.value == pytest.approx(hand[pair], rel=1e-12), pair
    labels = chain.format(detail="labels").splitlines()[0]  # every labelled node, as before
    assert labels.startswith("∂L/∂w11.1 = ∂L/∂o31 · ∂o31/∂Σ31 · ∂Σ31/∂o21 · ∂o21/∂z21 · ∂z21/∂Σ21")


def test_every_name_in_an_mlps_graph_is_its_label() -> None:
    """No scope needed to tell nodes apart: every label of one sample's graph is unique."""
    loss, model = _notes_shaped_loss()
    names = node_names(loss)
    labelled = {node: name for node, name in names.items() if node.label and node.scope != "loss"}
    assert all(name == node.label for node, name in labelled.items())
    assert {"o11", "o12", "o21", "o22", "o31", "z11", "Σ22", "w11.1", "b31"} <= set(labelled.values())
    assert names[model.layers[1].neurons[1].b] == "b22"


def test_the_chain_rule_picture_captions_each_path_one_factor_per_neuron() -> None:
    pytest.importorskip("graphviz", reason="graphviz not installed")
    loss, model = _notes_shaped_loss()
    source = chain_rule(loss, model.layers[0].neurons[0].w[0]).draw().source
    assert "path 1 (blue): ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w11.1 = " in source
    assert "path 2 (orange): ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o11 · ∂o11/∂w11.1 = " in source


def test_an_unknown_detail_is_refused() -> None:
    loss, model = _notes_shaped_loss()
    with pytest.raises(ValueError, match='detail must be None, False, True or "labels"'):
        chain_rule(loss, model.layers[0].neurons[0].w[0]).format(detail="all")  # type: ignore[arg-type]
