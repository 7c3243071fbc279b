"""Graphs from the lecture notes, built with the notes' names, for tracing, drawing and quizzes."""

from __future__ import annotations

from collections.abc import Sequence

from . import graph
from .modes import scope
from .value import Value, dot


def notes_forward_pass() -> dict[str, Value]:
    """The lecture notes' worked example, every node labelled as the notes name it.

    Hidden neuron: z1 = Σ xᵢwᵢ + b1 with x = (95, 4, 4), w = (0.01, 0.02, 0.03), b1 = 0.01,
    then o1 = σ(z1). Output neuron: z2 = o1·w4 + b2 with w4 = 0.02, b2 = 0.03, then
    o2 = σ(z2). Loss: L = e² with the error e = y − o2 for the label y = 1.
    """
    xs = [Value(x, f"x{i}") for i, x in enumerate((95, 4, 4), start=1)]
    ws = [Value(w, f"w{i}") for i, w in enumerate((0.01, 0.02, 0.03), start=1)]
    b1, w4, b2, y = Value(0.01, "b1"), Value(0.02, "w4"), Value(0.03, "b2"), Value(1.0, "y")
    s1 = dot(ws, xs)
    s1.label = "s1"
    z1 = s1 + b1
    z1.label = "z1"
    o1 = z1.sigmoid()
    o1.label = "o1"
    p2 = o1 * w4
    p2.label = "p2"
    z2 = p2 + b2
    z2.label = "z2"
    o2 = z2.sigmoid()
    o2.label = "o2"
    error = y - o2
    error.label = "e"
    loss = error**2
    loss.label = "L"
    return {v.label: v for v in graph.topological_order(loss)}


def _neuron(name: str, weights: Sequence[Value], inputs: Sequence[Value], bias: Value) -> Value:
    """o = σ(z) with z = Σ + b and Σ = Σ xᵢwᵢ, made inside ``scope(name)`` so a drawing boxes
    the neuron; its nodes are labelled as ``nn.MLP`` labels them: ``Σlj``, ``zlj``, ``olj``."""
    lj = name.removeprefix("o")
    with scope(name):
        weighted = dot(weights, inputs)
        weighted.label = f"Σ{lj}"
        z = weighted + bias
        z.label = f"z{lj}"
        out = z.sigmoid()
    out.label = name
    return out


def notes_network() -> tuple[Value, dict[str, Value]]:
    """The notes' 2-2-1 sigmoid network, whose ∂L/∂w1 is the notes' sum of two paths:

    ∂L/∂w1 = ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w1 + ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o12 · ∂o12/∂w1.

    The notes' second path runs through o12, so w1 reaches both first-layer neurons: here
    w1 is shared (o11 and o12 both weigh x1 by w1), and the second layer is wired one to
    one (o11 → o21, o12 → o22); a fully connected second layer would give four paths.

    - inputs: x1 = 95 (IQ), x2 = 3 (study hours), label y = 0: the first row of the notes' data
    - o11 = σ(w1·x1 + w2·x2 + b11), o12 = σ(w1·x1 + w3·x2 + b12), with the notes' first-layer
      numbers w1 = 0.01, w2 = 0.02, w3 = 0.03, b11 = b12 = 0.01
    - o21 = σ(w4·o11 + b21), o22 = σ(w5·o12 + b22), o31 = σ(w6·o21 + w7·o22 + b31)
    - L = (y − o31)²

    Each neuron's weighted sum and z are named as ``nn.MLP`` names them, neuron j of layer l
    making ``Σlj``, ``zlj`` and ``olj`` (``Σ11``, ``z11``, ``o11``), all in the neuron's scope
    (``o11``), so traces still group them into the notes' one factor per neuron, ∂o11/∂w1.
    Returns ``(L, {name: node})`` for every labelled node.
    """
    leaves = {
        "x1": 95.0, "x2": 3.0, "y": 0.0,
        "w1": 0.01, "w2": 0.02, "w3": 0.03, "b11": 0.01, "b12": 0.01,
        "w4": 0.5, "w5": -0.4, "b21": 0.1, "b22": 0.1,
        "w6": 0.8, "w7": -0.6, "b31": 0.03,
    }  # fmt: skip
    v = {name: Value(number, name) for name, number in leaves.items()}
    o11 = _neuron("o11", [v["w1"], v["w2"]], [v["x1"], v["x2"]], v["b11"])
    o12 = _neuron("o12", [v["w1"], v["w3"]], [v["x1"], v["x2"]], v["b12"])
    o21 = _neuron("o21", [v["w4"]], [o11], v["b21"])
    o22 = _neuron("o22", [v["w5"]], [o12], v["b22"])
    o31 = _neuron("o31", [v["w6"], v["w7"]], [o21, o22], v["b31"])
    with scope("loss"):
        loss = (v["y"] - o31) ** 2
    loss.label = "L"
    return loss, {node.label: node for node in graph.topological_order(loss) if node.label}
