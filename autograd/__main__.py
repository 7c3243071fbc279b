"""``python -m autograd demo | draw | trace``: the engine from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from . import expr, graph
from .draw import GraphvizNotFoundError, save_graph, writable_target
from .trace import chain_rule
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
    """The notes' forward pass, the gradients of every weight and bias, the chain rule for
    w4 as the notes write it, one weight update, and the picture."""
    nodes = notes_forward_pass()
    loss = nodes["L"]
    print("Forward pass (the lecture notes' worked example)")
    for node in graph.topological_order(loss):
        if node.op is None:
            continue
        names = [p.label for p in node.parents]
        print(f"  {node.label:>3} = {node.op.show(names):<24} = {node.data:.6g}")
    print("  (the notes write z1 = 1.151, o1 = 0.759, z2 = 0.04518, o2 = 0.51129: arithmetic slips)")

    loss.backward()
    print("\nBackward pass: ∂L/∂w for every weight and bias")
    for row in (("w1", "w2", "w3", "b1"), ("w4", "b2")):
        print("  " + "   ".join(f"∂L/∂{name} = {nodes[name].grad:.6g}" for name in row))

    print("\nThe chain rule for w4, one factor per edge of the graph")
    print("  " + str(chain_rule(loss, nodes["w4"])).replace("\n", "\n  "))

    w4, rate = nodes["w4"], 0.1
    new = w4.data - rate * w4.grad
    print(f"\nWeight update, η = {rate}: w4_new = w4_old − η·∂L/∂w4 = {w4.data:g} − {rate}·({w4.grad:.6g})")
    print(f"  = {new:.6g}: the slope is negative, so the weight grows")
    try:
        save_graph(loss, out, edge_derivatives=True)
    except Exception as error:  # drawing is a bonus of the demo, never its failure
        print(f"\n(no picture: {error})")
    else:
        print(f"\nComputation graph written to {out}")
    print("Next: the notebooks walk through the notes: jupyter lab notebooks/")


EXIT_BAD_INPUT = 2
EXIT_NO_GRAPHVIZ = 1

EXPR_HELP = f"""\
EXPR uses numbers, the names given with --let, + - * / **, parentheses and the
functions {", ".join(expr.FUNCTIONS)}.
It is checked against a whitelist and never run as Python. An EXPR that starts
with "-" needs a leading space: " -x*w".

exit status: 0 done; 2 bad EXPR, --let, --wrt or output path (nothing is written);
1 Graphviz's dot program is missing (a .dot or .gv file needs no program)."""

DRAW_EXAMPLES = """\
  python -m autograd draw "tanh(x*w + b)" --let x=2 w=-3 b=6.88 --out graph.png
  python -m autograd draw "sigmoid(x1*w1 + x2*w2 + b)" --let x1=1 x2=0 w1=0.5 w2=-1 b=0.1 \\
      --edge-derivatives --out neuron.svg"""

TRACE_EXAMPLES = """\
  python -m autograd trace "tanh(x*w + b)" --let x=2 w=-3 b=6.88 --wrt w
  python -m autograd trace "(y - sigmoid(x*w + b))**2" --let x=1.5 w=0.4 b=0.1 y=1 --wrt b"""


class _Refused(Exception):
    """Bad input from the command line: a message for stderr and exit status 2."""


def _inputs(bindings: Sequence[str]) -> dict[str, Value]:
    """``--let x=2 w=-3`` → named leaf Values, each labelled with its name."""
    values: dict[str, Value] = {}
    for binding in bindings:
        name, number = expr.parse_binding(binding)
        if name in values:
            raise expr.ExpressionError(f"--let {binding!r}: {name!r} is given twice")
        values[name] = Value(number, name)
    return values


def _names(inputs: dict[str, Value]) -> str:
    return ", ".join(inputs) or "none"


def _build(text: str, bindings: Sequence[str]) -> tuple[Value, dict[str, Value]]:
    """EXPR's graph over the ``--let`` inputs; the output is called f, as in ∂f/∂w."""
    inputs = _inputs(bindings)
    root = expr.evaluate(text, inputs)
    if not root.label:
        root.label = _output_name(inputs)
    return root, inputs


def _output_name(inputs: dict[str, Value]) -> str:
    """``f``, or ``f2``, ``f3``, … when the inputs already use it: always a free name."""
    name, k = "f", 1
    while name in inputs:
        k += 1
        name = f"f{k}"
    return name


def draw_command(args: argparse.Namespace) -> None:
    """Build EXPR, backpropagate, print the value and gradients, write the picture."""
    try:
        writable_target(args.out)  # before any work, so a bad path costs nothing
    except (OSError, ValueError) as error:
        raise _Refused(str(error)) from None
    root, inputs = _build(args.expression, args.let)
    focus = None
    if args.focus is not None:
        if args.focus not in inputs:
            raise _Refused(f"--focus {args.focus}: not a name given with --let ({_names(inputs)})")
        focus = inputs[args.focus]
    root.backward()
    try:
        written = save_graph(
            root, args.out, grads=not args.no_grads, edge_derivatives=args.edge_derivatives, focus=focus
        )
    except (OSError, ValueError) as error:
        raise _Refused(str(error)) from None
    print(f"{root.label} = {args.expression.strip()} = {root.data:.6g}")
    for name, value in inputs.items():
        print(f"  ∂{root.label}/∂{name} = {value.grad:.6g}")
    print(f"graph written to {written}")


def trace_command(args: argparse.Namespace) -> None:
    """Build EXPR and print ∂EXPR/∂wrt as the sum over paths of products of local derivatives."""
    root, inputs = _build(args.expression, args.let)
    if args.wrt not in inputs:
        raise _Refused(f"--wrt {args.wrt}: not a name given with --let ({_names(inputs)})")
    root.backward()
    print(chain_rule(root, inputs[args.wrt]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd",
        description="chainrule from the command line: the notes' example, graph pictures, chain-rule traces.",
        epilog=f"examples:\n  python -m autograd demo\n{DRAW_EXAMPLES}\n{TRACE_EXAMPLES}\n\n{EXPR_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{demo,draw,trace}")
    demo_parser = commands.add_parser("demo", help="the lecture notes' worked example, forward and backward")
    demo_parser.add_argument(
        "--out", default="demo.png", help="where to write the picture (default demo.png)"
    )

    draw_parser = _expression_command(
        commands, "draw", "build EXPR, run backward, write its computation graph", DRAW_EXAMPLES
    )
    draw_parser.add_argument(
        "--out", default="graph.png", help="PNG, SVG, PDF, or DOT source (.dot, .gv) by extension"
    )
    draw_parser.add_argument("--no-grads", action="store_true", help="show data only, no gradients")
    draw_parser.add_argument(
        "--edge-derivatives", action="store_true", help="write each edge's local derivative on it"
    )
    draw_parser.add_argument("--focus", metavar="NAME", help="draw only the part between NAME and EXPR")

    trace_parser = _expression_command(
        commands,
        "trace",
        "print ∂EXPR/∂NAME: the sum over paths of products of local derivatives",
        TRACE_EXAMPLES,
    )
    trace_parser.add_argument(
        "--wrt", required=True, metavar="NAME", help="the input to differentiate with respect to"
    )
    return parser


def _expression_command(commands: Any, name: str, summary: str, examples: str) -> argparse.ArgumentParser:
    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=f"examples:\n{examples}\n\n{EXPR_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("expression", metavar="EXPR", help='the expression, e.g. "tanh(x*w + b)"')
    command.add_argument(
        "--let", nargs="+", action="extend", default=[], metavar="NAME=NUMBER", help="the inputs: x=2 w=-3"
    )
    return command


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out)
        return 0
    command = draw_command if args.command == "draw" else trace_command
    try:
        command(args)
    except expr.ExpressionError as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        if error.caret():
            print(error.caret(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except _Refused as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except GraphvizNotFoundError as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return EXIT_NO_GRAPHVIZ
    return 0


if __name__ == "__main__":
    sys.exit(main())
