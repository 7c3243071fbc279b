"""``python -m autograd demo | draw | trace``: the engine from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import graph
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


def demo(out: str = "demo.png") -> None:
    """Print the notes' forward pass, backpropagate, print every gradient, draw the graph."""
    nodes = notes_forward_pass()
    loss = nodes["L"]
    print("Forward pass (the lecture notes' worked example)")
    for node in graph.topological_order(loss):
        if node.op is None:
            continue
        names = [p.label for p in node.parents]
        print(f"  {node.label:>3} = {node.op.show(names):<24} = {node.data:.6g}")
    print("  the notes write z1 = 1.151, o1 = 0.759, z2 = 0.04518, o2 = 0.51129: arithmetic slips")
    loss.backward()
    print("\nBackward pass: ∂L/∂node for every node")
    for node in graph.backward_order(loss):
        print(f"  ∂L/∂{node.label:<3} = {node.grad: .6g}")
    try:
        from .draw import save_graph

        save_graph(loss, out, edge_derivatives=True)
    except NotImplementedError:
        pass
    except Exception as error:  # drawing is a bonus of the demo, never its failure
        print(f"\n(no picture: {error})")
    else:
        print(f"\nComputation graph written to {out}")
    print("Notebooks that walk through the notes: jupyter lab notebooks/")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="the lecture notes' worked example, forward and backward")
    demo_parser.add_argument("--out", default="demo.png", help="where to write the picture (default demo.png)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
