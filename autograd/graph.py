"""Walks over the computation graph: every one iterative, so depth is never a limit.

A node's edges are ``(parent, local)`` pairs: the local derivative ∂node/∂parent the
op computed at forward time. Everything that explains a gradient reads them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def edges(node: Value) -> Iterator[tuple[Value, float]]:
    """The node's incoming edges as ``(parent, ∂node/∂parent)`` pairs, in input order.

    A parent used twice (``x * x``) appears twice.
    """
    return zip(node._parents, node._locals)


def topological_order(roots: Value | Iterable[Value]) -> list[Value]:
    """Every node the roots depend on, each after all of its parents (iterative DFS)."""
    from .value import Value

    start = [roots] if isinstance(roots, Value) else list(roots)
    order: list[Value] = []
    visited: set[Value] = set()
    # A node waiting for its parents sits on the stack under a None marker: popping the
    # marker means its parents are done. A marker instead of (node, done) pairs, and
    # leaves placed at once, because this loop runs once per edge of the graph.
    stack: list[Value | None] = list(reversed(start))
    append, pop, push, mark = order.append, stack.pop, stack.append, visited.add
    while stack:
        node = pop()
        if node is None:
            append(pop())  # type: ignore[arg-type]
        elif node not in visited:
            mark(node)
            parents = node._parents
            if parents:
                push(node)
                push(None)
                for parent in parents:
                    if parent not in visited:
                        push(parent)
            else:
                append(node)
    return order


def _prepare_backward(root: Value) -> list[Value]:
    """``topological_order(root)`` without its leaves, for ``backward()``, which also needs
    every node marked as backpropagated and every non-leaf's grad set to 0 before it starts.

    The same walk, doing that work as it places each node rather than in a second pass,
    and leaving out the leaves, which have no edges to send a gradient along: on a chain
    of ``x * 1.0001`` (a constant leaf per op) that is about a third of backward's time.
    """
    interior: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    append, pop, push, mark = interior.append, stack.pop, stack.append, visited.add
    while stack:
        node = pop()
        if node is None:
            done: Value = pop()  # type: ignore[assignment]  # under a marker there is always a node
            done.grad = 0.0
            done._ran = True
            append(done)
        elif node not in visited:
            mark(node)
            parents = node._parents
            if parents:
                push(node)
                push(None)
                for parent in parents:
                    if not parent._parents:
                        parent._ran = True  # a leaf is only marked: no set, no stack, no order
                    elif parent not in visited:
                        push(parent)
            else:
                node._ran = True
    return interior


def backward_order(root: Value) -> list[Value]:
    """The order in which ``backward()`` visits nodes: reverse topological, root first."""
    order = topological_order(root)
    order.reverse()
    return order


def descendants(node: Value, within: Iterable[Value]) -> set[Value]:
    """The nodes among ``within`` (a topological order) that depend on ``node``, itself included."""
    reached = {node}
    for candidate in within:
        if candidate not in reached and any(p in reached for p in candidate._parents):
            reached.add(candidate)
    return reached


def nodes_between(root: Value, wrt: Value) -> list[Value]:
    """The nodes on some path from ``wrt`` up to ``root``, in topological order (empty if none)."""
    order = topological_order(root)
    below = descendants(wrt, order)
    return [node for node in order if node in below] if root in below else []


def count_paths(root: Value, wrt: Value) -> int:
    """How many distinct paths lead from ``wrt`` to ``root``, by dynamic programming.

    Exact for any size (Python ints): a 60-layer diamond gives 2⁶⁰ without listing one.
    An edge used twice (``x * x``) counts as two paths, as it adds two terms to the sum.
    """
    counts: dict[Value, int] = {wrt: 1}
    for node in nodes_between(root, wrt):
        if node is not wrt:
            counts[node] = sum(counts.get(parent, 0) for parent in node._parents)
    return counts.get(root, 0)
