"""The small graphs and command lines whose output the golden files hold.

Each DOT case is a function returning ``draw(...).source``; each CLI case is the argv of
``python -m autograd``. ``regenerate`` writes them, the tests compare them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import autograd
from autograd import Backprop, Value, chain_rule, draw, scope
from autograd.examples import notes_forward_pass

GOLDEN = Path(__file__).parent


def neuron(run_backward: bool = True) -> Value:
    """The README's neuron y = tanh(x·w + b) with x = 2, w = −3, b = 6.88."""
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    y = (x * w + b).tanh()
    y.label = "y"
    if run_backward:
        y.backward()
    return y


def square() -> Value:
    """y = x·x: one node used twice, so two edges."""
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    y.backward()
    return y


def scoped_network() -> Value:
    """A 2-2-1 tanh network built by hand with the scopes nn uses (layers.i.neurons.j)."""
    xs = [Value(1.0, "x1"), Value(-2.0, "x2")]
    for layer, size in enumerate([2, 1]):
        outputs = []
        with scope(f"layers.{layer}"):
            for j in range(size):
                with scope(f"neurons.{j}"):
                    ws = [Value(0.5 * (j + 1) * (-1) ** k, f"w{layer}{j}{k}") for k in range(len(xs))]
                    b = Value(0.1, f"b{layer}{j}")
                    outputs.append((autograd.dot(ws, xs) + b).tanh())
        xs = outputs
    loss = (xs[0] - 1.0) ** 2
    loss.label = "L"
    loss.backward()
    return loss


def notes_loss() -> Value:
    loss = notes_forward_pass()["L"]
    loss.backward()
    return loss


def _notes_step(label: str) -> str:
    """The notes' graph as the stepper shows it at the step of node ``label``, mid-backprop.

    ``Backprop`` holds the half-done pass (an abandoned ``backprop_steps`` would undo it).
    """
    loss = notes_forward_pass()["L"]
    stepper = Backprop(loss)
    while stepper.upcoming is not None and stepper.upcoming.label != label:
        stepper.step()
    return draw(loss, highlight=stepper.step().current).source


def _two_outputs() -> str:
    x, w = Value(2.0, "x"), Value(-1.5, "w")
    hidden = x * w
    hidden.label = "h"
    y1, y2 = hidden.tanh(), hidden.sigmoid()
    y1.label, y2.label = "y1", "y2"
    y1.backward()
    return draw([y1, y2]).source


def _focus() -> str:
    loss = notes_loss()
    w4 = next(node for node in autograd.graph.topological_order(loss) if node.label == "w4")
    return draw(loss, focus=w4, edge_derivatives=True).source


def _path_colours() -> str:
    y = square()
    x = y.parents[0]
    paths = chain_rule(y, x).paths
    colours = {(x, y, path.edges[0].index): colour for path, colour in zip(paths, ["red", "blue"])}
    return draw(y, edge_colors=colours, caption="∂y/∂x = x + x = 6").source


def notes_chain_rule_w1() -> str:
    """Issue 9's picture: ∂L/∂w1 of the notes' 2-2-1 network as its two coloured paths."""
    from autograd.examples import notes_network

    loss, nodes = notes_network()
    loss.backward()
    return str(chain_rule(loss, nodes["w1"]).draw().source)


DOT_CASES: dict[str, Callable[[], str]] = {
    "neuron_before_backward.dot": lambda: draw(neuron(run_backward=False)).source,
    "neuron.dot": lambda: draw(neuron(), edge_derivatives=True).source,
    "square.dot": lambda: draw(square(), edge_derivatives=True).source,
    "notes.dot": lambda: draw(notes_loss(), edge_derivatives=True).source,
    "notes_step_z2.dot": lambda: _notes_step("z2"),
    "notes_focus_w4.dot": _focus,
    "scoped.dot": lambda: draw(scoped_network()).source,
    "scoped_collapse_neuron.dot": lambda: draw(scoped_network(), collapse="neuron").source,
    "scoped_collapse_layer.dot": lambda: draw(scoped_network(), collapse="layer").source,
    "two_outputs.dot": _two_outputs,
    "square_path_colours.dot": _path_colours,
    "notes_chain_rule_w1.dot": notes_chain_rule_w1,
}

CLI_CASES: dict[str, list[str]] = {
    "trace_neuron.txt": ["trace", "tanh(x*w + b)", "--let", "x=2", "w=-3", "b=6.88", "--wrt", "w"],
    "trace_square_plus.txt": ["trace", "x*x + x", "--let", "x=3", "--wrt", "x"],
    "trace_notes_neuron.txt": [
        *("trace", "(y - sigmoid(x1*w1 + x2*w2 + b))**2", "--wrt", "w1"),
        *("--let", "x1=95", "x2=4", "w1=0.01", "w2=0.02", "b=0.01", "y=1"),
    ],
}
