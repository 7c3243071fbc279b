"""Walks over the computation graph: every one iterative, so depth is never a limit.

A node's edges are ``(parent, local)`` pairs: the local derivative ∂node/∂parent the
op computed at forward time. Everything that explains a gradient reads them here, and
everything that replays backward one node at a time (``seed``, ``accumulate``,
``restore``) does its arithmetic here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
    Its visited mark is that backpropagated mark itself: each node reached gets this
    walk's own token in ``_ran`` (truthy, so ``backward_ran`` holds), and "seen in this
    walk" is one ``is`` test where a set would hash the parent of every edge.
    """
    this_walk = object()  # alive while any node holds it, so no later walk's token is ever `is` it
    interior: list[Value] = []
    stack: list[Value | None] = [root]
    append, pop, push = interior.append, stack.pop, stack.append
    while stack:
        node = pop()
        if node is None:
            done: Value = pop()  # type: ignore[assignment]  # under a marker there is always a node
            done.grad = 0.0
            append(done)
        elif node._ran is not this_walk:
            node._ran = this_walk
            parents = node._parents
            if parents:
                push(node)
                push(None)
                for parent in parents:
                    if not parent._parents:
                        parent._ran = this_walk  # a leaf is only marked: no stack, no order
                    elif parent._ran is not this_walk:
                        push(parent)
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


# ----------------------------------------------------------------------------- backward, one node at a time
#
# Everything that shows or replays backward (the Backprop stepper, backprop_steps, the
# Quiz, chain_rule's reverse mode) does its work through these three functions, so the
# rule "each input's gradient grows by local × upstream" is written once for all of them.
# ``Value.backward()`` does the same work in its own inlined loop, on purpose: it is the
# engine's hot path (see value.py), and the tests check that both give the same floats.


@dataclass(frozen=True, eq=False, slots=True)
class Share:
    """What one edge of one backward step did: input ``index`` of the node, ``parent``,
    received ``contribution = local × upstream`` (exactly 0 if the op ``switched_off`` that
    input), taking its gradient from ``before`` to ``after``."""

    parent: Value
    index: int
    local: float
    contribution: float
    before: float
    after: float
    switched_off: bool = False


def seed(root: Value, order: Iterable[Value]) -> list[tuple[Value, float, object]]:
    """What ``backward()`` does before its first node, for ``order`` (every node of root's graph).

    Each node is marked as backpropagated, each non-leaf's grad restarts at 0 and the root
    gets ∂root/∂root = 1 (a leaf root adds 1, as leaves accumulate). Returns every node's
    ``(node, grad, backward mark)`` from before, which ``restore`` puts back exactly.
    """
    saved = snapshot(order)
    for node, _, _ in saved:
        node._ran = True
        if node._parents:
            node.grad = 0.0
    if root._parents:
        root.grad = 1.0
    else:
        root.grad += 1.0
    return saved


def snapshot(order: Iterable[Value]) -> list[tuple[Value, float, object]]:
    """Every node's ``(node, grad, backward mark)`` as it is now, for ``restore``."""
    return [(node, node.grad, node._ran) for node in order]


def restore(saved: Iterable[tuple[Value, float, object]]) -> None:
    """Undo ``seed`` and every step since: each node's grad and backward mark as ``seed`` found them."""
    for node, grad, ran in saved:
        node.grad = grad
        node._ran = ran


def switched_off(node: Value) -> tuple[bool, ...]:
    """For each input of ``node``, whether its op switched it off (a ReLU at z ≤ 0).

    Such an edge carries exactly 0 back, even from an infinite or NaN upstream, where
    0 × ∞ would be NaN: PyTorch's backward for these ops selects rather than multiplies.
    """
    op = node._op
    if op is None or op.switched_off is None:
        return (False,) * len(node._parents)
    return op.switched_off(node._locals)


def contribution(local: float, upstream: float, off: bool) -> float:
    """What one edge adds to its input's gradient: local × upstream, or exactly 0 on an edge
    the op switched ``off``. For a finite upstream both are 0 (its sign aside), which is why
    backward's fast loop may just multiply."""
    return 0.0 if off else local * upstream


def path_product(edges: Iterable[tuple[Value, int, float]]) -> float:
    """Π of the local derivatives along a path, given from the root down as (node, input index,
    local): what a gradient of 1 at the root becomes, carried edge by edge as backward does,
    so an edge a switch turned off makes it exactly 0. Without switches, the plain product."""
    carried = 1.0
    for node, index, local in edges:
        carried = contribution(local, carried, switched_off(node)[index])
    return carried


def accumulate(node: Value, grads: dict[Value, float] | None = None) -> list[Share]:
    """Backward's work at one node: each input's gradient grows by local × upstream.

    The upstream is ∂root/∂node, ``node.grad``; edges go in input order, so a parent used
    twice (``x * x``) receives twice, and each ``parent.grad = before + local × upstream``
    is the same float operation as backward's ``+=`` (``contribution`` gives what each edge
    adds, 0 for an input a gate switched off). With ``grads`` the gradients are read
    from and added into that dict instead (a node missing from it counts as 0), leaving
    the graph's own gradients alone. Returns one ``Share`` per edge.
    """
    upstream = node.grad if grads is None else grads.get(node, 0.0)
    shares = []
    offs = switched_off(node)  # once per node, not once per edge
    for index, (parent, local) in enumerate(zip(node._parents, node._locals)):
        share = contribution(local, upstream, offs[index])
        if grads is None:
            before = parent.grad
            parent.grad = after = before + share
        else:
            before = grads.get(parent, 0.0)
            grads[parent] = after = before + share
        shares.append(Share(parent, index, local, share, before, after, offs[index]))
    return shares
