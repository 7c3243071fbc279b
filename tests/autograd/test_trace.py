"""Chain-rule tracing and step-by-step backprop against backward() and hand-written float math."""

from __future__ import annotations

import math
import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Backprop, Value, backprop_steps, chain_rule, expr, forward_steps, graph
from autograd.examples import notes_network
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
    # each term is one edge's local derivative, told apart from the gradient on the left by its input
    assert str(chain).splitlines() == [
        "∂y/∂x = ∂y/∂x[1] + ∂y/∂x[2]",
        "  ∂y/∂x[1] = x",
        "  ∂y/∂x[2] = x",
        "  [i] marks one edge's local derivative (through input i), not a whole gradient, of: y = x · x",
        "∂y/∂x = 3 + 3",
        "      = 6",
    ]
    assert [[s.through for s in term] for term in chain.terms()] == [[1], [2]]
    assert r"\\ &\text{[i] marks one edge's local derivative (through input i)" in chain._repr_latex_()


def test_the_chain_rule_picture_explains_its_marks() -> None:
    pytest.importorskip("graphviz", reason="graphviz not installed")
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    caption = chain_rule(y, x).draw().source
    assert "path 1 (blue): ∂y/∂x[1] = 3 = 3" in caption
    assert (
        "[i] marks one edge's local derivative (through input i), not a whole gradient, of: y = x · x"
        in caption
    )
    assert "[i] marks" not in chain_rule((x * 2.0).tanh(), x).draw().source  # no mark, no note


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


def test_two_routes_between_the_same_named_nodes_are_shown_node_by_node() -> None:
    """y = σ(u) + tanh(u), u = eˣ: two runs from u to y, σ′ and tanh′, must not both print as ∂y/∂u."""
    x = Value(0.2, "x")
    u = x.exp()
    u.label = "u"
    y = u.sigmoid() + u.tanh()
    y.label = "y"
    chain = chain_rule(y, x)
    lines = str(chain).splitlines()
    assert lines[:6] == [
        "∂y/∂x = ∂y/∂sigmoid₁ · ∂sigmoid₁/∂u · ∂u/∂x + ∂y/∂tanh₁ · ∂tanh₁/∂u · ∂u/∂x",
        "  ∂y/∂sigmoid₁ = 1",
        "  ∂sigmoid₁/∂u = σ(1 − σ)",
        "  ∂u/∂x = e^x",
        "  ∂y/∂tanh₁ = 1",
        "  ∂tanh₁/∂u = 1 − tanh²",
    ]
    e = math.exp(0.2)
    s, t = 1 / (1 + math.exp(-e)), math.tanh(e)
    assert chain.total == pytest.approx(e * (s * (1 - s) + 1 - t * t), rel=1e-12)  # by hand


def test_an_edge_that_would_read_as_the_whole_gradient_is_marked() -> None:
    """f = x·x + x: three paths, one of them the single edge f ← x, printed ∂f/∂x[2] beside ∂f/∂x."""
    x = Value(3.0, "x")
    f = x * x + x
    f.label = "f"
    lines = str(chain_rule(f, x)).splitlines()
    assert lines[0] == "∂f/∂x = ∂f/∂mul₁ · ∂mul₁/∂x[1] + ∂f/∂mul₁ · ∂mul₁/∂x[2] + ∂f/∂x[2]"
    assert "  ∂f/∂x[2] = 1" in lines and lines[-1].endswith("= 7")  # 2x + 1 at x = 3
    latex = chain_rule(f, x)._repr_latex_()
    assert r"\frac{\partial f}{\partial x}_{[2]}" in latex


def test_a_step_marks_the_local_derivative_of_an_input_used_twice() -> None:
    x = Value(3.0, "x")
    square = x * x
    square.label = "sq"
    y = square.tanh()
    y.label = "y"
    steps = list(backprop_steps(y))
    assert str(steps[0]).splitlines()[1].startswith("  ∂y/∂sq += ∂y/∂sq[1] · ∂y/∂y = (1 − tanh²) · ∂y/∂y")
    assert [line.split(" = ")[0] for line in str(steps[1]).splitlines()[1:]] == [
        "  ∂y/∂x += ∂sq/∂x[1] · ∂y/∂sq",
        "  ∂y/∂x += ∂sq/∂x[2] · ∂y/∂sq",
        "  [i]: through input i of sq",
    ]
    assert str(steps[1]).endswith(": the local derivative of that one edge, not the whole gradient")


def test_a_step_away_from_the_root_reads_as_the_notes_write_it() -> None:
    loss, nodes = notes_network()
    steps = {step.name: step for step in backprop_steps(loss)}
    assert (
        str(steps["o31"])
        .splitlines()[1]
        .startswith("  ∂L/∂z31 += ∂o31/∂z31 · ∂L/∂o31 = σ(1 − σ) · ∂L/∂o31 = ")
    )  # no mark where local and gradient differ in name
    assert "[" not in str(steps["o31"]) and nodes["o31"] is steps["o31"].node


# ----------------------------------------------------------------------------- depth


def test_a_20000_deep_chain_is_traced_and_printed() -> None:
    """Paths and the where-line were quadratic in depth (a tuple copied per node, a regex per node)."""
    x = Value(0.3, "x")
    v = x
    for _ in range(20_000):
        v = v.tanh()
    chain = chain_rule(v, x)
    assert chain.count == 1 and len(chain.paths[0].edges) == 20_000
    lines = str(chain).splitlines()
    assert lines[0].startswith("∂tanh₂₀₀₀₀/∂x = ∂tanh₂₀₀₀₀/∂tanh₁₉₉₉₉ · ")
    assert lines[0].endswith(" · ∂tanh₁/∂x") and lines[1] == "  ∂tanh₂₀₀₀₀/∂tanh₁₉₉₉₉ = 1 − tanh²"
    v.backward()
    assert chain.total == pytest.approx(x.grad, rel=1e-9)


def test_a_100000_deep_chain_steps_forwards_and_back_without_recursion() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(100_000):
        v = -v  # neg: the cheapest op to format, so the test stays quick
    forward = forward_steps(v)
    assert len(forward) == 100_000
    assert str(forward[-1:]) == "Step 100000: neg₁₀₀₀₀₀ = −neg₉₉₉₉₉ = −(-0.5) = 0.5"
    count = 0
    for _step in backprop_steps(v):
        count += 1
    assert count == 100_000 and x.grad == 1.0  # (−1)^100000


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


def _mlp_loss(seed: int = 3) -> tuple[Value, list[list[nn.Neuron]], list[Value]]:
    """L = (y − out)² for a 2-2-1 tanh network (linear output) of standalone ``nn.Neuron``s in
    the scopes an MLP uses (layers.i.neurons.j): each labels its nodes Σwx, z, o and its w1,
    w2, b, so only the scopes tell them apart. (An ``nn.MLP`` labels them o11, w11.1, …:
    tests/nn/test_trace_names.py.)"""
    layers: list[list[nn.Neuron]] = []
    for i, (nout, activation) in enumerate([(2, "tanh"), (1, "linear")]):
        neurons = []
        for j in range(nout):
            with autograd.scope(f"layers.{i}"), autograd.scope(f"neurons.{j}"):
                neurons.append(nn.Neuron(2, activation, seed=seed * 10 + 2 * i + j))
        layers.append(neurons)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    hidden = [neuron(x) for neuron in layers[0]]
    out = layers[1][0](hidden)
    loss = (Value(1.0, "y") - out) ** 2
    loss.label = "L"
    return loss, layers, x


def test_names_in_an_nn_model_are_unique_and_qualified_by_scope() -> None:
    loss, layers, x = _mlp_loss()
    names = node_names(loss)
    assert len(set(names.values())) == len(names)  # every z, o, w1 … of every neuron told apart
    (first, second), (output,) = layers
    # the shortest end of the scope that tells apart all nodes sharing a label, one length per label
    assert names[second.w[0]] == "layers.0.neurons.1.w1" and names[output.w[1]] == "layers.1.neurons.0.w2"
    assert names[first.b] == "layers.0.neurons.0.b"
    hidden = [node for node in graph.topological_order(loss) if node.label == "o"]
    assert sorted(names[o] for o in hidden) == ["neurons.0.o", "neurons.1.o"]  # only layer 0 has an o
    assert names[x[0]] == "x1" and names[loss] == "L"  # unique labels stay as they are
    rebuilt = node_names(_mlp_loss()[0])
    assert list(rebuilt.values()) == list(names.values())  # deterministic


def test_chain_rule_on_an_nn_model_names_the_neurons_own_nodes() -> None:
    """∂L/∂w1 of layer 0's neuron 1 goes through that neuron only: before, every neuron's nodes
    were called Σwx, z, o, and the formula could not say which. One factor per neuron: the
    nodes inside a scope fold into the factor of the node where the scope ends."""
    loss, layers, _ = _mlp_loss()
    w = layers[0][1].w[0]
    chain = chain_rule(loss, w)
    out, hidden = "layers.1.neurons.0", "layers.0.neurons.1"
    assert str(chain).splitlines()[0] == (
        f"∂L/∂{hidden}.w1 = ∂L/∂{out}.z · ∂{out}.z/∂neurons.1.o · ∂neurons.1.o/∂{hidden}.w1"
    )
    assert f"  ∂{out}.z/∂neurons.1.o = {out}.w2" in str(chain).splitlines()  # its own weight
    assert chain.format(detail="labels").splitlines()[0] == (
        f"∂L/∂{hidden}.w1 = ∂L/∂{out}.z · ∂{out}.z/∂{out}.Σwx · ∂{out}.Σwx/∂neurons.1.o"
        f" · ∂neurons.1.o/∂{hidden}.z · ∂{hidden}.z/∂{hidden}.Σwx · ∂{hidden}.Σwx/∂{hidden}.w1"
    )
    loss.backward()
    assert chain.total == pytest.approx(w.grad, rel=1e-12)


def test_no_factor_symbol_stands_for_two_formulas() -> None:
    """x1 feeds both hidden neurons: two paths whose factors must read differently (they did not)."""
    loss, _, x = _mlp_loss()
    lines = str(chain_rule(loss, x[0])).splitlines()
    first, second = lines[0].split(" = ", 1)[1].split(" + ")
    assert first != second
    factors = [line.strip().split(" = ", 1) for line in lines[1:] if line.startswith("  ∂")]
    symbols = [symbol for symbol, _ in factors]
    assert len(symbols) == len(set(symbols)) == 5  # 3 factors per path (one per neuron), the first shared
    detailed = chain_rule(loss, x[0]).format(detail="labels").splitlines()
    factors = [line.strip().split(" = ", 1) for line in detailed[1:] if line.startswith("  ∂")]
    assert len(factors) == len({symbol for symbol, _ in factors}) == 10  # 6 per path, 2 shared


def test_the_trace_tools_use_the_same_unique_names() -> None:
    loss, _, _ = _mlp_loss()
    names = node_names(loss)
    made = [n for n in graph.topological_order(loss) if not n.is_leaf]
    assert sorted(step.name for step in forward_steps(loss)) == sorted(names[n] for n in made)
    for step in backprop_steps(loss):
        assert step.name == names[step.node] and step.root_name == "L"
        assert [u.parent_name for u in step.updates] == [names[p] for p in step.node.parents]
    question = autograd.Quiz(loss).question
    assert "What is ∂L/∂sub₁?" in question


def test_a_model_called_twice_numbers_what_scope_cannot_tell_apart() -> None:
    model = nn.MLP(2, [1], activation="tanh", seed=0)
    first, second = model([1.0, 2.0]), model([0.5, -1.0])
    assert isinstance(first, Value) and isinstance(second, Value)
    total = first + second
    names = node_names(total)
    assert len(set(names.values())) == len(names)
    inputs = [n for n in graph.topological_order(total) if n.label == "x1"]
    assert sorted(names[n] for n in inputs) == ["x1#1", "x1#2"]
    assert names[first] == "o11#1" and names[second] == "o11#2"  # one neuron: nothing to qualify, numbered
    assert names[model.layers[0].neurons[0].w[0]] == "w11.1"  # the weights are shared: one node, one name


def test_constants_are_named_as_constants_and_written_as_numbers() -> None:
    """``x * 2`` makes a leaf labelled 2: ∂y/∂2 would read as a derivative of the number 2."""
    x = Value(3.0, "x")
    y = x * 2
    y.label = "y"
    two = y.parents[1]
    assert node_names(y)[two] == "const 2"
    (step,) = backprop_steps(y)
    assert str(step).splitlines()[0] == "step 1 of 1: y = x · 2, upstream ∂y/∂y = 1"  # a number in formulas
    assert str(step).splitlines()[2].startswith("  ∂y/∂const 2 += ∂y/∂const 2[2] · ∂y/∂y = x · ∂y/∂y = 3 · 1")
    assert str(chain_rule(y, x)).splitlines()[:2] == ["∂y/∂x = ∂y/∂x", "  ∂y/∂x = 2"]
    assert str(forward_steps(y)) == "Step 1: y = x · 2 = 3 · 2 = 6"
    assert str(chain_rule(y, two)).splitlines()[0] == "∂y/∂const 2 = ∂y/∂const 2"


def test_automatic_names_say_what_the_op_computes() -> None:
    x = Value(3.0, "x")
    with autograd.scope("loss"):
        loss = (x - 1.0) ** 2
    assert node_names(loss)[loss] == "loss.pow"  # not the op table's internal pow_const
    power = 2**x
    assert node_names(power)[power] == "pow₁"  # not exp_base


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


@settings(max_examples=40, deadline=None)
@given(programs(), st.data())
def test_a_pass_abandoned_part_way_puts_every_gradient_back(program: Program, data: st.DataObject) -> None:
    """Closed after k of n steps, the leaves must not keep part of a pass: a later backward() then
    counts each edge once, as on a twin that never stepped."""
    by_backward, by_steps = _twins(program)
    _stale(by_backward)
    _stale(by_steps)
    before = _state(by_steps)
    steps = backprop_steps(by_steps[-1])
    working = sum(not n.is_leaf for n in graph.topological_order(by_steps[-1]))
    taken = data.draw(st.integers(0, working))
    for _ in range(taken):
        next(steps)
    if taken < working:
        steps.close()
        assert _state(by_steps) == before  # including backward_ran: as if never started
    else:  # every step handed out: finishing and closing keep the whole pass, as one backward()
        assert next(steps, None) is None
        steps.close()
        by_backward[-1].backward()
        assert _state(by_steps) == _state(by_backward)
    by_backward[-1].backward()
    by_steps[-1].backward()
    assert _state(by_steps) == _state(by_backward)


def test_breaking_out_of_the_loop_undoes_the_steps_taken() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w).tanh()
    for step in backprop_steps(y):
        if step.node is y:
            break  # the generator is dropped here, one step of two applied
    assert (x.grad, w.grad, y.grad, y.backward_ran) == (0.0, 0.0, 0.0, False)
    y.backward()
    twin_x, twin_w = Value(2.0, "x"), Value(-3.0, "w")
    (twin_x * twin_w).tanh().backward()
    assert (x.grad, w.grad) == (twin_x.grad, twin_w.grad) and x.grad != 0.0


def _loss_and_weight() -> tuple[Value, Value]:
    x, w1, b, y = Value(0.5, "x"), Value(-1.5, "w1"), Value(0.25, "b"), Value(1.0, "y")
    return ((x * w1 + b).tanh() - y) ** 2, w1


def test_a_backward_after_an_abandoned_pass_is_not_wiped_when_the_generator_goes() -> None:
    L, w1 = _loss_and_weight()
    g = backprop_steps(L)
    next(g)
    next(g)
    L.backward()
    after_backward = _state(graph.topological_order(L))
    del g  # closes the generator: the graph is no longer as it left it, so it must not undo
    assert _state(graph.topological_order(L)) == after_backward
    twin, twin_w1 = _loss_and_weight()
    twin.backward()
    assert w1.grad == twin_w1.grad != 0.0 and L.backward_ran


def test_an_abandoned_pass_leaves_a_graph_changed_since_alone() -> None:
    L, _ = _loss_and_weight()
    g = backprop_steps(L)
    next(g)
    next(g)
    L.grad = 42.0  # anything done to the graph since the last step
    g.close()
    assert L.grad == 42.0 and L.backward_ran


def test_a_pass_whose_last_step_was_handed_out_keeps_its_gradients() -> None:
    x = Value(2.0, "x")
    y = (x * 3.0).exp()
    steps = backprop_steps(y)
    last = [next(steps) for _ in range(2)][-1]
    assert last.number == last.steps == 2
    steps.close()  # nothing left to undo: the pass is whole
    assert x.grad == 3.0 * math.exp(6.0) and x.backward_ran


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
        "  ∂y/∂x += ∂y/∂x[1] · ∂y/∂y = w · ∂y/∂y = (-3) · 1 = -3   (grad 0 → -3)",
        "  ∂y/∂w += ∂y/∂w[2] · ∂y/∂y = x · ∂y/∂y = 2 · 1 = 2   (grad 0 → 2)",
        "  [i]: through input i of y = x · w: the local derivative of that one edge, not the whole gradient",
    ]  # the root's own edges: the local ∂y/∂x[1] is marked, as it would read as the gradient ∂y/∂x


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


def test_latex_names_take_subscripts_and_text_escapes_latexs_specials() -> None:
    from autograd.trace import _latex_name, _latex_text

    assert [_latex_name(n) for n in ("o31", "w11.1", "o1,12", "w12,3.1", "tanh₁")] == [
        "o_{31}",
        "w_{11.1}",
        "o_{1,12}",
        "w_{12,3.1}",
        r"\mathrm{tanh}_{1}",
    ]
    assert _latex_name("x1#1") == r"\text{x1\#1}" and _latex_name("a_b") == r"\text{a\_b}"
    assert _latex_text("# $ % & _ { } ~ ^ \\") == (
        r"\# \$ \% \& \_ \{ \} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )


def test_a_model_called_on_two_samples_prints_as_latex_with_its_numbered_names_escaped() -> None:
    neuron = nn.Neuron(1, "tanh", seed=1)
    first, second = neuron([0.5]), neuron([-1.0])
    assert isinstance(first, Value) and isinstance(second, Value)
    latex = chain_rule(first + second, neuron.w[0])._repr_latex_()
    assert r"\text{x1\#1}" in latex and "x1#1" not in latex.replace(r"\#", "")


def test_where_lists_the_named_nodes_in_the_order_written() -> None:
    """Backward's order visits the right operand first: the where-line read loss.sub₂, loss.sub₁."""
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    with autograd.scope("loss"):
        loss = (x - y) * (z - y)
    loss.label = "L"
    lines = str(chain_rule(loss, y)).splitlines()
    assert "  where loss.sub₁ = x − y, loss.sub₂ = z − y" in lines
    a, b = Value(0.5, "a"), Value(-1.5, "b")
    f = (a * b).tanh() * (a + b).exp() * (a - b).sigmoid()
    where = next(line for line in str(chain_rule(f, a)).splitlines() if line.startswith("  where"))
    names = [entry.split(" = ")[0] for entry in where.removeprefix("  where ").split(", ")]
    assert (
        names == sorted(names, key=lambda name: list(node_names(f).values()).index(name)) and len(names) > 2
    )


def test_standalone_neurons_have_no_scope_so_their_labels_are_numbered() -> None:
    """As the README says: Neurons made outside any scope are told apart by number, o#1, o#2."""
    first, second = nn.Neuron(2, "tanh", seed=1), nn.Neuron(2, "tanh", seed=2)
    a, b = first([0.5, -1.0]), second([1.0, 2.0])
    assert isinstance(a, Value) and isinstance(b, Value) and a.scope == b.scope == ""
    names = node_names(a + b)
    assert (names[a], names[b], names[first.w[0]], names[second.b]) == ("o#1", "o#2", "w1#1", "b#2")


def test_where_defines_every_generated_name_a_formula_prints_even_off_the_path() -> None:
    """In x*y*z, ∂f/∂z = mul₁, the product x·y, which lies on no path from z: it was printed
    undefined. A definition naming another generated node (mul₂ = mul₁ · c) is followed too."""
    x, y, z = Value(2.0, "x"), Value(3.0, "y"), Value(4.0, "z")
    f = x * y * z
    f.label = "f"
    text = str(chain_rule(f, z))
    assert "  ∂f/∂z = mul₁" in text.splitlines() and "  where mul₁ = x · y" in text.splitlines()
    assert r"\text{where mul₁ = x · y}" in chain_rule(f, z)._repr_latex_()
    a, b, c, d = (Value(v, n) for v, n in ((1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")))
    g = a * b * c * d
    g.label = "g"
    assert "  where mul₁ = a · b, mul₂ = mul₁ · c" in str(chain_rule(g, d)).splitlines()


def test_every_generated_name_in_a_printed_chain_rule_is_defined() -> None:
    """Property over a few expressions: each generated name in a formula line has a where-entry."""
    cases = ["tanh(x*w + b)*(w*w)", "x*y*z", "x**2**-5", "(x+y)*(x-y)*w", "sigmoid(x*y)*x + x/y"]
    for text in cases:
        inputs = {n: Value(v, n) for n, v in zip("xywbz", (1.0, 2.0, -3.0, 0.5, 4.0)) if n in text}
        root = expr.evaluate(text, inputs)
        root.label = "f"
        generated = {n for node, n in node_names(root).items() if not node.label and node.op is not None}
        for wrt in inputs.values():
            lines = str(chain_rule(root, wrt)).splitlines()
            where = next((line for line in lines if line.startswith("  where ")), "")
            note = next((line.partition("of: ")[2] for line in lines if line.startswith("  [i] marks")), "")
            defined = {entry.split(" = ")[0] for entry in where.removeprefix("  where ").split(", ")}
            defined |= {entry.split(" = ")[0] for entry in note.split("; ")}
            formulas = [line.split(" = ", 1)[1] for line in lines if line.startswith("  ∂")]
            printed = set(re.findall(r"[\w.₀-₉#]+", "\n".join([*formulas, where, note])))
            assert printed & generated <= defined, (text, wrt.label, lines)


def test_step_0_after_a_backward_says_the_gradients_shown_are_from_it() -> None:
    """After L.backward(), Backprop(L) at step 0 said "backward not run yet" while its picture
    showed the earlier pass's gradients."""
    L, _ = notes_network()
    L.backward()
    stepper = Backprop(L)
    assert "backward not run yet" not in repr(stepper)
    assert "step 0: the gradients shown are from an earlier backward()" in repr(stepper)
    assert "they accumulate" in stepper._repr_html_()
    assert "backward not run yet" not in stepper.draw().source  # the picture agrees
    stepper.step().reset()  # back at step 0, the graph as it was: still the earlier pass
    assert "from an earlier backward()" in repr(stepper)
    fresh, _ = notes_network()
    assert "backward not run yet" in repr(Backprop(fresh))


def test_an_abandoned_pass_is_undone_after_another_backward_that_changed_none_of_its_gradients() -> None:
    """A backward through a shared leaf that sends it 0 (a dead ReLU) marks the leaf but changes
    nothing: closing the half-run pass must still undo its steps, or a later backward counts
    them twice."""
    x = Value(1.0, "x")
    y = (x * 3.0 + x).tanh()
    dead = (x - 5.0).relu()
    steps = autograd.backprop_steps(y)
    next(steps), next(steps)  # two of its three steps: x has had the + edge's share
    dead.backward()  # adds exactly 0 to x.grad
    steps.close()
    assert x.grad == 0.0
    y.backward()
    fresh = Value(1.0)
    (fresh * 3.0 + fresh).tanh().backward()
    assert x.grad == fresh.grad


def test_a_step_says_why_a_switched_off_input_gets_0_from_an_infinite_upstream() -> None:
    x = Value(-1.0, "x")
    steps = list(backprop_steps(x.relu().sqrt()))
    relu_step = str(steps[-1])
    assert "0 · inf = 0" in relu_step.replace("∞", "inf")
    assert "x is switched off here: it gets 0, not 0 · inf" in relu_step
    assert "switched off" not in str(list(backprop_steps(Value(-1.0).relu() * 2.0))[-1])  # finite: no note


def test_a_backward_since_is_kept_even_when_its_numbers_equal_the_half_done_pass() -> None:
    """next(g); L.backward(); del g keeps backward's gradients, as the docstring says, also
    when backward's numbers are the half-done pass's own (here all zeros but the root's)."""
    a, b = Value(0.0, "a"), Value(0.0, "b")
    product = a * b
    L = product.tanh()
    steps = backprop_steps(L)
    next(steps)  # tanh's step: product.grad = 1 - tanh(0)² = 1; a, b not reached yet
    L.backward()
    del steps
    assert (L.grad, product.grad, L.backward_ran) == (1.0, 1.0, True)
    assert (a.grad, b.grad) == (0.0, 0.0) and a.backward_ran


def test_several_outputs_are_named_as_one_graph_the_first_ones_nodes_first() -> None:
    x, y = Value(1.0, "x"), Value(2.0, "y")
    first, second = (x * y).tanh(), (y * x).tanh()
    together = node_names([first, second])
    alone = node_names(first)
    assert {node: together[node] for node in alone} == alone
    assert len(set(together.values())) == len(together)  # every node of both, each its own name
    assert together[second] == "tanh₂"
