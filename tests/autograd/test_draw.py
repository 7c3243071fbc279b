"""Drawing: what each picture holds, golden DOT files, files written whole, and the missing `dot`.

Expected numbers are worked out here by hand with float math (tanh(x·w + b) at x = 2,
w = −3, b = 6.88, the 2-2-1 network's sizes); the golden files pin the exact DOT text
and are rewritten only by ``python -m tests.golden.regenerate``.
"""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import autograd
from autograd import Value, chain_rule, draw, save_graph, scope
from autograd.draw import (
    GREY,
    HIGHLIGHT_COLOR,
    NOT_RUN_YET,
    GraphTooLargeError,
    GraphvizNotFoundError,
    writable_target,
)
from autograd.graph import topological_order
from autograd.trace import node_names
from tests.autograd.programs import programs, run_autograd
from tests.golden.cases import DOT_CASES, GOLDEN, neuron, scoped_network, square

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# --------------------------------------------------------------------------- reading DOT back

_NODE = re.compile(r"^\t+(\w+) \[(.*)\]$")
_EDGE = re.compile(
    r"^\t+(\w+) -> (\w+)((?::\w+)*)(?: \[(.*)\])?$"
)  # a port, input 2's :in2:w, after the name
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
_CLUSTER = re.compile(r'^\t+subgraph "cluster (.*)" \{$')


def _attrs(text: str | None) -> dict[str, str]:
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(text or "")}


def nodes_of(source: str) -> dict[str, dict[str, str]]:
    lines = source.splitlines()
    return {
        m[1]: _attrs(m[2]) for line in lines if (m := _NODE.match(line)) and m[1] not in ("graph", "node")
    }


def edges_of(source: str) -> list[tuple[str, str, dict[str, str]]]:
    return [(m[1], m[2], _attrs(m[4])) for line in source.splitlines() if (m := _EDGE.match(line))]


def ports_of(source: str) -> list[tuple[str, str, str]]:
    """Each edge as (source, target, the port at the target: ``:in2:w`` or "")."""
    return [(m[1], m[2], m[3]) for line in source.splitlines() if (m := _EDGE.match(line))]


def clusters_of(source: str) -> dict[str, tuple[str, ...]]:
    """Each node name → the clusters it is drawn in, outermost first."""
    placed: dict[str, tuple[str, ...]] = {}
    stack: list[str] = []
    for line in source.splitlines()[1:]:
        if m := _CLUSTER.match(line):
            stack.append(m[1])
        elif line.strip() == "}":
            if stack:
                stack.pop()
        elif (m := _NODE.match(line)) and m[1] != "graph":
            placed[m[1]] = tuple(stack)
    return placed


def grads_shown(source: str) -> list[str]:
    """The labels of the value nodes that show a gradient."""
    return [a["label"] for a in nodes_of(source).values() if "| grad" in a.get("label", "")]


def name_of(root: Value | list[Value], node: Value) -> str:
    """The DOT name of a node: its position in topological order (documented in autograd.draw)."""
    return f"n{topological_order(root).index(node)}"


def by_label(root: Value, label: str) -> Value:
    return next(node for node in topological_order(root) if node.label == label)


# --------------------------------------------------------------------------- the engine stays light


def test_graphviz_is_imported_only_when_a_picture_is_made() -> None:
    code = (
        "import sys, autograd, autograd.__main__, autograd.expr\n"
        "print('graphviz' in sys.modules)\n"
        "x = autograd.Value(2.0); autograd.draw(x * x)\n"
        "print('graphviz' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# --------------------------------------------------------------------------- what a node shows


def test_value_nodes_show_label_data_and_grad_to_four_significant_digits() -> None:
    y = neuron()
    t = math.tanh(2.0 * -3.0 + 6.88)  # by hand: y = tanh(x·w + b)
    dw = 2.0 * (1 - t * t)  # ∂y/∂w = x·(1 − tanh²)
    shown = nodes_of(draw(y).source)
    assert shown[name_of(y, by_label(y, "w"))]["label"] == f"{{w | data -3 | grad {dw:.4g}}}"
    assert shown[name_of(y, y)]["label"] == f"{{y | data {t:.4g} | grad 1}}"
    six = nodes_of(draw(y, digits=6).source)
    assert six[name_of(y, y)]["label"] == f"{{y | data {t:.6g} | grad 1}}"


def test_op_nodes_show_the_op_symbol() -> None:
    y = neuron()
    shown = nodes_of(draw(y).source)
    product = y.parents[0].parents[0]
    assert shown[name_of(y, y) + "op"]["label"] == "tanh"
    assert shown[name_of(y, product) + "op"]["label"] == "×"
    assert shown[name_of(y, y.parents[0]) + "op"]["label"] == "+"


def test_before_backward_there_are_no_grads_and_the_caption_says_so() -> None:
    y = neuron(run_backward=False)
    source = draw(y).source
    assert grads_shown(source) == []
    assert NOT_RUN_YET in source
    y.backward()
    after = draw(y).source
    assert NOT_RUN_YET not in after
    assert len(grads_shown(after)) == 6  # x, w, b, x·w, x·w + b, y


def test_grads_false_shows_no_grads_and_no_caption() -> None:
    source = draw(neuron(), grads=False).source
    assert grads_shown(source) == [] and NOT_RUN_YET not in source


def test_a_leaf_that_ran_in_another_graph_shows_no_stale_grad() -> None:
    y = neuron()  # x took part in a backward through y
    x = by_label(y, "x")
    z = x * 5.0
    source = draw(z).source
    assert grads_shown(source) == [] and NOT_RUN_YET in source


def test_several_outputs_are_drawn_together_and_the_caption_names_the_one_without_backward() -> None:
    x = Value(2.0, "x")
    y1, y2 = (x * 3.0).tanh(), (x * 3.0).sigmoid()
    y1.label, y2.label = "y1", "y2"
    y1.backward()
    source = draw([y1, y2]).source
    labels = [attrs["label"] for attrs in nodes_of(source).values()]
    assert sum(label.startswith("{y1 |") for label in labels) == 1
    assert sum(label.startswith("{y2 | data") and "grad" not in label for label in labels) == 1
    assert "backward not run yet from y2: nodes only it reaches show no grad" in source


# --------------------------------------------------------------------------- edges


def test_edge_derivatives_are_the_stored_local_derivatives() -> None:
    y = neuron()
    t = math.tanh(0.88)
    source = draw(y, edge_derivatives=True).source
    labelled = {(a, b): attrs.get("label") for a, b, attrs in edges_of(source)}
    x, w = by_label(y, "x"), by_label(y, "w")
    product = y.parents[0].parents[0]
    assert labelled[(name_of(y, x), name_of(y, product) + "op")] == "-3"  # ∂(x·w)/∂x = w
    assert labelled[(name_of(y, w), name_of(y, product) + "op")] == "2"  # ∂(x·w)/∂w = x
    assert labelled[(name_of(y, y.parents[0]), name_of(y, y) + "op")] == f"{1 - t * t:.4g}"


def test_edge_labels_are_read_from_the_node_not_recomputed() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = x * w
    x.data = 100.0  # the local ∂y/∂w = x was stored as 2 when y was made
    labels = [attrs["label"] for _, _, attrs in edges_of(draw(y, edge_derivatives=True).source) if attrs]
    assert sorted(labels) == ["-3", "2"]


def test_a_node_used_twice_gives_two_edges() -> None:
    y = square()
    x = y.parents[0]
    source = draw(y, edge_derivatives=True).source
    into_op = [
        attrs["label"] for a, b, attrs in edges_of(source) if (a, b) == (name_of(y, x), name_of(y, y) + "op")
    ]
    assert into_op == ["3", "3"]  # ∂(x·x)/∂x₁ = x and ∂(x·x)/∂x₂ = x, at x = 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_every_edge_of_a_random_graph_is_drawn_once_with_its_local_derivative(program: Any) -> None:
    _, nodes = run_autograd(program)
    root = nodes[-1]
    root.backward()
    source = draw(root, edge_derivatives=True, max_nodes=10_000).source
    assert source == draw(root, edge_derivatives=True, max_nodes=10_000).source  # deterministic
    drawn = edges_of(source)
    order = topological_order(root)
    expected = sorted(
        (f"n{order.index(parent)}", f"n{i}op", f"{local:.4g}")
        for i, child in enumerate(order)
        for parent, local in autograd.edges(child)
    )
    assert sorted((a, b, attrs["label"]) for a, b, attrs in drawn if b.endswith("op")) == expected
    assert sorted(b for a, b, _ in drawn if a.endswith("op")) == sorted(
        f"n{i}" for i, c in enumerate(order) if c.op
    )


# --------------------------------------------------------------------------- deterministic names


def test_the_same_graph_built_twice_gives_byte_identical_source() -> None:
    assert (
        draw(scoped_network(), edge_derivatives=True).source
        == draw(scoped_network(), edge_derivatives=True).source
    )
    assert draw(neuron()).source == draw(neuron()).source


@pytest.mark.parametrize("name", sorted(DOT_CASES))
def test_golden_dot_files(name: str) -> None:
    expected = (GOLDEN / name).read_text(encoding="utf-8")
    assert DOT_CASES[name]() == expected, (
        f"{name} changed; if intended, run python -m tests.golden.regenerate"
    )


# --------------------------------------------------------------------------- highlight


def _coloured(source: str) -> tuple[set[str], list[tuple[str, str]]]:
    lit_nodes = {name for name, attrs in nodes_of(source).items() if attrs.get("color") == HIGHLIGHT_COLOR}
    lit_edges = [(a, b) for a, b, attrs in edges_of(source) if attrs.get("color") == HIGHLIGHT_COLOR]
    return lit_nodes, lit_edges


def test_highlight_a_node_or_a_list_of_nodes() -> None:
    y = neuron()
    w, b = by_label(y, "w"), by_label(y, "b")
    assert _coloured(draw(y, highlight=w).source) == ({name_of(y, w)}, [])
    assert _coloured(draw(y, highlight=[w, b]).source)[0] == {name_of(y, w), name_of(y, b)}


def test_highlight_a_backprop_step_colours_its_node_parents_and_edges() -> None:
    y = neuron()
    total = y.parents[0]
    step = SimpleNamespace(node=total)  # anything with .node, as autograd's Step
    lit_nodes, lit_edges = _coloured(draw(y, highlight=step).source)
    assert lit_nodes == {name_of(y, n) for n in (total, *total.parents)}
    op = name_of(y, total) + "op"
    assert sorted(lit_edges) == sorted(
        [(name_of(y, p), op) for p in total.parents] + [(op, name_of(y, total))]
    )


def test_highlight_a_real_step_from_backprop_steps() -> None:
    y = neuron(run_backward=False)
    step = next(iter(autograd.backprop_steps(y)))
    assert step.node is y
    lit_nodes, _ = _coloured(draw(y, highlight=step).source)
    assert lit_nodes == {name_of(y, y), name_of(y, y.parents[0])}


def test_highlight_a_path_colours_the_edges_along_it() -> None:
    y = neuron()
    w = by_label(y, "w")
    (path,) = chain_rule(y, w).paths
    lit_nodes, lit_edges = _coloured(draw(y, highlight=path).source)
    chain = [w, y.parents[0].parents[0], y.parents[0], y]  # w → x·w → x·w + b → y
    assert lit_nodes == {name_of(y, n) for n in chain}
    assert len(lit_edges) == 6  # into and out of each of the three op nodes
    duck = SimpleNamespace(nodes=list(reversed(chain)))  # anything with .nodes, either direction
    assert _coloured(draw(y, highlight=duck).source) == (lit_nodes, lit_edges)


def test_each_path_through_x_times_x_colours_only_its_own_edge() -> None:
    y = square()
    x = y.parents[0]
    first, second = chain_rule(y, x).paths
    for path in (first, second):
        edges = edges_of(draw(y, highlight=path).source)
        into = [
            attrs.get("color") for a, b, attrs in edges if (a, b) == (name_of(y, x), name_of(y, y) + "op")
        ]
        assert sorted(into, key=str) == sorted([None, HIGHLIGHT_COLOR], key=str)


def test_highlight_of_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="highlight"):
        draw(neuron(), highlight=3.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sub-graphs, colours, caption


def test_focus_draws_only_the_nodes_between_w_and_the_output_plus_greyed_inputs() -> None:
    from tests.golden.cases import notes_loss

    loss = notes_loss()
    w4 = by_label(loss, "w4")
    shown = nodes_of(draw(loss, focus=w4).source)
    records = {a["label"].split(" |")[0][1:]: a for a in shown.values() if a.get("shape") == "record"}
    # L = (y − σ(o1·w4 + b2))²: w4's paths go through p2, z2, o2, e; o1, b2, y are their other inputs
    assert set(records) == {"w4", "p2", "z2", "o2", "e", "L", "o1", "b2", "y"}
    assert {k for k, a in records.items() if a.get("color") == GREY} == {"o1", "b2", "y"}
    bare = nodes_of(draw(loss, focus=w4, show_inputs=False).source)
    assert len([a for a in bare.values() if a.get("shape") == "record"]) == 6


def test_focus_on_a_node_the_output_does_not_use_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not depend on the focus node 'z'"):
        draw(neuron(), focus=Value(1.0, "z"))


def test_explicit_nodes_edge_colours_and_caption() -> None:
    y = square()
    x = y.parents[0]
    source = draw(y, nodes=[x, y], edge_colors={(x, y, 1): ["red", "blue"]}, caption="two paths").source
    into = [attrs.get("color") for a, b, attrs in edges_of(source) if b == name_of(y, y) + "op"]
    assert into == [None, "red:blue"]
    assert 'label="two paths\\l' in source
    with pytest.raises(ValueError, match="input 0 of 'y' is not 'w'"):
        draw(y, edge_colors={(Value(1.0, "w"), y, 0): "red"})


# --------------------------------------------------------------------------- scopes, collapse, size


def test_scopes_become_nested_clusters_and_weights_sit_in_their_neuron() -> None:
    loss = scoped_network()
    placed = clusters_of(draw(loss).source)
    w = by_label(loss, "w101")
    neuron_output = by_label(loss, "L").parents[0].parents[0]  # tanh of layers.1.neurons.0
    assert placed[name_of(loss, w)] == ("layers.1", "layers.1.neurons.0")
    assert placed[name_of(loss, neuron_output)] == ("layers.1", "layers.1.neurons.0")
    assert placed[name_of(loss, by_label(loss, "x1"))] == ()
    assert placed[name_of(loss, loss)] == ()
    assert set(clusters_of(draw(loss, clusters=False).source).values()) == {()}


def test_an_unscoped_weight_is_drawn_in_the_one_neuron_that_uses_it() -> None:
    w, x = Value(0.5, "w"), Value(2.0, "x")
    with scope("layers.0"), scope("neurons.0"):
        y = (w * x).tanh()
    z = x + 1.0
    placed = clusters_of(draw([y, z]).source)
    assert placed[name_of([y, z], w)] == ("layers.0", "layers.0.neurons.0")
    assert placed[name_of([y, z], x)] == ()  # used inside and outside the neuron


def _collapsed(source: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """Collapsed box name → its module path (in parentheses at the end of its title: "neuron 1
    (neurons.0)"), or its title when it has none; and the edges as pairs of those names or labels."""
    shown = nodes_of(source)
    title = {
        name: re.sub(r"^.*\((.*)\)$", r"\1", attrs["label"].split(" |")[0][1:])
        for name, attrs in shown.items()
        if "label" in attrs
    }
    edges = {(title.get(a, a), title.get(b, b)) for a, b, _ in edges_of(source)}
    return {n: t for n, t in title.items() if n.startswith("g")}, edges


def test_collapse_neuron_draws_one_node_per_neuron_with_the_right_edges() -> None:
    groups, edges = _collapsed(draw(scoped_network(), collapse="neuron").source)
    assert sorted(groups.values()) == ["neurons.0", "neurons.0", "neurons.1"]
    source = draw(scoped_network(), collapse="neuron", clusters=False).source
    groups, edges = _collapsed(source)
    assert sorted(groups.values()) == ["layers.0.neurons.0", "layers.0.neurons.1", "layers.1.neurons.0"]
    between = {(a, b) for a, b in edges if a.startswith("layers") and b.startswith("layers")}
    assert between == {
        ("layers.0.neurons.0", "layers.1.neurons.0"),
        ("layers.0.neurons.1", "layers.1.neurons.0"),
    }
    assert {(a, b) for a, b in edges if a in ("x1", "x2")} == {
        (x, f"layers.0.neurons.{j}") for x in ("x1", "x2") for j in (0, 1)
    }


def test_collapse_layer_draws_one_node_per_layer() -> None:
    loss = scoped_network()
    groups, edges = _collapsed(draw(loss, collapse="layer").source)
    assert sorted(groups.values()) == ["layers.0", "layers.1"]
    assert ("layers.0", "layers.1") in edges
    labels = [a["label"] for a in nodes_of(draw(loss, collapse="layer").source).values()]
    tanh_out = loss.parents[0].parents[0]
    assert f"{{layer 2 (layers.1) | 6 nodes | out {tanh_out.data:.4g} | grad {tanh_out.grad:.4g}}}" in labels


def test_collapse_an_mlp_2_16_16_1_draws_33_neurons_and_their_edges() -> None:
    import nn

    model = nn.MLP(2, [16, 16, 1], seed=0)
    x = [Value(0.5, "x1"), Value(-1.0, "x2")]
    out = model(x)
    out = out[0] if isinstance(out, list) else out
    out.backward()
    source = draw(out, collapse="neuron", clusters=False).source
    groups, edges = _collapsed(source)
    assert len(groups) == 16 + 16 + 1
    assert len(nodes_of(source)) == 2 + 16 + 16 + 1  # each weight (w11.1 …) drawn inside its neuron
    neuron_edges = {(a, b) for a, b in edges if a.startswith("layers") and b.startswith("layers")}
    assert len(neuron_edges) == 16 * 16 + 16 * 1  # every neuron feeds every neuron of the next layer
    assert {(a, b) for a, b in edges if a in ("x1", "x2")} == {
        (xi, f"layers.0.neurons.{j}") for xi in ("x1", "x2") for j in range(16)
    }
    layer_groups, layer_edges = _collapsed(draw(out, collapse="layer", clusters=False).source)
    assert sorted(layer_groups.values()) == ["layers.0", "layers.1", "layers.2"]
    assert {("layers.0", "layers.1"), ("layers.1", "layers.2")} <= layer_edges


def test_collapse_a_data_sets_graph_bundles_each_input_and_the_loss() -> None:
    import nn

    model = nn.MLP(2, [4, 1], seed=0)
    samples = [[0.1 * k, -0.2 * k] for k in range(5)]
    loss = nn.losses.mse([model(x) for x in samples], [1.0, 0.0, 1.0, 0.0, 1.0])
    loss.backward()
    source = draw(loss, collapse="neuron", clusters=False).source
    groups, edges = _collapsed(source)
    assert sorted(groups.values()) == sorted(
        ["x1", "x2", "loss"] + [f"layers.0.neurons.{j}" for j in range(4)] + ["layers.1.neurons.0"]
    )
    labels = {a["label"] for a in nodes_of(source).values()}
    assert {"{x1 | 5 leaves}", "{x2 | 5 leaves}"} <= labels  # one bundle per input, over the 5 samples
    assert {(a, b) for a, b in edges if a in ("x1", "x2")} == {
        (xi, f"layers.0.neurons.{j}") for xi in ("x1", "x2") for j in range(4)
    }
    assert ("layers.1.neurons.0", "loss") in edges
    assert f"{{loss | {_count_in_scope(loss, 'loss')} nodes | out {loss.data:.4g} | grad 1}}" in labels


def _count_in_scope(root: Value, scope_name: str) -> int:
    return sum(1 for node in topological_order(root) if node.scope == scope_name)


def test_a_graph_over_max_nodes_raises_with_the_count_and_what_to_do() -> None:
    v = Value(0.1, "x")
    for _ in range(300):
        v = v.tanh()  # 301 value nodes
    with pytest.raises(GraphTooLargeError, match=r"301 nodes, more than max_nodes=300.*collapse") as caught:
        draw(v, max_nodes=300)
    assert "focus" in str(caught.value)
    assert draw(v, max_nodes=301).source
    assert len(draw(v).source) > 0  # the default (500) is above 301


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rankdir": "XY"}, "rankdir"),
        ({"digits": 0}, "digits"),
        ({"collapse": "neurons"}, "collapse"),
        ({"max_nodes": 0}, "max_nodes"),
        ({"focus": Value(1.0), "nodes": []}, "focus or nodes"),
    ],
)
def test_bad_options_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        draw(neuron(), **options)


@pytest.mark.parametrize(
    ("root", "error"), [("y", TypeError), ([], ValueError), ([Value(1.0), 2.0], TypeError)]
)
def test_bad_roots_are_named(root: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="draw:"):
        draw(root)


# --------------------------------------------------------------------------- writing files


def test_save_graph_writes_the_dot_source_without_the_dot_program(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    y = neuron()
    for name in ("graph.dot", "graph.gv"):
        written = save_graph(y, tmp_path / name, edge_derivatives=True)
        assert written == tmp_path / name
        assert written.read_text(encoding="utf-8") == draw(y, edge_derivatives=True).source


def test_save_graph_writes_a_real_png_svg_and_pdf(tmp_path: Path) -> None:
    y = neuron()
    png = save_graph(y, tmp_path / "graph.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 2000
    svg = save_graph(y, tmp_path / "graph.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "tanh" in svg
    assert save_graph(y, tmp_path / "graph.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.pdf", "graph.png", "graph.svg"]


def test_without_dot_rendering_names_the_program_and_how_to_install_it_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "graph.png"
    target.write_bytes(b"the picture from before")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizNotFoundError) as caught:
        save_graph(neuron(), target)
    message = str(caught.value)
    assert "`dot`" in message and "apt-get install graphviz" in message and "brew install graphviz" in message
    assert "conda install -c conda-forge graphviz" in message
    assert isinstance(caught.value, RuntimeError)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert target.read_bytes() == b"the picture from before"  # never half a file
    assert [p.name for p in tmp_path.iterdir()] == ["graph.png"]


def test_jupyters_inline_picture_without_dot_gives_the_same_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    picture = draw(neuron())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        picture._repr_mimebundle_()
    assert "digraph" in picture.source  # the source is still there


@pytest.mark.parametrize(
    ("umask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)], ids=["022", "027", "077"]
)
def test_a_new_file_gets_the_permissions_the_umask_gives(tmp_path: Path, umask: int, expected: int) -> None:
    previous = os.umask(umask)
    try:
        written = save_graph(neuron(), tmp_path / "graph.dot")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == expected  # 0o666 less the umask, as open() gives


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664], ids=oct)
def test_a_file_written_over_keeps_its_permissions(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "graph.dot"
    target.write_text("the picture from before")
    target.chmod(mode)
    save_graph(neuron(), target)
    assert target.read_text(encoding="utf-8").startswith("digraph")
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_the_bytes_are_fsynced_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, object]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        events.append(("fsync", os.fstat(descriptor).st_ino))
        fsync(descriptor)

    def recording_replace(source: Any, destination: Any) -> None:
        events.append(("replace", os.stat(source).st_ino))
        replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    written = save_graph(neuron(), tmp_path / "graph.dot")
    inode = written.stat().st_ino
    assert events.index(("fsync", inode)) < events.index(("replace", inode))


def _interrupt_after_the_temporary_file_appears(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = os.open

    def interrupted(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        descriptor = opened(path, flags, mode, **kwargs)
        if str(path).endswith(".part"):  # Ctrl-C lands the moment the file exists
            os.close(descriptor)
            raise KeyboardInterrupt
        return descriptor

    monkeypatch.setattr(os, "open", interrupted)


def _interrupt_the_rename(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(source: Any, destination: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)


def _fail_the_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)


@pytest.mark.parametrize(
    ("breaks", "error"),
    [
        (_interrupt_after_the_temporary_file_appears, KeyboardInterrupt),
        (_interrupt_the_rename, KeyboardInterrupt),
        (_fail_the_write, OSError),
    ],
)
def test_an_error_or_ctrl_c_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breaks: Any, error: type[BaseException]
) -> None:
    target = tmp_path / "graph.dot"
    target.write_bytes(b"the picture from before")
    y = neuron()
    breaks(monkeypatch)
    with pytest.raises(error):
        save_graph(y, target)
    monkeypatch.undo()
    assert target.read_bytes() == b"the picture from before"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.dot"]


def test_save_graph_refuses_bad_paths_before_drawing(tmp_path: Path) -> None:
    y = neuron()
    with pytest.raises(ValueError, match=r"\.png, \.svg, \.pdf, \.dot, \.gv"):
        save_graph(y, tmp_path / "graph.jpeg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_graph(y, tmp_path / "missing" / "graph.png")
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_graph(y, tmp_path / "file" / "graph.png")
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        save_graph(y, tmp_path / "dir.png")


def test_save_graph_refuses_a_trailing_separator_and_names_an_empty_path(tmp_path: Path) -> None:
    """``exist.png/`` names a directory, yet Path dropped the slash and exist.png was written;
    ``""`` was reported as "cannot tell the format of '.'"."""
    y = neuron()
    (tmp_path / "exist.png").write_bytes(b"the picture from before")
    for name in ("exist.png/", "new.png/"):
        with pytest.raises(ValueError, match=r"ends with '/', so it names a directory, not a file"):
            save_graph(y, f"{tmp_path}/{name}")
    assert (tmp_path / "exist.png").read_bytes() == b"the picture from before"
    assert [p.name for p in tmp_path.iterdir()] == ["exist.png"]
    with pytest.raises(ValueError, match="the output path is empty") as caught:
        writable_target("")
    assert "'.'" not in str(caught.value)


def test_save_graph_names_a_directory_it_cannot_write_in() -> None:
    # /proc takes no new files, not even from root
    with pytest.raises(OSError, match="/proc"):
        save_graph(neuron(), "/proc/graph.dot")


def test_the_demo_draws_the_notes_graph(tmp_path: Path) -> None:
    from tests.golden.cases import notes_loss

    png = save_graph(notes_loss(), tmp_path / "demo.png", edge_derivatives=True).read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_scope_names_are_drawn_as_written_never_as_dot_syntax(tmp_path: Path) -> None:
    """A scope ending in a backslash ended the quoted cluster name early (a DOT syntax error),
    and a scope "<b>" was taken for an HTML-like label."""
    with scope("back\\"):
        a = Value(1.0, "a")
        y = a.tanh()
    with scope("<b>"):
        z = y * 2
    z.label = "z"
    z.backward()
    source = draw(z).source
    assert 'subgraph "cluster back\\\\" {' in source and 'label="back\\\\"' in source
    assert 'label="<b>"' in source and "label=<b>" not in source
    svg = save_graph(z, tmp_path / "scopes.svg").read_text()
    assert ">back\\</text>" in svg and ">&lt;b&gt;</text>" in svg


def test_a_line_break_in_a_label_stays_a_line_break(tmp_path: Path) -> None:
    """``Value(1.0, "two\\nlines")`` was drawn as "twolines"."""
    two = Value(1.0, "two\nlines")
    y = two * Value(2.0, "b")
    y.label = "three\nline\r\nlabel"
    y.backward()
    source = draw(y).source
    assert "{two\\nlines | data 1" in source and "{three\\nline\\nlabel | data 2" in source
    svg = save_graph(y, tmp_path / "lines.svg").read_text()
    for word in ("two", "lines", "three", "line", "label"):
        assert f">{word}</text>" in svg


# --------------------------------------------------------------------------- which input is which

# One way to build each op with several inputs from Values, by the op table's name.
MANY_INPUTS = {
    "add": lambda v: v[0] + v[1],
    "sub": lambda v: v[0] - v[1],
    "mul": lambda v: v[0] * v[1],
    "div": lambda v: v[0] / v[1],
    "pow": lambda v: v[0] ** v[1],
    "prelu": lambda v: v[0].prelu(v[1]),
    "sum": lambda v: autograd.sum(v),
    "dot": lambda v: autograd.dot(v[:3], v[3:]),
    "logsumexp": lambda v: autograd.logsumexp(v),
    "softmax": lambda v: autograd.softmax(v)[0],
    "log_softmax": lambda v: autograd.log_softmax(v)[1],
}


def test_every_op_with_several_inputs_has_a_case_here() -> None:
    assert {name for name, op in autograd.ops.OPS.items() if op.arity != 1} == set(MANY_INPUTS)


@pytest.mark.parametrize("name", sorted(MANY_INPUTS))
def test_an_op_whose_inputs_cannot_be_swapped_draws_them_in_numbered_slots(name: str) -> None:
    """b − a drew a above b into a bare "−" (it read as a − b): an op whose inputs are not
    interchangeable gets a slot per input, numbered from 1, and each edge ends in its input's slot."""
    inputs = [
        Value(v, f"v{k}") for k, v in enumerate((0.7, 1.3, 2.1, -0.4, 0.9, 1.6)[: 6 if name == "dot" else 3])
    ]
    picked = inputs if autograd.ops.OPS[name].arity is None else inputs[:2]
    out = MANY_INPUTS[name](picked)
    swapped = MANY_INPUTS[name]([picked[1], picked[0], *picked[2:]])
    source = draw(out).source
    op_label = nodes_of(source)[name_of(out, out) + "op"]["label"]
    into_op = [(a, port) for a, b, port in ports_of(source) if b == name_of(out, out) + "op"]
    if not math.isclose(out.data, swapped.data) and name != "dot":  # dot's wᵢ·xᵢ read as a whole
        slots = "|".join(f"<in{k}> {k}" for k in range(1, len(picked) + 1))
        assert op_label.startswith(f"{{{{{slots}}}|")
        assert into_op == [(name_of(out, p), f":in{k}:w") for k, p in enumerate(picked, start=1)]
    else:  # a + b, a × b, Σ, dot, logsumexp: the bare symbol, no numbers to clutter it
        assert op_label == out.op.symbol and {port for _, port in into_op} == {""}


def test_numbered_slots_face_the_flow_and_a_node_used_twice_fills_both() -> None:
    """Records lay fields out west to east and north to south in every rankdir: for RL and BT
    the slots came first and faced away from the incoming edges, which crossed the symbol."""
    a = Value(3.0, "a")
    out = a - a
    slots = "{<in1> 1|<in2> 2}"
    for rankdir, side, label in (
        ("LR", "w", f"{{{slots}|−}}"),
        ("TB", "n", f"{{{slots}|−}}"),
        ("RL", "e", f"{{−|{slots}}}"),
        ("BT", "s", f"{{−|{slots}}}"),
    ):
        source = draw(out, rankdir=rankdir).source
        ports = [port for _, b, port in ports_of(source) if b.endswith("op")]
        assert ports == [f":in1:{side}", f":in2:{side}"]
        assert nodes_of(source)[name_of(out, out) + "op"]["label"] == label


def test_the_demos_error_reads_y_minus_o2() -> None:
    """The demo drew e = y − o2 with o2 above y: y is input 1, o2 input 2."""
    from tests.golden.cases import notes_loss

    loss = notes_loss()
    e, y, o2 = (by_label(loss, label) for label in ("e", "y", "o2"))
    ports = {(a, port) for a, b, port in ports_of(draw(loss).source) if b == name_of(loss, e) + "op"}
    assert ports == {(name_of(loss, y), ":in1:w"), (name_of(loss, o2), ":in2:w")}


_SVG_NODE = re.compile(r'<g id="node\d+" class="node">\n<title>([^<]*)</title>(.*?)</g>', re.S)
_SVG_TEXT = re.compile(r'<text [^>]*x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>')


def test_numbered_slots_render_in_every_direction(tmp_path: Path) -> None:
    """Rendered, every op node's numbered slots lie between its inputs and its symbol, on
    the side its edges come in from (RL and BT drew them on the far side)."""
    x, y = Value(2.0, "x"), Value(-1.0, "y")
    outs = [x - y, x / y, *autograd.softmax([x, y, x * y])]
    # which way the inputs lie from the symbol: (axis, sign) in SVG coordinates (y grows downwards)
    upstream = {"LR": (0, -1), "RL": (0, 1), "TB": (1, -1), "BT": (1, 1)}
    for rankdir, (axis, sign) in upstream.items():
        svg = save_graph(outs, tmp_path / f"{rankdir}.svg", rankdir=rankdir).read_text(encoding="utf-8")
        assert svg.count(">softmax<") == 3 and "Warning" not in svg
        op_nodes = 0
        for title, body in _SVG_NODE.findall(svg):
            texts = [((float(tx), float(ty)), text) for tx, ty, text in _SVG_TEXT.findall(body)]
            if not title.endswith("op") or len(texts) < 3:
                continue
            op_nodes += 1
            (symbol,) = [at for at, text in texts if not text.isdigit()]
            for at, text in texts:
                if text.isdigit():
                    assert (at[axis] - symbol[axis]) * sign > 0, (rankdir, title, text)
        assert op_nodes == 5


# --------------------------------------------------------------------------- many outputs, named


def _shown_names(source: str) -> dict[str, str]:
    """DOT node name → the name a value node shows ("" for none)."""
    names = {}
    for node, attrs in nodes_of(source).items():
        fields = attrs["label"][1:-1].split(" | ")
        if "data" in attrs["label"] and not fields[0].startswith("data "):
            names[node] = fields[0]
    return names


def test_softmax_outputs_are_named_as_chain_rule_and_backprop_steps_name_them() -> None:
    """s = softmax([x1, x2, x3]); L = s[2]*2 + s[0]: the picture called s[0] softmax₁ (its place)
    while chain_rule wrote "where softmax₁ = e^x3 / Σₖ e^xₖ" (the order written)."""
    x1, x2, x3 = Value(1.0, "x1"), Value(2.0, "x2"), Value(3.0, "x3")
    s = autograd.softmax([x1, x2, x3])
    loss = s[2] * 2.0 + s[0]
    loss.label = "L"
    loss.backward()
    printed = str(chain_rule(loss, x1))
    step_names = {step.node: step.name for step in autograd.backprop_steps(loss)}
    pictures = [
        draw(loss).source,
        draw(loss, rankdir="TB", edge_derivatives=True).source,
        chain_rule(loss, x1).draw().source,
        autograd.Backprop(loss).step(2).draw().source,
    ]
    for source in pictures:
        shown = _shown_names(source)
        for i, out in ((0, s[0]), (2, s[2])):  # s[1] is not part of L's graph
            if name_of(loss, out) not in shown:
                continue  # not drawn in this picture
            name = shown[name_of(loss, out)]
            assert name.startswith("softmax") and name == node_names(loss)[out]
            assert f"{name} = e^x{i + 1} / Σₖ e^xₖ" in printed, (name, printed)
            assert step_names[out] == name
    assert shown[name_of(loss, s[2])] == "softmax₁" and shown[name_of(loss, s[0])] == "softmax₂"


def test_several_outputs_name_their_softmax_outputs_once_each_the_first_outputs_as_its_trace() -> None:
    x1, x2, x3 = Value(1.0, "x1"), Value(2.0, "x2"), Value(3.0, "x3")
    s = autograd.softmax([x1, x2, x3])
    loss = s[2] * 2.0 + s[0]
    roots = [loss, s[1], s[0]]
    shown = _shown_names(draw(roots).source)
    names = [shown[name_of(roots, out)] for out in s]
    assert names == ["softmax₂", "softmax₃", "softmax₁"]
    first = node_names(loss)
    assert [first[s[2]], first[s[0]]] == ["softmax₁", "softmax₂"]


def test_softmax_outputs_of_one_call_are_numbered_and_the_caption_names_them_never_reprs() -> None:
    """A caption read "backward not run yet from Value(0.0021657), Value(0.00588697), …: nodes
    only it reaches": reprs, and "it" for three outputs."""
    outs = autograd.softmax([Value(v) for v in (1.0, 2.0, 6.0, 9.0)])
    outs[0].backward()
    source = draw(outs, edge_derivatives=True).source
    shown = [
        attrs["label"].split(" |")[0][1:] for attrs in nodes_of(source).values() if "data" in attrs["label"]
    ]
    assert [s for s in shown if s.startswith("softmax")] == ["softmax₁", "softmax₂", "softmax₃", "softmax₄"]
    assert "Value(" not in source
    assert (
        "backward not run yet from softmax₂, softmax₃ and softmax₄: nodes only they reach show no grad"
        in source
    )


def test_a_caption_counts_unnamed_outputs_and_names_at_most_three() -> None:
    x = Value(0.5, "x")
    outs = [x.tanh(), x.sigmoid(), *autograd.log_softmax([x, x * 2.0, x * 3.0, x * 4.0, x * 5.0])]
    outs[0].backward()
    source = draw(outs).source
    # 3 left: log_softmax₄, log_softmax₅ (named, not listed) and the sigmoid (no name)
    expected = "from log_softmax₁, log_softmax₂, log_softmax₃ and 3 other outputs: nodes only they reach"
    assert expected in source
    x.label = ""
    # "other" referred to nothing: no output is named
    one = draw([outs[0], outs[1]]).source
    assert "backward not run yet from 1 unnamed output: nodes only it reaches show no grad" in one
    y1 = Value(1.0, "y").tanh()
    y1.label = "y1"
    y1.backward()
    two = draw([y1, x.tanh(), x.sigmoid()]).source
    assert "backward not run yet from 2 unnamed outputs: nodes only they reach show no grad" in two
    mixed = draw([outs[0], outs[1], outs[2]]).source
    assert "backward not run yet from log_softmax₁ and 1 unnamed output: nodes only they reach" in mixed


# --------------------------------------------------------------------------- boxes named as the notes


def _cluster_titles(source: str) -> dict[str, str]:
    lines = source.splitlines()
    return {
        m[1]: _attrs(lines[i + 1])["label"] for i, line in enumerate(lines) if (m := _CLUSTER.match(line))
    }


def test_scope_boxes_are_titled_as_the_notes_count_with_the_module_path() -> None:
    """A box titled "layers.0 › neurons.0" held node o11: the notes say layer 1, neuron o11."""
    import nn

    model = nn.MLP(2, [2, 1], seed=0)
    loss = nn.losses.mse([model([1.0, -2.0]), model([0.5, 0.5])], [1.0, 0.0])
    loss.backward()
    assert _cluster_titles(draw(loss).source) == {
        "layers.0": "layer 1 (layers.0)",
        "layers.0.neurons.0": "neuron o11 (neurons.0)",
        "layers.0.neurons.1": "neuron o12 (neurons.1)",
        "layers.1": "layer 2 (layers.1)",
        "layers.1.neurons.0": "neuron o21 (neurons.0)",
        "loss": "loss",
    }
    flat = [
        a["label"].split(" |")[0][1:]
        for a in nodes_of(draw(loss, collapse="neuron", clusters=False).source).values()
    ]
    assert "layer 1 › neuron o12 (layers.0.neurons.1)" in flat and "loss" in flat
    nested = [a["label"].split(" |")[0][1:] for a in nodes_of(draw(loss, collapse="layer").source).values()]
    assert {"layer 1 (layers.0)", "layer 2 (layers.1)"} <= set(nested)


def test_a_box_without_one_named_output_is_numbered_from_1() -> None:
    titles = _cluster_titles(draw(scoped_network()).source)
    assert titles["layers.0.neurons.1"] == "neuron 2 (neurons.1)"
    assert titles["layers.1"] == "layer 2 (layers.1)"
