"""graph.py: the walks the stepper relies on, and backward's one-node step (seed, accumulate, restore).

Expected gradients come from ``backward()`` on a twin graph (the same program built again),
never from the helpers under test.
"""

from __future__ import annotations

from hypothesis import given, settings

from autograd import Value, graph

from .programs import Program, programs, run_autograd


def _state(nodes: list[Value]) -> list[tuple[float, bool]]:
    return [(node.grad, node.backward_ran) for node in nodes]


def _stale(nodes: list[Value]) -> None:
    """Gradients left over from earlier work: leaves must keep and add to theirs, the rest restart."""
    for i, node in enumerate(nodes):
        node.grad = 0.25 * (i + 1) if node.is_leaf else 7.0


@settings(max_examples=80, deadline=None)
@given(programs())
def test_topological_order_without_leaves_is_backwards_own_order(program: Program) -> None:
    """The stepper walks ``topological_order`` and claims backward's exact order: same nodes, same order."""
    root = run_autograd(program)[1][-1]
    interior = [node for node in graph.topological_order(root) if not node.is_leaf]
    assert graph._prepare_backward(root) == interior
    assert [n for n in graph.backward_order(root) if not n.is_leaf] == interior[::-1]


@settings(max_examples=60, deadline=None)
@given(programs())
def test_seed_then_accumulate_in_backward_order_is_backward_bit_for_bit(program: Program) -> None:
    (_, by_backward), (_, by_steps) = run_autograd(program), run_autograd(program)
    _stale(by_backward)
    _stale(by_steps)
    by_backward[-1].backward()
    root = by_steps[-1]
    order = graph.backward_order(root)
    graph.seed(root, order)
    for node in order:
        shares = graph.accumulate(node)
        assert [s.parent for s in shares] == list(node.parents)  # one share per edge, in input order
        for s in shares:
            assert s.contribution == s.local * node.grad and s.after == s.before + s.contribution
    assert _state(by_steps) == _state(by_backward)


@settings(max_examples=60, deadline=None)
@given(programs())
def test_restore_undoes_seed_and_every_step(program: Program) -> None:
    nodes = run_autograd(program)[1]
    _stale(nodes)
    before = _state(nodes)
    root = nodes[-1]
    order = graph.backward_order(root)
    saved = graph.seed(root, order)
    for node in order[: len(order) // 2]:
        graph.accumulate(node)
    graph.restore(saved)
    assert _state(nodes) == before


@settings(max_examples=60, deadline=None)
@given(programs())
def test_accumulate_into_a_dict_gives_backwards_numbers_and_leaves_the_graph_alone(program: Program) -> None:
    (_, by_backward), (_, by_dict) = run_autograd(program), run_autograd(program)
    by_backward[-1].backward()
    root = by_dict[-1]
    before = _state(by_dict)
    grads = {root: 1.0}
    for node in graph.backward_order(root):
        graph.accumulate(node, grads)
    assert _state(by_dict) == before  # nothing written to the nodes
    for twin, node in zip(by_backward, by_dict):
        assert grads.get(node, 0.0) == twin.grad


def test_a_node_used_twice_receives_twice() -> None:
    """y = x·x at x = 3: two shares of 3 (∂(x·x)/∂ each x = the other x), 0 → 3 → 6 = 2x."""
    x = Value(3.0, "x")
    y = x * x
    graph.seed(y, graph.backward_order(y))
    shares = graph.accumulate(y)
    assert [(s.index, s.local, s.before, s.after) for s in shares] == [(0, 3.0, 0.0, 3.0), (1, 3.0, 3.0, 6.0)]
    assert x.grad == 6.0 and x.backward_ran and y.backward_ran


def test_seed_of_a_leaf_adds_one_like_backward() -> None:
    x = Value(2.0)
    x.grad = 0.5
    saved = graph.seed(x, [x])
    assert x.grad == 1.5 and x.backward_ran
    graph.restore(saved)
    assert x.grad == 0.5 and not x.backward_ran
