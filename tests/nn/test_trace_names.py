"""An nn model's trace reads like the notes: ∂L/∂w11.1 = ∂L/∂o31 · … · ∂o11/∂z11 · …"""

from __future__ import annotations

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
    loss, model = _notes_shaped_loss()
    w = model.layers[0].neurons[0].w[0]
    chain = chain_rule(loss, w)
    through = " · ∂z11/∂Σ11 · ∂Σ11/∂w11.1"
    assert str(chain).splitlines()[0] == (
        "∂L/∂w11.1 = ∂L/∂o31 · ∂o31/∂Σ31 · ∂Σ31/∂o21 · ∂o21/∂z21 · ∂z21/∂Σ21 · ∂Σ21/∂o11"
        f" · ∂o11/∂z11{through}"
        " + ∂L/∂o31 · ∂o31/∂Σ31 · ∂Σ31/∂o22 · ∂o22/∂z22 · ∂z22/∂Σ22 · ∂Σ22/∂o11"
        f" · ∂o11/∂z11{through}"
    )
    assert "  ∂Σ21/∂o11 = w21.1" in str(chain).splitlines()  # the weight o11 is multiplied by
    loss.backward()
    assert chain.total == pytest.approx(w.grad, rel=1e-12)


def test_every_name_in_an_mlps_graph_is_its_label() -> None:
    """No scope needed to tell nodes apart: every label of one sample's graph is unique."""
    loss, model = _notes_shaped_loss()
    names = node_names(loss)
    labelled = {node: name for node, name in names.items() if node.label and node.scope != "loss"}
    assert all(name == node.label for node, name in labelled.items())
    assert {"o11", "o12", "o21", "o22", "o31", "z11", "Σ22", "w11.1", "b31"} <= set(labelled.values())
    assert names[model.layers[1].neurons[1].b] == "b22"
