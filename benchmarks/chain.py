"""W2: a deep chain, x ← x·1.0001 + 0.001 repeated, then backward.

``depth`` counts the op nodes on the chain (one × and one + per step), so a chain of
depth N is N nodes deep: what a recursive topological sort has to recurse through.
Every engine also makes one constant leaf per op from the plain numbers, as written.
∂x_last/∂x₀ = 1.0001^(N/2), which each engine must reproduce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FACTOR = 1.0001
SHIFT = 0.001

Leaf = Callable[[float], Any]


def exact_gradient(depth: int) -> float:
    return float(FACTOR ** (depth // 2))


def build(leaf: Leaf, depth: int) -> tuple[Any, Any]:
    """The chain from x₀ = leaf(1.0), backpropagated: (its last node, x₀). The same code for every engine."""
    x0 = x = leaf(1.0)
    for _ in range(depth // 2):
        x = x * FACTOR + SHIFT
    x.backward()
    return x, x0


def this_project_leaf(x: float) -> Any:
    from autograd import Value

    return Value(x)


def micrograd_leaf(x: float) -> Any:
    from micrograd.engine import Value

    return Value(x)


def torch_leaf(x: float) -> Any:
    import torch

    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


LEAVES: dict[str, Leaf] = {
    "this project": this_project_leaf,
    "micrograd 0.1.0": micrograd_leaf,
    "PyTorch, scalar tensors": torch_leaf,
}


def gradient(leaf: Leaf, depth: int) -> float:
    """∂x_last/∂x₀ as the engine computes it; the graph is dropped on return."""
    _, x0 = build(leaf, depth)
    return float(x0.grad)


def hand_written_floats(depth: int) -> float:
    """The chain on floats: forward the values, then multiply the local derivatives backward."""
    x = 1.0
    for _ in range(depth // 2):
        x = x * FACTOR + SHIFT
    grad = 1.0
    for _ in range(depth // 2):
        grad *= FACTOR  # ∂(x·a + c)/∂x = a
    return grad


def handles(leaf: Leaf, depth: int) -> bool:
    """True if the engine backpropagates a chain this deep without RecursionError."""
    try:
        gradient(leaf, depth)
    except RecursionError:
        return False
    return True


def deepest(leaf: Leaf, limit: int) -> int:
    """The deepest chain (an even depth ≤ limit) the engine backpropagates, found by bisection."""
    if handles(leaf, limit):
        return limit
    works, fails = 0, limit // 2  # in steps of two nodes
    while fails - works > 1:
        middle = (works + fails) // 2
        if handles(leaf, 2 * middle):
            works = middle
        else:
            fails = middle
    return 2 * works
