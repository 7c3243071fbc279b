"""chain_rule(L, w).draw(): the chain rule as one picture, each path in its own colour."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograd import Value, chain_rule, graph, save_graph
from autograd.examples import notes_network
from autograd.trace import PATH_COLORS

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def _notes() -> tuple[Value, dict[str, Value]]:
    loss, nodes = notes_network()
    loss.backward()
    return loss, nodes


def _value_nodes(source: str, grey: bool) -> list[str]:
    """The first field of each value node drawn (its label, or ``data …`` when unlabelled)."""
    found = []
    for line in source.splitlines():
        match = re.search(r'label="\{ ?([^|]*?) ?\|', line)
        if match and "shape=record" in line and ('color="#a0a0a0"' in line) == grey:
            found.append(match.group(1).strip())
    return found


def test_the_notes_picture_matches_its_golden_file() -> None:
    loss, nodes = _notes()
    source = chain_rule(loss, nodes["w1"]).draw().source
    assert source == (GOLDEN / "notes_chain_rule_w1.dot").read_text(encoding="utf-8"), (
        "regenerate with: python -m tests.golden.regenerate"
    )


def test_the_picture_holds_exactly_the_two_paths_plus_greyed_inputs() -> None:
    loss, nodes = _notes()
    rule = chain_rule(loss, nodes["w1"])
    source = rule.draw().source
    on_paths = graph.nodes_between(loss, nodes["w1"])
    named_on_paths = {n.label for n in on_paths if n.label}
    inputs = {p for n in on_paths for p in n.parents} - set(on_paths)
    drawn, greyed = _value_nodes(source, grey=False), _value_nodes(source, grey=True)
    assert len(drawn) == len(on_paths) and len(greyed) == len(inputs)
    assert named_on_paths == {name for name in drawn if not name.startswith("data ")}
    assert {p.label for p in inputs if p.label} == {name for name in greyed if not name.startswith("data ")}
    assert "x2" in {p.label for p in inputs}, "x2 feeds o11 and o12 beside w1: greyed, not on a path"


def test_each_path_has_its_own_colour_and_the_caption_sums_them() -> None:
    loss, nodes = _notes()
    rule = chain_rule(loss, nodes["w1"])
    source = rule.draw().source
    first, second = PATH_COLORS[:2]
    assert source.count(first) >= len(rule.paths[0].edges)
    assert source.count(second) >= len(rule.paths[1].edges)
    assert PATH_COLORS[2] not in source
    assert "path 1 (blue)" in source and "path 2 (orange)" in source
    assert f"= {nodes['w1'].grad:.6g} = w1.grad" in source


def test_shared_edges_carry_both_colours() -> None:
    # y = L(o11(w1), o12(w1)) shares the edge from L's own inputs near the root
    loss, nodes = _notes()
    source = chain_rule(loss, nodes["w1"]).draw().source
    assert f'color="{PATH_COLORS[0]}:{PATH_COLORS[1]}"' in source


def test_too_many_paths_draws_the_subgraph_without_colours() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(12):  # 2¹² paths
        y = y * 1.01 + y * 0.99
    y.label = "y"
    y.backward()
    rule = chain_rule(y, x, max_paths=100)
    source = rule.draw().source
    assert "4,096 paths" in source
    assert not any(colour in source for colour in PATH_COLORS)


def test_save_graph_writes_the_picture_as_png(tmp_path: Path) -> None:
    loss, nodes = _notes()
    rule = chain_rule(loss, nodes["w1"])
    written = save_graph(rule, tmp_path / "w1.png")
    data = written.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    picture = save_graph(rule.draw(), tmp_path / "w1.svg")
    assert picture.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    with pytest.raises(TypeError, match="takes no drawing options"):
        save_graph(rule.draw(), tmp_path / "again.png", digits=3)
