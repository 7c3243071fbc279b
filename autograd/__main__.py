"""``python -m autograd demo | draw | trace``: the engine from the command line."""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import expr, graph
from .draw import RANKDIRS, GraphvizNotFoundError, save_graph, writable_target
from .examples import notes_forward_pass
from .trace import chain_rule
from .value import Value

DEMO_OUT = "demo.png"
DRAW_OUT = "graph.png"
"""Where ``demo`` and ``draw`` write their pictures without ``--out``: the current directory."""


def demo(out: str | None = None, *, rankdir: str = "LR", digits: int = 4) -> None:
    """The notes' forward pass, the gradients of every weight and bias, the chain rule for
    w4 as the notes write it, one weight update, and the picture, written to ``out``
    (default ``demo.png`` in the current directory; ``rankdir`` and ``digits`` as for ``draw``).

    A bad ``out`` (unknown extension, missing folder, a directory) raises ``ValueError`` /
    ``OSError`` before anything is printed or written; only a missing Graphviz ``dot``
    program is a soft failure: the demo then ends with a note and no picture.
    """
    target = writable_target(DEMO_OUT if out is None else out)  # before any work: a bad path costs nothing
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
        written = save_graph(loss, target, edge_derivatives=True, rankdir=rankdir, digits=digits)
    except GraphvizNotFoundError as error:  # the numbers are the demo; the picture needs a program
        print(f"\n(no picture: {error})")
    else:
        print(f"\nComputation graph written to {_where(written, out)}")
    print("Next: the notebooks walk through the notes: jupyter lab notebooks/")


EXIT_BAD_INPUT = 2
EXIT_NO_GRAPHVIZ = 1

EXPR_HELP = f"""\
EXPR uses numbers, the names given with --let, + - * / **, parentheses and the
functions {", ".join(expr.FUNCTIONS)}.
It is checked against a whitelist and never run as Python.

EXPR comes first: --let takes every word after it, so in --let x=1 "x*2" the
"x*2" is read as one more input. Put EXPR before the options, or end them with
"--" and put EXPR last: trace --let x=1 --wrt x -- "x*2". An EXPR that starts
with "-" would be read as an option: put "--" before it, after the options
(trace --let x=1 w=2 --wrt x -- "-x*w"), or start it with a space (" -x*w").

exit status: 0 done; 2 bad EXPR, --let, --wrt or output path (nothing is written);
1 Graphviz's dot program is missing (a .dot or .gv file needs no program)."""

DEMO_EXIT = """\
exit status: 0 done (without Graphviz's dot program the picture is skipped, with a note);
2 bad --out path (nothing is written)."""

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


def _where(written: Path, given: str | None) -> str:
    """The path written; when no ``--out`` was given, also the folder it went to."""
    return str(written) if given is not None else f"{written} (in {written.resolve().parent})"


def _digits(text: str) -> int:
    """``--digits``: an int from 1 to 17, as ``draw`` takes."""
    try:
        digits = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give 1 to 17") from None
    if not 1 <= digits <= 17:
        raise argparse.ArgumentTypeError(f"{digits} is not from 1 to 17")
    return digits


def _picture_options(command: argparse.ArgumentParser) -> None:
    """``--rankdir`` and ``--digits``, for every command that writes a picture."""
    command.add_argument(
        "--rankdir",
        default="LR",
        type=str.upper,
        choices=RANKDIRS,
        metavar="DIR",
        help="direction of flow: LR left to right (default), TB top to bottom, RL, BT",
    )
    command.add_argument(
        "--digits",
        type=_digits,
        default=4,
        metavar="N",
        help="significant digits of data, grad and edge numbers, 1 to 17 (default 4)",
    )


def draw_command(args: argparse.Namespace) -> None:
    """Build EXPR, backpropagate, print the value and gradients, write the picture."""
    try:
        target = writable_target(DRAW_OUT if args.out is None else args.out)  # before any work
    except (OSError, ValueError) as error:
        raise _Refused(str(error)) from None
    root, inputs = _build(args.expression, args.let)
    focus = None
    if args.focus is not None:
        name = expr.normal_name(args.focus)  # as --let's names: a full-width ｘ is x
        if name not in inputs:
            raise _Refused(f"--focus {args.focus}: not a name given with --let ({_names(inputs)})")
        focus = inputs[name]
    root.backward()
    try:
        written = save_graph(
            root,
            target,
            grads=not args.no_grads,
            edge_derivatives=args.edge_derivatives,
            focus=focus,
            rankdir=args.rankdir,
            digits=args.digits,
        )
    except (OSError, ValueError) as error:
        raise _Refused(str(error)) from None
    print(f"{root.label} = {' '.join(args.expression.split())} = {root.data:.6g}")
    for name, value in inputs.items():
        print(f"  ∂{root.label}/∂{name} = {value.grad:.6g}")
    print(f"graph written to {_where(written, args.out)}")


def trace_command(args: argparse.Namespace) -> None:
    """Build EXPR and print ∂EXPR/∂wrt as the sum over paths of products of local derivatives."""
    root, inputs = _build(args.expression, args.let)
    wrt = expr.normal_name(args.wrt)  # as --let's names: a full-width ｘ is x
    if wrt not in inputs:
        raise _Refused(f"--wrt {args.wrt}: not a name given with --let ({_names(inputs)})")
    root.backward()
    print(chain_rule(root, inputs[wrt]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd",
        description="chainrule from the command line: the notes' example, graph pictures, chain-rule traces.",
        epilog=f"examples:\n  python -m autograd demo\n{DRAW_EXAMPLES}\n{TRACE_EXAMPLES}\n\n{EXPR_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{demo,draw,trace}")
    demo_parser = commands.add_parser(
        "demo",
        help="the lecture notes' worked example, forward and backward",
        description="the lecture notes' worked example, forward and backward, and its picture",
        epilog=DEMO_EXIT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo_parser.add_argument(
        "--out",
        metavar="PATH",
        help="where to write the picture: PNG, SVG, PDF or DOT source (.dot, .gv) by extension "
        f"(default {DEMO_OUT} in the current directory; the path written is printed)",
    )
    _picture_options(demo_parser)

    draw_parser = _expression_command(
        commands,
        "draw",
        "build EXPR, run backward, write its computation graph",
        DRAW_EXAMPLES,
        "[--out PATH] [--no-grads] [--edge-derivatives] [--focus NAME] [--rankdir DIR] [--digits N]",
    )
    draw_parser.add_argument(
        "--out",
        metavar="PATH",
        help="where to write the picture: PNG, SVG, PDF or DOT source (.dot, .gv) by extension "
        f"(default {DRAW_OUT} in the current directory; the path written is printed)",
    )
    draw_parser.add_argument("--no-grads", action="store_true", help="show data only, no gradients")
    draw_parser.add_argument(
        "--edge-derivatives", action="store_true", help="write each edge's local derivative on it"
    )
    draw_parser.add_argument("--focus", metavar="NAME", help="draw only the part between NAME and EXPR")
    _picture_options(draw_parser)

    trace_parser = _expression_command(
        commands,
        "trace",
        "print ∂EXPR/∂NAME: the sum over paths of products of local derivatives",
        TRACE_EXAMPLES,
        "--wrt NAME",
    )
    trace_parser.add_argument(
        "--wrt", required=True, metavar="NAME", help="the input to differentiate with respect to"
    )
    return parser


def _expression_command(
    commands: Any, name: str, summary: str, examples: str, options: str
) -> argparse.ArgumentParser:
    command: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary,
        usage=f"%(prog)s [-h] EXPR [--let NAME=NUMBER ...] {options}",  # EXPR first, as it must come
        epilog=f"examples:\n{examples}\n\n{EXPR_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Optional to argparse only so that main can say why EXPR is missing (_missing_expression).
    command.add_argument(
        "expression", nargs="?", metavar="EXPR", help='the expression, e.g. "tanh(x*w + b)"; it comes first'
    )
    command.set_defaults(command_parser=command)
    command.add_argument(
        "--let", nargs="+", action="extend", default=[], metavar="NAME=NUMBER", help="the inputs: x=2 w=-3"
    )
    return command


def _missing_expression(let: Sequence[str], unread: Sequence[str]) -> str:
    """Why EXPR is missing, when the command line shows it: an EXPR read as an option
    because it starts with "-", or one that ``--let`` took as one more input."""
    for word in unread:
        if word.startswith("-") and _is_expression(word):
            return (
                f"EXPR is missing: {word!r} starts with '-', so it was read as an option; "
                f"put -- before it, after the options (... -- {word!r}), or start it with a space: ' {word}'"
            )
    for word in let:
        if "=" not in word and _is_expression(word):
            return (
                f"EXPR is missing: --let took {word!r} as one of its NAME=NUMBER inputs; "
                f"put EXPR first ({word!r} --let ...), or end the options with -- and put EXPR last"
            )
    return "the following arguments are required: EXPR"


def _is_expression(text: str) -> bool:
    """Python would read ``text`` as an expression (whether EXPR's whitelist allows it is checked later)."""
    try:
        ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unread = parser.parse_known_args(argv)
    if args.command != "demo" and args.expression is None:
        args.command_parser.error(_missing_expression(args.let, unread))
    if unread:
        parser.error(f"unrecognized arguments: {' '.join(unread)}")  # as parse_args says it
    if args.command == "demo":
        try:
            demo(args.out, rankdir=args.rankdir, digits=args.digits)
        except (OSError, ValueError) as error:
            print(f"{parser.prog} demo: error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
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
