"""Chain-rule tracing and step-by-step backprop against backward() and hand-written float math."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Backprop, Value, backprop_steps, chain_rule, forward_steps, graph
from autograd.trace import ForwardSteps, Step, TooManyPathsError, node_names

from .programs import Program, programs, run_autograd

# ----------------------------------------------------------------------------- helpers


def _state(nodes: list[Value]) -> list[tuple[float, bool]]:
    return [(node.grad, node.backward_ran) for node in nodes]


def _twins(program: Program) -> tuple[list[Value], list[Value]]:
    """The same program built twice: two graphs that must end with identical gradients."""
    return run_autograd(program)[1], run_autograd(program)[1]


def _stale(nodes: list[Value]) -> None:
    """Gradients left over from earlier work: leaves must keep and add to theirs, the rest restart."""
    for i, node in enumerate(nodes):
        node.grad = 0.25 * (i + 1) if node.is_leaf else 7.0


def _diamond(layers: int) -> tuple[Value, Value]:
    """v ← σ(v) + tanh(v), ``layers`` times: two paths per layer, 2^layers in all."""
    x = Value(0.3, "x")
    v = x
    for _ in range(layers):
        v = v.sigmoid() + v.tanh()
    return v, x


def _diamond_gradient_by_hand(x: float, layers: int) -> float:
    """d/dx of the same diamond with math's functions: Π (σ(1 − σ) + 1 − tanh²) along the chain."""
    gradient, v = 1.0, x
    for _ in range(layers):
        s, t = 1.0 / (1.0 + math.exp(-v)), math.tanh(v)
        gradient *= s * (1.0 - s) + (1.0 - t * t)
        v = s + t
    return gradient


# ----------------------------------------------------------------------------- chain rule: sums over paths


@settings(max_examples=60, deadline=None)
@given(programs())
def test_path_sums_equal_backward_on_random_graphs(program: Program) -> None:
    """Shared subexpressions, x*x, branching and merging paths: Σ paths Π factors = w.grad."""
    leaves, nodes = run_autograd(program)
    root = nodes[-1]
    chains = [chain_rule(root, leaf, max_paths=2000) for leaf in leaves]
    root.backward()
    for leaf, chain in zip(leaves, chains):
        assert chain.total == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12), program
        assert chain.by_node.get(leaf, 0.0) == leaf.grad  # reverse mode, added in backward's order
        if chain.enumerated:
            assert len(chain.paths) == chain.count  # listing agrees with dynamic programming
            assert math.fsum(p.product for p in chain.paths) == chain.total
        else:
            assert chain.count > 2000 and chain.total == chain.by_node[leaf]


@settings(max_examples=40, deadline=None)
@given(programs())
def test_every_path_is_read_off_the_graphs_edges(program: Program) -> None:
    leaves, nodes = run_autograd(program)
    chain = chain_rule(nodes[-1], leaves[0], max_paths=500)
    if not chain.enumerated:
        return
    for path in chain.paths:
        assert path.nodes[0] is nodes[-1] and path.nodes[-1] is leaves[0]
        assert len(path.edges) == len(path.nodes) - 1
        for k, edge in enumerate(path.edges):
            assert edge.child is path.nodes[k] and edge.parent is path.nodes[k + 1]
            assert edge.child.parents[edge.index] is edge.parent
            assert edge.local == edge.child.local_grads[edge.index]
        assert path.product == math.prod(path.factors)


def test_x_times_x_is_two_paths() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    chain = chain_rule(y, x)
    assert chain.count == 2 and [p.factors for p in chain.paths] == [(3.0,), (3.0,)]
    assert chain.total == 6.0  # d(x²)/dx = 2x at x = 3
    assert str(chain).splitlines() == ["∂y/∂x = ∂y/∂x + ∂y/∂x", "  ∂y/∂x = x", "∂y/∂x = 3 + 3", "      = 6"]


def test_the_diamond_of_the_traps() -> None:
    """f = (a·b)·(a + b) at a = −2, b = 3: ∂f/∂a = 2ab + b² = −3 (by hand), over two paths."""
    a, b = Value(-2.0, "a"), Value(3.0, "b")
    product, total = a * b, a + b
    product.label, total.label = "p", "s"
    f = product * total
    f.label = "f"
    chain = chain_rule(f, a)
    assert chain.count == 2 and chain.total == -3.0
    assert str(chain).splitlines()[:3] == [
        "∂f/∂a = ∂f/∂p · ∂p/∂a + ∂f/∂s · ∂s/∂a",
        "  ∂f/∂p = s",
        "  ∂p/∂a = b",
    ]


def test_a_graph_without_labels_is_shown_node_by_node() -> None:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    y = (x * w + b).tanh()
    first = str(chain_rule(y, w)).splitlines()[0]
    assert first == "∂tanh₁/∂w = ∂tanh₁/∂add₁ · ∂add₁/∂mul₁ · ∂mul₁/∂w"


def test_labelled_nodes_group_the_unlabelled_ones_and_detail_shows_every_edge() -> None:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    y = (x * w + b).tanh()
    y.label = "y"
    n = y.parents[0]
    n.label = "n"
    chain = chain_rule(y, w)
    lines = str(chain).splitlines()
    assert lines[:3] == [
        "∂y/∂w = ∂y/∂n · ∂n/∂w",
        "  ∂y/∂n = 1 − tanh²",
        "  ∂n/∂w = x",
    ]  # the `+ b` edge's 1 is left out
    assert [len(s.edges) for s in chain.terms()[0]] == [1, 2]
    assert str(chain.format(detail=True)).splitlines()[0] == "∂y/∂w = ∂y/∂n · ∂n/∂mul₁ · ∂mul₁/∂w"
    # the grouped factor is the product of its edges' locals: ∂n/∂w = 1 · x
    assert chain.terms()[0][1].value == 2.0


def test_wrt_the_root_and_wrt_an_unrelated_node() -> None:
    x = Value(2.0, "x")
    y = x.exp()
    y.label = "y"
    itself = chain_rule(y, y)
    assert itself.count == 1 and itself.total == 1.0 and itself.paths[0].edges == ()
    unrelated = chain_rule(y, Value(1.0, "z"))
    assert unrelated.count == 0 and unrelated.total == 0.0 and unrelated.paths == ()
    assert str(unrelated) == "∂y/∂z = 0: no path leads from z to y (y does not depend on it)"


def test_bad_arguments_are_named() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="wrt must be a Value, got float"):
        chain_rule(x * 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="root must be a Value, got str"):
        chain_rule("L", x)  # type: ignore[arg-type]
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="max_paths must be a positive whole number"):
            chain_rule(x * 2, x, max_paths=bad)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- exponentially many paths


def test_sixty_layer_diamond_answers_without_enumerating() -> None:
    root, x = _diamond(60)
    chain = chain_rule(root, x)
    assert chain.count == 2**60
    assert not chain.enumerated
    with pytest.raises(TooManyPathsError, match="1,152,921,504,606,846,976 paths") as error:
        _ = chain.paths
    assert ".by_node" in str(error.value) and "max_paths = 256" in str(error.value)
    assert chain.total == pytest.approx(_diamond_gradient_by_hand(0.3, 60), rel=1e-9)
    text = str(chain)
    assert text.startswith(f"∂add₆₀/∂x = {chain.total:.6g}\n") and "1,152,921,504,606,846,976" in text
    root.backward()
    assert chain.total == x.grad
    assert len(chain.by_node) == 3 * 60 + 1  # σ, tanh and + per layer, and x


def test_max_paths_is_the_largest_count_listed() -> None:
    root, x = _diamond(3)
    assert chain_rule(root, x, max_paths=8).enumerated
    assert not chain_rule(root, x, max_paths=7).enumerated


def test_by_node_is_reverse_mode_in_backward_order() -> None:
    root, x = _diamond(4)
    chain = chain_rule(root, x)
    between = set(graph.nodes_between(root, x))
    assert list(chain.by_node) == [n for n in graph.backward_order(root) if n in between]
    root.backward()
    assert all(chain.by_node[n] == n.grad for n in between)
    assert chain.format_by_node().splitlines()[0] == "∂add₄/∂add₄ = 1"


# ----------------------------------------------------------------------------- names


def test_names_follow_what_was_written_and_are_deterministic() -> None:
    def build() -> Value:
        a, b, c, d = (Value(v) for v in (1.0, 2.0, 3.0, 4.0))
        return a * b + c * d

    first, second = build(), build()
    names = node_names(first)
    assert names[first.parents[0]] == "mul₁" and names[first.parents[1]] == "mul₂"
    assert names[first] == "add₁" and names[first.parents[0].parents[0]] == "leaf₁"
    assert list(names.values()) == list(node_names(second).values())


def test_names_inside_a_scope_and_labels() -> None:
    x = Value(1.0, "x")
    with autograd.scope("layers.0"), autograd.scope("neurons.1"):
        z = autograd.dot([Value(0.5, "w")], [x]) + Value(0.1, "b")
        twice = z.tanh() + z.tanh()
    names = node_names(twice)
    assert names[z] == "layers.0.neurons.1.add₁" and names[twice] == "layers.0.neurons.1.add₂"
    assert names[z.parents[0]] == "layers.0.neurons.1.dot"  # alone of its op in the scope: no number
    assert names[x] == "x"


# ----------------------------------------------------------------------------- backward, step by step


@settings(max_examples=60, deadline=None)
@given(programs())
def test_steps_replayed_equal_backward(program: Program) -> None:
    by_backward, by_steps = _twins(program)
    _stale(by_backward)
    _stale(by_steps)
    by_backward[-1].backward()
    steps = list(backprop_steps(by_steps[-1]))
    assert _state(by_steps) == _state(by_backward)  # bit for bit, leaves accumulated
    assert [s.node for s in steps] == [n for n in graph.backward_order(by_steps[-1]) if not n.is_leaf]
    for step in steps:
        for update in step.updates:
            assert update.parent is step.node.parents[update.index]
            assert update.local == step.node.local_grads[update.index]
            assert update.contribution == update.local * step.upstream
            assert update.grad_after == update.grad_before + update.contribution


def test_a_second_pass_of_steps_accumulates_like_a_second_backward() -> None:
    x, y = Value(0.5, "x"), Value(-1.5, "y")
    loss = (x * y + x).sigmoid()
    twin_x, twin_y = Value(0.5, "x"), Value(-1.5, "y")
    twin = (twin_x * twin_y + twin_x).sigmoid()
    for _ in range(2):
        loss.backward()
        for _step in backprop_steps(twin):
            pass
    assert (twin_x.grad, twin_y.grad) == (x.grad, y.grad) and x.grad != 0.0


def test_nothing_changes_until_the_first_step() -> None:
    x = Value(2.0, "x")
    y = x * x
    y.grad = 5.0
    steps = backprop_steps(y)
    assert (y.grad, x.grad, y.backward_ran) == (5.0, 0.0, False)
    first = next(steps)
    assert first.upstream == 1.0 and [u.contribution for u in first.updates] == [2.0, 2.0]
    assert [(u.grad_before, u.grad_after) for u in first.updates] == [(0.0, 2.0), (2.0, 4.0)]


def test_a_step_reads_in_the_notes_notation() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = x * w
    y.label = "y"
    (step,) = backprop_steps(y)
    assert str(step).splitlines() == [
        "step 1 of 1: y = x · w, upstream ∂y/∂y = 1",
        "  ∂y/∂x += ∂y/∂x · ∂y/∂y = w · ∂y/∂y = (-3) · 1 = -3   (grad 0 → -3)",
        "  ∂y/∂w += ∂y/∂w · ∂y/∂y = x · ∂y/∂y = 2 · 1 = 2   (grad 0 → 2)",
    ]


def test_steps_of_a_leaf_seed_it_like_backward() -> None:
    x = Value(2.0)
    assert list(backprop_steps(x)) == [] and x.grad == 1.0
    with pytest.raises(TypeError, match="backprop_steps: root must be a Value, got int"):
        backprop_steps(3)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the stepper


@settings(max_examples=40, deadline=None)
@given(programs(), st.data())
def test_back_after_step_restores_every_gradient_exactly(program: Program, data: st.DataObject) -> None:
    nodes = run_autograd(program)[1]
    if nodes[-1].is_leaf:
        return
    _stale(nodes)
    stepper = Backprop(nodes[-1])
    states = [_state(nodes)]
    for _ in range(stepper.steps):
        stepper.step()
        states.append(_state(nodes))
    stepper.reset()
    assert _state(nodes) == states[0]  # including backward_ran: the graph is as it was
    k = data.draw(st.integers(0, stepper.steps))
    stepper.go_to(k)
    assert _state(nodes) == states[k]
    j = data.draw(st.integers(0, k))
    stepper.back(k - j)
    assert stepper.position == j and _state(nodes) == states[j]


@settings(max_examples=30, deadline=None)
@given(programs())
def test_run_equals_backward(program: Program) -> None:
    by_backward, by_stepper = _twins(program)
    if by_stepper[-1].is_leaf:
        return
    _stale(by_backward)
    _stale(by_stepper)
    by_backward[-1].backward()
    stepper = Backprop(by_stepper[-1]).run()
    assert stepper.done and _state(by_stepper) == _state(by_backward)


def test_the_stepper_walks_forwards_and_back() -> None:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    y = (x * w + b).tanh()
    y.label = "y"
    stepper = Backprop(y)
    assert stepper.steps == 3 and stepper.position == 0 and stepper.current is None
    assert "step 0 of 3" in repr(stepper) and "backward not run yet" in repr(stepper)
    assert stepper.upcoming is y
    stepper.step()
    assert isinstance(stepper.current, Step) and stepper.current.node is y
    assert "step 1 of 3: y = tanh(add₁)" in repr(stepper) and "next: add₁" in repr(stepper)
    stepper.step(10)  # more than remain: stops at the end
    assert stepper.done and stepper.upcoming is None and "backward done" in repr(stepper)
    assert [s.number for s in stepper.history] == [1, 2, 3]
    stepper.back()
    assert stepper.position == 2 and w.grad == 0.0 and not stepper.done
    with pytest.raises(ValueError, match="whole number of steps"):
        stepper.step(-1)
    with pytest.raises(ValueError, match="only 3 steps"):
        stepper.go_to(4)


def test_the_stepper_needs_an_op_node() -> None:
    with pytest.raises(ValueError, match="x is a leaf"):
        Backprop(Value(1.0, "x"))
    with pytest.raises(TypeError, match="Backprop: root must be a Value, got float"):
        Backprop(1.0)  # type: ignore[arg-type]


def test_the_stepper_as_html() -> None:
    a, b = Value(1.0, "a<"), Value(2.0, "b")
    y = a * b
    stepper = Backprop(y)
    assert "backward not run yet" in stepper._repr_html_()
    page = stepper.step()._repr_html_()
    assert "<table>" in page and page.count("<tr>") == 3  # a header and one row per input
    assert "<td>a&lt;</td>" in page  # labels are escaped, never markup


def test_the_stepper_draws_its_current_step() -> None:
    from autograd.draw import HIGHLIGHT_COLOR

    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    stepper = Backprop(y)
    assert HIGHLIGHT_COLOR not in stepper.draw().source
    assert "backward not run yet" in stepper.draw().source
    lit = stepper.step().draw().source
    assert HIGHLIGHT_COLOR in lit


def test_the_stepper_hands_its_step_to_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(sys.modules["autograd.draw"], "draw", lambda root, **kw: calls.append(kw) or root)
    y = Value(2.0) * 3
    stepper = Backprop(y)
    stepper.draw(edge_derivatives=True)
    stepper.step().draw()
    assert calls == [{"highlight": None, "edge_derivatives": True}, {"highlight": stepper.current}]


def test_the_widget_moves_the_stepper() -> None:
    y = (Value(2.0, "x") * Value(-3.0, "w")).tanh()
    stepper = Backprop(y)
    box = stepper.widget(picture=False)
    previous, slider, following = box.children[0].children
    following.click()
    assert stepper.position == 1 and slider.value == 1
    following.click()
    previous.click()
    assert stepper.position == 1
    slider.value = stepper.steps
    assert stepper.done and "backward done" in box.children[1].value


def test_the_widget_without_ipywidgets_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[notebooks\]"'):
        Backprop(Value(1.0) * 2).widget()


# ----------------------------------------------------------------------------- forward steps


def test_forward_steps_are_the_notes_step_1_and_step_2() -> None:
    """The notes' worked example: z = 95·0.01 + 4·0.02 + 4·0.03 + 0.01, then σ(z)."""
    xs = [Value(v, f"x{i}") for i, v in enumerate((95.0, 4.0, 4.0), start=1)]
    ws = [Value(v, f"w{i}") for i, v in enumerate((0.01, 0.02, 0.03), start=1)]
    s = autograd.dot(ws, xs)
    s.label = "s"
    z = s + Value(0.01, "b")
    z.label = "z"
    o = z.sigmoid()
    o.label = "o"
    steps = forward_steps(o)
    assert isinstance(steps, ForwardSteps) and [step.node for step in steps] == [s, z, o]
    by_hand_z = (95.0 * 0.01 + 4.0 * 0.02 + 4.0 * 0.03) + 0.01
    assert steps[1].value == by_hand_z and steps[2].value == pytest.approx(1 / (1 + math.exp(-by_hand_z)))
    assert str(steps).splitlines() == [
        "Step 1: s = w1·x1 + w2·x2 + w3·x3 = 0.01·95 + 0.02·4 + 0.03·4 = 1.15",
        "Step 2: z = s + b = 1.15 + 0.01 = 1.16",
        f"Step 3: o = σ(z) = σ(1.16) = {1 / (1 + math.exp(-1.16)):.6g}",
    ]


def test_forward_steps_put_every_node_after_its_inputs() -> None:
    root, _ = _diamond(5)
    seen: set[Value] = set()
    for step in forward_steps(root):
        assert all(p in seen or p.is_leaf for p in step.node.parents)
        seen.add(step.node)
    assert len(seen) == 15
    assert str(forward_steps(root)[:2]).splitlines()[1].startswith("Step 2: tanh₁ = tanh(x) = ")
