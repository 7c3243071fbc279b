"""Drawing computation graphs with Graphviz: the picture is the chain rule.

Each value node shows its label, ``data`` and ``grad``; each op is its own small node
(``+``, ``×``, ``σ``, ``Σ``); with ``edge_derivatives=True`` every edge carries its local
derivative ∂child/∂parent, read from the node (``local_grads``), never recomputed, so
∂L/∂w₁ is the sum over paths of the products of the numbers on the edges.

``graphviz`` is imported only when a picture is made: the engine itself needs nothing
outside the standard library. Node names are positions in topological order, so the
same graph always gives byte-identical DOT source.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from . import graph
from .files import write_atomically
from .value import Value

if TYPE_CHECKING:
    import graphviz

DEFAULT_MAX_NODES = 500
HIGHLIGHT_COLOR = "#d62728"
GREY = "#a0a0a0"
RENDERED_FORMATS = ("png", "svg", "pdf")
SOURCE_SUFFIXES = (".dot", ".gv")
NOT_RUN_YET = "backward not run yet: no gradients shown"

INSTALL_DOT = (
    "install Graphviz: sudo apt-get install graphviz (Debian/Ubuntu), brew install graphviz (macOS) "
    "or conda install -c conda-forge graphviz"
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program, which turns DOT source into pictures, is not installed."""


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``: a picture of it would be a hairball."""


class HasNodes(Protocol):
    """A chain-rule path: the nodes from w up to L (``chain_rule(L, w).paths[k]``)."""

    @property
    def nodes(self) -> Sequence[Value]: ...


class HasNode(Protocol):
    """A backprop step: one node whose edges to its parents are applied."""

    @property
    def node(self) -> Value: ...


Highlight = Value | HasNodes | HasNode | Iterable[Any]
Collapse = Literal["neuron", "layer"]
EdgeKey = tuple[Value, Value] | tuple[Value, Value, int]
"""``(parent, child)`` for every edge between them, ``(parent, child, i)`` for input i of child."""
Edge = tuple[Value, Value, int]

_COLLAPSE_DEPTH = {"layer": 1, "neuron": 2}
RANKDIRS = ("LR", "RL", "TB", "BT")
"""The directions a picture may flow: ``rankdir=`` of ``draw``."""
_INPUT_SIDE = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}  # the compass side edges flow in from
_SLOTS_LAST = ("e", "s")  # a record's fields run west to east and north to south whatever the rankdir


# ----------------------------------------------------------------------------- public API


def draw(
    root: Value | Sequence[Value],
    *,
    grads: bool = True,
    edge_derivatives: bool = False,
    highlight: Highlight | None = None,
    focus: Value | None = None,
    nodes: Iterable[Value] | None = None,
    show_inputs: bool = True,
    node_colors: Mapping[Value, str] | None = None,
    edge_colors: Mapping[EdgeKey, str | Sequence[str]] | None = None,
    caption: str | None = None,
    collapse: Collapse | None = None,
    clusters: bool = True,
    rankdir: str = "LR",
    digits: int = 4,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """The computation graph of ``root`` (a Value or a list of outputs) as a ``graphviz.Digraph``.

    Jupyter shows the result inline; ``save_graph`` writes it to a file. Value nodes show
    label, data and grad to ``digits`` significant digits (no grads before a backward:
    the caption then says "backward not run yet"); ``edge_derivatives=True`` labels each
    edge with its local derivative.

    - ``highlight``: a node, a list of nodes, a chain-rule path (anything with ``.nodes``)
      or a backprop step (anything with ``.node``) is drawn in red, with its edges.
    - ``focus=w``: only the nodes on some path from w up to the root; ``nodes=[...]``: only
      those. Inputs of drawn nodes outside that set are shown greyed (``show_inputs``), so
      every local derivative's ingredients are visible.
    - ``node_colors``, ``edge_colors`` and ``caption`` colour chosen nodes and edges and
      write text under the picture (several colours on one edge are drawn side by side).
    - Scopes (``layers.1.neurons.0``) become nested labelled boxes; ``collapse="neuron"``
      or ``"layer"`` draws each neuron or layer (or other scope, such as ``loss``) as one
      node, and leaves with the same label feeding the same collapsed nodes (``x1`` of
      every sample) as one. An unscoped leaf whose consumers all share one scope (a
      weight, a constant) is drawn in that scope.
    - More than ``max_nodes`` drawn nodes raises ``GraphTooLargeError``.
    """
    roots = _roots(root)
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"draw: digits must be an int from 1 to 17, got {digits!r}")
    if collapse is not None and collapse not in _COLLAPSE_DEPTH:
        raise ValueError(f"draw: collapse must be 'neuron', 'layer' or None, got {collapse!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw: max_nodes must be a positive int, got {max_nodes!r}")

    order = graph.topological_order(roots)
    position = {node: i for i, node in enumerate(order)}
    core = _selection(roots, order, position, focus, nodes)
    core_set = set(core)
    greyed: set[Value] = set()
    if show_inputs and len(core) < len(order):
        greyed = {p for node in core for p in node.parents if p not in core_set}
    drawn = sorted(core_set | greyed, key=position.__getitem__)
    scopes = _scopes(drawn, core_set)
    names = _generated_names(roots, order)
    titles = _box_titles(order, scopes, roots, names)
    groups = _groups(core, scopes, collapse, clusters, titles)
    count = len(drawn) - len(groups) + len(set(groups.values()))
    if count > max_nodes:
        raise GraphTooLargeError(
            f"draw: the graph has {count} nodes, more than max_nodes={max_nodes}; draw one node per "
            "neuron or layer with collapse='neuron' or collapse='layer', a sub-graph with focus=w or "
            "nodes=[...], or raise max_nodes"
        )

    lit_nodes, lit_edges = _highlighted(highlight)
    colors = _edge_colors(edge_colors or {})
    for edge in lit_edges:
        colors.setdefault(edge, []).append(HIGHLIGHT_COLOR)

    picture = _digraph_class()(name="computation graph", graph_attr={"rankdir": rankdir})
    # a leaf's backward_ran may come from another graph it is part of, so ask the outputs
    ran_roots = [r for r in roots if r.backward_ran]
    with_grads = set(graph.topological_order(ran_roots)) if grads and ran_roots else set()
    builder = _Builder(
        position, scopes, groups, titles, names, digits, clusters, with_grads, _INPUT_SIDE[rankdir]
    )

    for node in drawn:
        style: dict[str, str] = {"color": GREY, "fontcolor": GREY} if node in greyed else {}
        color = HIGHLIGHT_COLOR if node in lit_nodes else (node_colors or {}).get(node)
        if color is not None:
            style.update(color=color, penwidth="2")
        builder.value_node(node, node in with_grads, style)
        if node in core_set and node.op is not None:
            builder.op_node(node)

    for child in core:
        for i, (parent, local) in enumerate(graph.edges(child)):
            if parent in core_set or parent in greyed:
                style = _edge_style(colors.get((parent, child, i), []))
                if parent in greyed:
                    style.setdefault("color", GREY)
                label = _number(local, digits) if edge_derivatives else None
                builder.edge(parent, child, i, label, style)
        if child.op is not None:
            # the op's own arrow carries the colours of every edge into it, so a path reads through it
            into = [c for i, parent in enumerate(child.parents) for c in colors.get((parent, child, i), [])]
            builder.op_edge(child, _edge_style(into))

    lines = caption.splitlines() if caption else []
    if grads and not ran_roots:
        lines.append(NOT_RUN_YET)
    elif grads and len(ran_roots) < len(roots):
        lines.append(_not_run_from([r for r in roots if not r.backward_ran], names))
    if lines:
        picture.attr(label="".join(_escape_text(line) + "\\l" for line in lines), labelloc="b", labeljust="l")
    builder.emit(picture)
    return picture


def save_graph(root: Value | Sequence[Value] | Any, path: str | os.PathLike[str], **options: Any) -> Path:
    """Draw ``root`` (options as for ``draw``) and write it to ``path``; returns the path.

    ``root`` may also be a picture already drawn (a ``graphviz.Digraph``) or anything
    that draws itself, such as ``chain_rule(L, w1)`` or a ``Backprop`` stepper.

    The extension picks the format: ``.png``, ``.svg`` or ``.pdf`` are rendered by
    Graphviz's ``dot`` program; ``.dot`` or ``.gv`` write the DOT source and need no
    program. The file appears whole or not at all: it is written to a temporary file
    beside it and then renamed.
    """
    target = writable_target(path)
    suffix = target.suffix.lower()
    if hasattr(root, "source") and hasattr(root, "pipe"):
        if options:
            raise TypeError(f"save_graph: a drawn picture takes no drawing options, got {sorted(options)}")
        picture = root
    elif not isinstance(root, Value) and callable(draw_itself := getattr(root, "draw", None)):
        picture = draw_itself(**options)
    else:
        picture = draw(root, **options)
    if suffix in SOURCE_SUFFIXES:
        data: bytes = picture.source.encode("utf-8")
    else:
        with _dot_program_needed(f"writing {target.name}"):
            data = picture.pipe(format=suffix[1:])
    write_atomically(target, data)
    return target


def writable_target(path: str | os.PathLike[str]) -> Path:
    """``path`` if ``save_graph`` can write it: a known extension in an existing, writable directory.

    Raises ``ValueError`` for an empty path, one ending in a separator (a directory's
    name, which ``Path`` would silently drop) or an unknown extension; ``OSError`` for a bad place.
    """
    text = os.fspath(path)
    if not text:
        raise ValueError("save_graph: the output path is empty; give a file name such as graph.png")
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if text.endswith(separators):
        raise ValueError(
            f"save_graph: {text!r} ends with {text[-1]!r}, so it names a directory, not a file; "
            f"drop the {text[-1]!r} or add a file name such as graph.png"
        )
    target = Path(text)
    suffix = target.suffix.lower()
    if suffix not in SOURCE_SUFFIXES and suffix[1:] not in RENDERED_FORMATS:
        known = ", ".join([f".{f}" for f in RENDERED_FORMATS] + list(SOURCE_SUFFIXES))
        raise ValueError(f"save_graph: cannot tell the format of {str(target)!r}; use one of {known}")
    directory = target.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"save_graph: the directory {str(directory)!r} does not exist")
    if target.is_dir():
        raise IsADirectoryError(f"save_graph: {str(target)!r} is a directory, not a file name")
    if not os.access(directory, os.W_OK):
        raise PermissionError(f"save_graph: the directory {str(directory)!r} is not writable")
    return target


# ----------------------------------------------------------------------------- what to draw


def _roots(root: object) -> list[Value]:
    if isinstance(root, Value):
        return [root]
    if isinstance(root, (str, bytes)) or not isinstance(root, Iterable):
        raise TypeError(f"draw: root must be a Value or a list of Values, got {type(root).__name__}")
    roots = list(root)
    if not roots:
        raise ValueError("draw: the list of outputs is empty")
    for r in roots:
        if not isinstance(r, Value):
            raise TypeError(f"draw: every output must be a Value, got {type(r).__name__}")
    return roots


def _selection(
    roots: list[Value],
    order: list[Value],
    position: Mapping[Value, int],
    focus: Value | None,
    nodes: Iterable[Value] | None,
) -> list[Value]:
    """The nodes drawn in full, in topological order: all, those between focus and the roots, or ``nodes``."""
    if focus is not None and nodes is not None:
        raise ValueError("draw: pass focus or nodes, not both")
    if focus is not None:
        if not isinstance(focus, Value):
            raise TypeError(f"draw: focus must be a Value, got {type(focus).__name__}")
        between = {node for r in roots for node in graph.nodes_between(r, focus)}
        if not between:
            raise ValueError(f"draw: the output does not depend on the focus node {_name(focus)}")
        return [node for node in order if node in between]
    if nodes is not None:
        chosen = set()
        for node in nodes:
            if not isinstance(node, Value):
                raise TypeError(f"draw: nodes must be Values, got {type(node).__name__}")
            if node not in position:
                raise ValueError(f"draw: the node {_name(node)} is not in the graph of the output")
            chosen.add(node)
        return sorted(chosen, key=position.__getitem__)
    return order


def _scope_boxes(scope: str) -> tuple[str, ...]:
    """The boxes a scope sits in, outermost first: ``layers.1.neurons.0`` → (``layers.1``,
    ``layers.1.neurons.0``); a number belongs to the name before it."""
    if not scope:
        return ()
    parts: list[str] = []
    for part in scope.split("."):
        if part.isdigit() and parts:
            parts[-1] += "." + part
        else:
            parts.append(part)
    return tuple(".".join(parts[: k + 1]) for k in range(len(parts)))


def _scopes(drawn: list[Value], core: set[Value]) -> dict[Value, str]:
    """Each drawn node's scope. A leaf whose consumers all share one scope inside its own
    takes it, so a neuron's weights and constants sit in the neuron's box wherever they were made."""
    scopes = {node: node.scope for node in drawn}
    consumers: dict[Value, set[str]] = {}
    for node in core:
        for parent in node.parents:
            if parent.is_leaf:
                consumers.setdefault(parent, set()).add(node.scope)
    for leaf, shared in consumers.items():
        if len(shared) == 1:
            (scope,) = shared
            if scope != leaf.scope and (not leaf.scope or scope.startswith(leaf.scope + ".")):
                scopes[leaf] = scope
    return scopes


@dataclass(frozen=True)
class _Group:
    """Nodes drawn as one: a collapsed neuron, layer or other scope, or a bundle of like leaves."""

    key: str
    title: str
    boxes: tuple[str, ...]  # the scope boxes it is drawn in
    leaves: bool = False


def _box_titles(
    order: list[Value], scopes: Mapping[Value, str], roots: list[Value], names: Mapping[Value, str]
) -> dict[str, str]:
    """Each scope box → its title in the notes' words, counted from 1, with the module path
    after it: ``layers.0`` → "layer 1 (layers.0)"; an innermost box (a neuron) by the label of
    its one output, "neuron o11 (neurons.0)", else by number, "neuron 1 (neurons.0)".
    A box without a number (``loss``) keeps its name."""
    boxes_of = {node: _scope_boxes(scopes.get(node, node.scope)) for node in order}
    outputs: dict[str, set[str]] = {}  # box → names of its nodes used outside it, or outputs of the graph
    for child in order:
        for parent in child.parents:
            for box in set(boxes_of[parent]) - set(boxes_of[child]):
                outputs.setdefault(box, set()).add(_shown_name(parent, names))
    for root in roots:
        for box in boxes_of[root]:
            outputs.setdefault(box, set()).add(_shown_name(root, names))
    every = {box for boxes in boxes_of.values() for box in boxes}
    outer = {box for boxes in boxes_of.values() for box in boxes[:-1]}
    titles = {}
    for box in every:
        part = _last_part(box)
        name, _, number = part.rpartition(".")
        if not name or not number.isdigit():
            titles[box] = part
            continue
        kind = name[:-1] if name.endswith("s") and not name.endswith("ss") else name
        named = outputs.get(box, set())
        one_label = next(iter(named)) if box not in outer and len(named) == 1 else ""
        titles[box] = f"{kind} {one_label or int(number) + 1} ({part})"
    return titles


def _full_title(box: str, titles: Mapping[str, str]) -> str:
    """A box's title with its enclosing boxes', for a picture without nested boxes:
    "layer 1 › neuron o11 (layers.0.neurons.0)"."""
    short = [titles[b].removesuffix(f" ({_last_part(b)})") for b in _scope_boxes(box)]
    path = f" ({box})" if titles[box] != _last_part(box) or len(short) > 1 else ""
    return " › ".join(short) + path


def _groups(
    core: list[Value],
    scopes: Mapping[Value, str],
    collapse: Collapse | None,
    clusters: bool,
    titles: Mapping[str, str],
) -> dict[Value, _Group]:
    """Node → the node it is collapsed into (nodes drawn as themselves are absent)."""
    if collapse is None:
        return {}
    depth = _COLLAPSE_DEPTH[collapse]
    by_box: dict[str, _Group] = {}
    groups: dict[Value, _Group] = {}
    for node, scope in scopes.items():
        boxes = _scope_boxes(scope)
        if boxes:
            box = boxes[min(depth, len(boxes)) - 1]
            if box not in by_box:
                title = titles[box] if clusters else _full_title(box, titles)
                by_box[box] = _Group(box, title, _scope_boxes(box)[:-1])
            groups[node] = by_box[box]
    # a data set's inputs: x1 of every sample feeds the same neurons, so they are drawn as one
    consumers: dict[Value, set[str | None]] = {}
    for node in core:
        for parent in node.parents:
            if parent.is_leaf and parent not in groups:
                group = groups.get(node)
                consumers.setdefault(parent, set()).add(group.key if group else None)
    bundles: dict[tuple[str, frozenset[str | None]], list[Value]] = {}
    for leaf, used_by in consumers.items():
        if None not in used_by:
            bundles.setdefault((leaf.label, frozenset(used_by)), []).append(leaf)
    for (label, targets), leaves in bundles.items():
        if len(leaves) > 1:
            bundle = _Group(f"{label} → {', '.join(sorted(map(str, targets)))}", label, (), leaves=True)
            groups.update(dict.fromkeys(leaves, bundle))
    return groups


def _highlighted(highlight: Highlight | None) -> tuple[set[Value], set[Edge]]:
    """The nodes and edges to colour: a node, a path's nodes and the edges along it, a step's
    node with its parents and the edges into it, or any list of these."""
    lit_nodes: set[Value] = set()
    lit_edges: set[Edge] = set()
    pending: list[Any] = [] if highlight is None else [highlight]
    while pending:
        item = pending.pop()
        if isinstance(item, Value):
            lit_nodes.add(item)
        elif isinstance(getattr(item, "node", None), Value):
            node = item.node
            lit_nodes.add(node)
            lit_nodes.update(node.parents)
            lit_edges.update((parent, node, i) for i, parent in enumerate(node.parents))
        elif hasattr(item, "nodes"):
            path = list(item.nodes)
            lit_nodes.update(path)
            exact = [(e.parent, e.child, e.index) for e in getattr(item, "edges", ())]
            if exact:  # a path through x * x uses one of its two edges
                lit_edges.update(exact)
            else:
                for a, b in itertools.pairwise(path):
                    lit_edges.update(_edges_between(a, b) or _edges_between(b, a))
        elif hasattr(item, "paths"):
            pending.extend(item.paths)
        elif isinstance(item, Iterable) and not isinstance(item, (str, bytes)):
            pending.extend(item)
        else:
            raise TypeError(
                "draw: highlight takes a Value, a list of Values, a chain-rule path or a backprop step, "
                f"got {type(item).__name__}"
            )
    return lit_nodes, lit_edges


def _edges_between(parent: Value, child: Value) -> list[Edge]:
    return [(parent, child, i) for i, p in enumerate(child.parents) if p is parent]


def _edge_colors(edge_colors: Mapping[EdgeKey, str | Sequence[str]]) -> dict[Edge, list[str]]:
    colors: dict[Edge, list[str]] = {}
    for key, value in edge_colors.items():
        if len(key) == 3:
            parent, child, i = key
            if not 0 <= i < len(child.parents) or child.parents[i] is not parent:
                raise ValueError(f"draw: edge_colors: input {i} of {_name(child)} is not {_name(parent)}")
            edges = [(parent, child, i)]
        else:
            parent, child = key
            edges = _edges_between(parent, child)
            if not edges:
                raise ValueError(f"draw: edge_colors: {_name(parent)} is not an input of {_name(child)}")
        for edge in edges:
            colors.setdefault(edge, []).extend([value] if isinstance(value, str) else value)
    return colors


# ----------------------------------------------------------------------------- DOT


class _Builder:
    """Collects DOT statements by scope box, then writes the boxes nested and the edges after them."""

    def __init__(
        self,
        position: Mapping[Value, int],
        scopes: Mapping[Value, str],
        groups: Mapping[Value, _Group],
        titles: Mapping[str, str],
        names: Mapping[Value, str],
        digits: int,
        clusters: bool,
        with_grads: set[Value],
        input_side: str,
    ) -> None:
        self.position = position
        self.input_side = input_side
        self.with_grads = with_grads
        self.scopes = scopes
        self.groups = groups
        self.titles = titles
        self.names = names
        self.digits = digits
        self.clusters = clusters
        self.boxes: dict[tuple[str, ...], list[tuple[str, dict[str, str]]]] = {}
        self.edges: dict[tuple[str, str], list[tuple[str | None, dict[str, str]]]] = {}
        self.group_names: dict[_Group, str] = {}
        self.group_members: dict[_Group, list[Value]] = {}
        self.group_styles: dict[_Group, dict[str, str]] = {}

    def _place(self, boxes: tuple[str, ...], name: str, attrs: dict[str, str]) -> None:
        self.boxes.setdefault(boxes if self.clusters else (), []).append((name, attrs))

    def _value_name(self, node: Value) -> str:
        group = self.groups.get(node)
        return self.group_names[group] if group is not None else f"n{self.position[node]}"

    def value_node(self, node: Value, show_grad: bool, style: dict[str, str]) -> None:
        group = self.groups.get(node)
        if group is not None:
            if group not in self.group_names:
                self.group_names[group] = f"g{len(self.group_names)}"
                self.group_members[group] = []
                self.group_styles[group] = {}
            self.group_members[group].append(node)
            if "penwidth" in style:  # a coloured member colours its neuron or layer
                self.group_styles[group].update(style)
            return
        data = _number(node.data, self.digits)
        # a constant is labelled with its value already
        name = _shown_name(node, self.names)
        shown = name and not (node.is_leaf and node.label in (data, f"{node.data:g}"))
        fields = [_escape_record(name)] if shown else []
        fields.append(f"data {data}")
        if show_grad:
            fields.append(f"grad {_number(node.grad, self.digits)}")
        attrs = {"label": "{" + " | ".join(fields) + "}", "shape": "record", **style}
        self._place(self._boxes(node), self._value_name(node), attrs)

    def _boxes(self, node: Value) -> tuple[str, ...]:
        return _scope_boxes(self.scopes[node])

    def op_node(self, node: Value) -> None:
        if node not in self.groups:
            assert node.op is not None
            attrs = {"label": node.op.symbol}
            if _inputs_in_order(node):
                # {slots | symbol}: the slots stack across the direction of flow, on the side the
                # edges come in from. Records lay fields out left to right and top to bottom in
                # every rankdir, so for RL and BT the symbol comes first and the slots face east/south.
                slots = "{" + "|".join(f"<{_slot(i)}> {i + 1}" for i in range(len(node.parents))) + "}"
                symbol = _escape_record(node.op.symbol)
                fields = (symbol, slots) if self.input_side in _SLOTS_LAST else (slots, symbol)
                attrs = {"label": "{" + "|".join(fields) + "}", "shape": "Mrecord"}
            self._place(self._boxes(node), f"n{self.position[node]}op", attrs)

    def op_edge(self, node: Value, style: dict[str, str]) -> None:
        if node not in self.groups:
            name = f"n{self.position[node]}"
            self.edges.setdefault((f"{name}op", name), []).append((None, style))

    def edge(self, parent: Value, child: Value, index: int, label: str | None, style: dict[str, str]) -> None:
        source = self._value_name(parent)
        group = self.groups.get(child)
        if group is None:
            target = f"n{self.position[child]}op"
            if _inputs_in_order(child):
                target += f":{_slot(index)}:{self.input_side}"
        elif self.groups.get(parent) == group:
            return  # inside one collapsed neuron or layer
        else:
            target = self.group_names[group]
        parallel = self.edges.setdefault((source, target), [])
        if parent in self.groups or child in self.groups:
            # one arrow per pair of boxes, unlabelled: a number on it would not say which inner edge it is
            if not parallel:
                parallel.append((None, style))
        else:
            parallel.append((label, style))

    def emit(self, picture: Any) -> None:
        outputs = self._group_outputs()
        for group in sorted(self.group_names, key=lambda g: _natural(g.key)):
            self._place(group.boxes, self.group_names[group], self._group_attrs(group, outputs[group]))
        self._emit_box(picture, ())
        for (source, target), parallel in self.edges.items():
            for label, style in parallel:
                attrs = dict(style)
                attrs.pop("fontcolor", None)
                if label is not None:
                    attrs["label"] = label
                picture.edge(source, target, **attrs)

    def _group_outputs(self) -> dict[_Group, list[Value]]:
        """Each collapsed box's outputs: members used outside it, or by nothing (an output of the graph)."""
        used_outside: set[Value] = set()
        used: set[Value] = set()
        for node in self.position:
            group = self.groups.get(node)
            for parent in node.parents:
                used.add(parent)
                if parent in self.groups and self.groups[parent] != group:
                    used_outside.add(parent)
        return {
            group: [n for n in members if n in used_outside or n not in used]
            for group, members in self.group_members.items()
        }

    def _group_attrs(self, group: _Group, outputs: list[Value]) -> dict[str, str]:
        """A collapsed neuron or layer: its name, its size, and its output's data and grad."""
        size = len(self.group_members[group])
        fields = [_escape_record(group.title), f"{size} {'leaves' if group.leaves else 'nodes'}"]
        if not group.leaves and len(outputs) == 1:
            out = outputs[0]
            fields.append(f"out {_number(out.data, self.digits)}")
            if out in self.with_grads:
                fields.append(f"grad {_number(out.grad, self.digits)}")
        elif not group.leaves:
            fields.append(f"{len(outputs)} outputs")
        attrs = {"label": "{" + " | ".join(fields) + "}", "shape": "record", "style": "rounded"}
        attrs.update(self.group_styles[group])
        return attrs

    def _emit_box(self, into: Any, boxes: tuple[str, ...]) -> None:
        for name, attrs in self.boxes.get(boxes, []):
            into.node(name, **attrs)
        depth = len(boxes)
        inner = _unique(b[: depth + 1] for b in self.boxes if len(b) > depth and b[:depth] == boxes)
        for box_path in sorted(inner, key=lambda b: _natural(b[-1])):
            # escaped like a label: a scope ending in a backslash would end the quoted name early
            with into.subgraph(name=_escape_text(f"cluster {box_path[-1]}")) as box:
                # labelloc/labeljust set here, or a box inherits the caption's (bottom left)
                box.attr(
                    label=_escape_text(self.titles[box_path[-1]]),
                    labelloc="t",
                    labeljust="l",
                    style="rounded",
                    color="#8c8c8c",
                )
                self._emit_box(box, box_path)


def _inputs_in_order(node: Value) -> bool:
    """Whether the op of ``node`` tells its inputs apart (a − b, a / b, softmax): pictures number
    them, input 1 first, each edge ending in its slot; a ``symmetric`` op is a plain symbol."""
    return node.op is not None and len(node.parents) > 1 and not node.op.symmetric


def _slot(index: int) -> str:
    """The port of input ``index`` on an op node drawn with numbered slots."""
    return f"in{index + 1}"


def _last_part(box: str) -> str:
    """``layers.1.neurons.0`` → ``neurons.0``: a box is labelled inside its parent's box."""
    boxes = _scope_boxes(box)
    return box[len(boxes[-2]) + 1 :] if len(boxes) > 1 else box


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``layers.2`` before ``layers.10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in text.split("."))


def _edge_style(colors: Sequence[str]) -> dict[str, str]:
    if not colors:
        return {}
    return {"color": ":".join(_unique(colors)), "penwidth": "2"}


def _unique(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


def _number(x: float, digits: int) -> str:
    return f"{x:.{digits}g}"


def _generated_names(roots: Sequence[Value], order: Iterable[Value]) -> dict[Value, str]:
    """The names pictures give unlabelled outputs of softmax and other many-output ops: the
    names ``chain_rule`` and ``backprop_steps`` print (``trace.node_names``, numbered in the
    order written, ``softmax₁`` first), never their place among the op's outputs.

    A picture of several outputs is named as one graph with all of them as outputs, the
    first one's nodes first: unique in the picture, and the first output's names are its own.
    """
    unnamed = [node for node in order if not node.label and node.op is not None and node.op.multi_output]
    if not unnamed:
        return {}
    from .trace import node_names  # trace draws its pictures with this module

    names = node_names(roots)
    return {node: names[node] for node in unnamed}


def _shown_name(node: Value, names: Mapping[Value, str]) -> str:
    """What a picture calls a node: its label, or the name in ``names`` (see ``_generated_names``);
    an unlabelled node of any other op has no name (its op node shows the symbol): ``""``."""
    return node.label or names.get(node, "")


def _not_run_from(missing: Sequence[Value], names: Mapping[Value, str]) -> str:
    """The caption for outputs no backward has run from, by name: at most three named, the
    rest counted ("2 unnamed outputs", or "2 other outputs" when some of them have names)."""
    shown = [name for name in (_shown_name(node, names) for node in missing) if name]
    listed_names = shown[:3]
    others = len(missing) - len(listed_names)
    if others:
        # "other" only beside names it can be other than, and only if some of those left have names
        kind = "other" if len(shown) > len(listed_names) else "unnamed"
        listed_names.append(f"{others} {kind} output{'s' if others > 1 else ''}")
    listed = (
        listed_names[0]
        if len(listed_names) == 1
        else f"{', '.join(listed_names[:-1])} and {listed_names[-1]}"
    )
    reach = "it reaches" if len(missing) == 1 else "they reach"
    return f"backward not run yet from {listed}: nodes only {reach} show no grad"


def _name(node: Value) -> str:
    return repr(node.label) if node.label else f"Value({node.data:g})"


def _escape_record(text: str) -> str:
    """Record labels treat ``{ } | < >`` as layout; a label with them is drawn as written,
    and a line break in it as a line break (DOT's ``\\n``), not dropped."""
    escaped = "".join("\\" + c if c in "{}|<>\\" else c for c in text)
    return "\\n".join(escaped.splitlines())


def _escape_text(text: str) -> str:
    """``text`` drawn as written: backslashes literal and ``<…>`` never an HTML-like label."""
    import graphviz

    escaped: str = graphviz.escape(text)  # a str that graphviz's quoting never reads as <HTML>
    return escaped


# ----------------------------------------------------------------------------- rendering


@contextlib.contextmanager
def _dot_program_needed(what: str) -> Iterator[None]:
    import graphviz

    try:
        yield
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(
            f"{what} needs Graphviz's `dot` program, which was not found on PATH; {INSTALL_DOT}. "
            "The DOT source needs no program: draw(root).source, or save_graph(root, 'graph.dot')"
        ) from None


@functools.cache
def _digraph_class() -> type[Any]:
    """``graphviz.Digraph`` whose rendering (also Jupyter's inline picture) names the missing ``dot``."""
    import graphviz

    class ComputationGraph(graphviz.Digraph):  # type: ignore[misc]
        """A drawn computation graph: a ``graphviz.Digraph`` that Jupyter shows inline."""

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_program_needed("rendering the graph"):
                return super().pipe(*args, **kwargs)

        def render(self, *args: Any, **kwargs: Any) -> Any:
            with _dot_program_needed("rendering the graph"):
                return super().render(*args, **kwargs)

    return ComputationGraph
