"""Random expression graphs over every op, as small programs two interpreters can run.

A program is a list of instructions ``(op, operand indices, number)`` over a growing list
of nodes that starts with the inputs. Operands may be reused, so programs have shared
subexpressions, ``x * x`` and branching paths. Each instruction keeps its op inside its
domain by construction (``log`` takes x² + 0.5), so any program runs on any inputs.
The same program runs on chainrule's ``Value`` and on ``torch`` tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import autograd

UNARY = [
    "neg", "abs", "square", "cube", "sqrt", "exp", "log", "tanh", "sigmoid", "relu",
    "leaky_relu", "elu", "swish", "softplus", "step", "rpow",
]  # fmt: skip
BINARY = ["add", "sub", "mul", "div", "pow", "prelu", "add_const", "rsub_const", "rdiv_const"]
MANY = ["sum", "dot", "logsumexp", "softmax", "log_softmax"]
KINKED = {"abs", "relu", "leaky_relu", "elu", "prelu", "step"}


@dataclass(frozen=True)
class Instruction:
    op: str
    operands: tuple[int, ...]
    number: float


@dataclass(frozen=True)
class Program:
    inputs: tuple[float, ...]
    instructions: tuple[Instruction, ...]

    def __repr__(self) -> str:
        lines = [f"inputs {self.inputs}"]
        lines += [
            f"  n{len(self.inputs) + i} = {s.op}{s.operands} {s.number:g}"
            for i, s in enumerate(self.instructions)
        ]
        return "\n".join(lines)


@st.composite
def programs(draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 8) -> Program:
    inputs = tuple(draw(st.lists(st.floats(-2, 2), min_size=1, max_size=max_inputs)))
    steps: list[Instruction] = []
    for _ in range(draw(st.integers(1, max_steps))):
        available = len(inputs) + len(steps)
        index = st.integers(0, available - 1)
        op = draw(st.sampled_from(UNARY + BINARY + MANY))
        number = draw(st.sampled_from([0.5, 2.0, 3.0]))
        if op in UNARY:
            operands: tuple[int, ...] = (draw(index),)
        elif op in BINARY:
            operands = (draw(index), draw(index))
        else:
            size = draw(st.integers(1, 4))
            operands = tuple(
                draw(st.lists(index, min_size=size * (2 if op == "dot" else 1), max_size=size * 2))
            )
            if op == "dot" and len(operands) % 2:
                operands = operands[:-1]
        steps.append(Instruction(op, operands, number))
    return Program(inputs, tuple(steps))


def run_autograd(program: Program) -> tuple[list[autograd.Value], list[autograd.Value]]:
    """The program on new leaf Values: (inputs, every node); the last node is the output."""
    leaves = [autograd.Value(x, f"x{i}") for i, x in enumerate(program.inputs)]
    return leaves, run_on(program, leaves)


def run_on(program: Program, leaves: Sequence[autograd.Value]) -> list[autograd.Value]:
    """The program's instructions applied to the given input Values: every node."""
    nodes: list[autograd.Value] = list(leaves)
    for s in program.instructions:
        nodes.append(_AUTOGRAD[s.op]([nodes[i] for i in s.operands], s.number))
    return nodes


def kinks_hit(nodes: Sequence[autograd.Value], margin: float = 1e-4) -> bool:
    """True if a kinked op (relu, abs, ...) has its input this close to its kink at 0,
    where finite differences and one-sided derivatives may legitimately disagree."""
    for node in nodes:
        if node.op is not None and node.op.name in KINKED and abs(node.parents[0].data) < margin:
            return True
    return False


_AUTOGRAD: dict[str, Callable[[list[Any], float], Any]] = {
    "neg": lambda a, n: -a[0],
    "abs": lambda a, n: abs(a[0]),
    "square": lambda a, n: a[0] ** 2,
    "cube": lambda a, n: a[0] ** 3,
    "sqrt": lambda a, n: (a[0] * a[0] + 0.5).sqrt(),
    "exp": lambda a, n: a[0].tanh().exp(),
    "log": lambda a, n: (a[0] * a[0] + 0.5).log(),
    "tanh": lambda a, n: a[0].tanh(),
    "sigmoid": lambda a, n: a[0].sigmoid(),
    "relu": lambda a, n: a[0].relu(),
    "leaky_relu": lambda a, n: a[0].leaky_relu(0.1),
    "elu": lambda a, n: a[0].elu(n),
    "swish": lambda a, n: a[0].swish(),
    "softplus": lambda a, n: a[0].softplus(),
    "step": lambda a, n: a[0].step(),
    "rpow": lambda a, n: n ** a[0].tanh(),
    "add": lambda a, n: a[0] + a[1],
    "sub": lambda a, n: a[0] - a[1],
    "mul": lambda a, n: a[0] * a[1],
    "div": lambda a, n: a[0] / (a[1] * a[1] + 1),
    "pow": lambda a, n: (a[0] * a[0] + 0.5) ** a[1].tanh(),
    "prelu": lambda a, n: a[0].prelu(a[1]),
    "add_const": lambda a, n: n + a[0] * a[1],
    "rsub_const": lambda a, n: n - a[0],
    "rdiv_const": lambda a, n: n / (a[0] * a[0] + 1),
    "sum": lambda a, n: autograd.sum(a),
    "dot": lambda a, n: autograd.dot(a[: len(a) // 2], a[len(a) // 2 :]) if len(a) > 1 else a[0] * 1,
    "logsumexp": lambda a, n: autograd.logsumexp(a),
    "softmax": lambda a, n: autograd.softmax(a)[0],
    "log_softmax": lambda a, n: autograd.log_softmax(a)[-1],
}


def run_torch(program: Program) -> tuple[list[Any], Any]:
    """The same program on float64 torch tensors: (input leaves, output)."""
    import torch
    import torch.nn.functional as F

    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in program.inputs]
    nodes: list[Any] = list(leaves)

    def prelu(x: Any, alpha: Any) -> Any:
        return F.prelu(x.reshape(1, 1), alpha.reshape(1)).reshape(())

    table: dict[str, Callable[[list[Any], float], Any]] = {
        "neg": lambda a, n: -a[0],
        "abs": lambda a, n: torch.abs(a[0]),
        "square": lambda a, n: a[0] ** 2,
        "cube": lambda a, n: a[0] ** 3,
        "sqrt": lambda a, n: torch.sqrt(a[0] * a[0] + 0.5),
        "exp": lambda a, n: torch.exp(torch.tanh(a[0])),
        "log": lambda a, n: torch.log(a[0] * a[0] + 0.5),
        "tanh": lambda a, n: torch.tanh(a[0]),
        "sigmoid": lambda a, n: torch.sigmoid(a[0]),
        "relu": lambda a, n: torch.relu(a[0]),
        "leaky_relu": lambda a, n: F.leaky_relu(a[0], 0.1),
        "elu": lambda a, n: F.elu(a[0], n),
        "swish": lambda a, n: F.silu(a[0]),
        "softplus": lambda a, n: F.softplus(a[0], threshold=1000.0),
        # torch has no differentiable step; (x > 0) as a float is one, with derivative 0
        "step": lambda a, n: (a[0] > 0).to(torch.float64) + 0 * a[0],
        "rpow": lambda a, n: n ** torch.tanh(a[0]),
        "add": lambda a, n: a[0] + a[1],
        "sub": lambda a, n: a[0] - a[1],
        "mul": lambda a, n: a[0] * a[1],
        "div": lambda a, n: a[0] / (a[1] * a[1] + 1),
        "pow": lambda a, n: (a[0] * a[0] + 0.5) ** torch.tanh(a[1]),
        "prelu": lambda a, n: prelu(a[0], a[1]),
        "add_const": lambda a, n: n + a[0] * a[1],
        "rsub_const": lambda a, n: n - a[0],
        "rdiv_const": lambda a, n: n / (a[0] * a[0] + 1),
        "sum": lambda a, n: torch.stack(a).sum(),
        "dot": lambda a, n: (
            torch.dot(torch.stack(a[: len(a) // 2]), torch.stack(a[len(a) // 2 :]))
            if len(a) > 1
            else a[0] * 1
        ),
        "logsumexp": lambda a, n: torch.logsumexp(torch.stack(a), 0),
        "softmax": lambda a, n: torch.softmax(torch.stack(a), 0)[0],
        "log_softmax": lambda a, n: torch.log_softmax(torch.stack(a), 0)[-1],
    }
    for s in program.instructions:
        nodes.append(table[s.op]([nodes[i] for i in s.operands], s.number))
    return leaves, nodes[-1]
