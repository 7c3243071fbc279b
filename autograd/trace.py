"""Chain-rule tracing and step-by-step backprop: why a gradient has the value it has.

∂L/∂w is the sum, over every path from w up to L, of the product of the local
derivatives on the path's edges; the notes write it for a 2-2-1 network as
∂L/∂w₁ = [∂L/∂O₃₁ · ∂O₃₁/∂O₂₁ · ∂O₂₁/∂O₁₁ · ∂O₁₁/∂w₁] + [∂L/∂O₃₁ · ∂O₃₁/∂O₂₂ · ∂O₂₂/∂O₁₂ · ∂O₁₂/∂w₁].
``chain_rule`` lists those paths with their formulas and numbers; ``backprop_steps`` and
``Backprop`` show reverse mode computing the same sum with one visit per node;
``forward_steps`` shows the forward pass the notes do as "Step 1 … Step 2 …".

Everything here reads the local derivatives the ops stored on the edges
(``graph.edges``) and the derivative texts of the ``OPS`` table; no derivative is
worked out in this module.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex, overload

from . import graph
from .value import Value

if TYPE_CHECKING:
    from .draw import EdgeKey

__all__ = [
    "Backprop",
    "ChainRule",
    "Edge",
    "ForwardStep",
    "ForwardSteps",
    "Path",
    "Segment",
    "Step",
    "TooManyPathsError",
    "Update",
    "backprop_steps",
    "chain_rule",
    "forward_steps",
    "node_names",
]

_NOTEBOOKS_HINT = 'install the notebooks extra: pip install "chainrule[notebooks]"'

# ----------------------------------------------------------------------------- names

_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def node_names(root: Value | Sequence[Value]) -> dict[Value, str]:
    """A name for every node of ``root``'s graph: unique within it, readable, and the same
    every time for the same graph (in forward order). Several outputs are named as one
    graph, the first one's nodes first, so its names are those it has alone.

    - A labelled node is called by its label (``o11``, ``w1``) when no other node of the
      graph has that label. When several do (every ``nn`` neuron labels its nodes ``Σwx``,
      ``z``, ``o`` and its parameters ``w1 … wn``, ``b``), they are qualified by the
      shortest end of their scopes that tells them apart: ``neurons.0.o`` and
      ``neurons.1.o`` in a layer, ``layers.0.neurons.1.z`` when another layer has a
      ``neurons.1`` too (one length for all nodes sharing a label, so siblings read alike).
    - A constant (a leaf made from a plain number, labelled with its value) is called
      ``const 2``, so ∂L/∂const 2 never reads as a derivative of the number 2; formulas
      still write its number (``x · 2``).
    - An unlabelled node made inside a scope is called by the scope and its op
      (``layers.0.neurons.1.dot``, ``loss.pow``), numbered only when the scope holds
      several nodes of that op; outside any scope by its op, numbered in forward order
      (``tanh₁``, ``add₂``; an unlabelled leaf is ``leaf₁``).
    - A name still shared (the same label in the same scope: a model called on two
      samples) is numbered in forward order: ``x1#1``, ``x1#2``.
    """
    for output in [root] if isinstance(root, Value) else root:
        _require_value(output, "node_names")
    return _names(root)[0]


# An op whose table name is an implementation detail is named by what it computes:
# ``x ** 2`` and ``2 ** x`` are both a power to a learner.
_KIND = {"pow_const": "pow", "exp_base": "pow"}


def _names(root: Value | Sequence[Value]) -> tuple[dict[Value, str], dict[Value, str]]:
    """``node_names(root)``, and the names formulas write: the same, but a constant's number."""
    order = _written_order(root)
    names: dict[Value, str] = {}
    # unlabelled nodes: scope and op, numbered where needed
    bases = {node: _base_name(node) for node in order if not node.label}
    how_many = Counter(bases.values())
    seen: Counter[str] = Counter()
    for node, base in bases.items():
        seen[base] += 1
        unique_in_scope = bool(node.scope) and how_many[base] == 1
        names[node] = base if unique_in_scope else base + str(seen[base]).translate(_SUBSCRIPT)
    # labelled nodes: the label, qualified by as much of the scope as tells apart those sharing it
    sharing: dict[str, list[Value]] = {}
    for node in order:
        if node.label:
            sharing.setdefault(_label_name(node), []).append(node)
    for label, nodes in sharing.items():
        if len(nodes) == 1:
            names[nodes[0]] = label
            continue
        names.update(_qualified(label, nodes))
    names = _numbered({node: names[node] for node in order})
    in_formulas = {node: node.label if _is_constant(node) else name for node, name in names.items()}
    return names, in_formulas


def _is_constant(node: Value) -> bool:
    """A leaf made from a plain number: ``x * 2`` labels its 2 with its value."""
    return node.is_leaf and node.label != "" and node.label == f"{node.data:g}"


def _label_name(node: Value) -> str:
    return f"const {node.label}" if _is_constant(node) else node.label


def _scope_parts(scope: str) -> tuple[str, ...]:
    """``layers.0.neurons.1`` → ``(layers.0, neurons.1)``: a number belongs to the name before it."""
    parts: list[str] = []
    for piece in scope.split(".") if scope else ():
        if piece.isdigit() and parts:
            parts[-1] += "." + piece
        else:
            parts.append(piece)
    return tuple(parts)


def _qualified(label: str, nodes: list[Value]) -> dict[Value, str]:
    """``label`` behind the shortest end of each node's scope that tells the scopes apart.

    One length for the whole group (``layers.0.neurons.0.z`` beside ``layers.0.neurons.1.z``,
    never beside a bare ``neurons.1.z``), so siblings read alike; a shorter scope is used
    whole. Nodes in the same scope are left for ``_numbered``.
    """
    parts = {node: _scope_parts(node.scope) for node in nodes}
    scopes = set(parts.values())
    if len(scopes) == 1:
        return dict.fromkeys(nodes, label)
    for k in range(1, max(map(len, scopes)) + 1):
        if len({scope[-k:] for scope in scopes}) == len(scopes):
            break
    return {node: ".".join((*scope[-k:], label)) for node, scope in parts.items()}


def _numbered(names: dict[Value, str]) -> dict[Value, str]:
    """Names shared by several nodes get ``#1``, ``#2`` … in forward order; the rest stay."""
    shared = {name for name, n in Counter(names.values()).items() if n > 1}
    if not shared:
        return names
    taken = set(names.values())
    seen: Counter[str] = Counter()
    numbered: dict[Value, str] = {}
    for node, name in names.items():
        if name in shared:
            seen[name] += 1
            candidate = f"{name}#{seen[name]}"
            while candidate in taken:  # a label that already looks numbered: count on
                seen[name] += 1
                candidate = f"{name}#{seen[name]}"
            taken.add(candidate)
            name = candidate
        numbered[node] = name
    return numbered


def _written_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every node ``root`` (or each output in turn) depends on, each after its inputs, inputs
    taken left to right.

    ``graph.topological_order`` is backward's order and may visit the right operand
    first; names and forward steps follow what the user wrote: in ``a*b + c*d`` the
    product a*b is ``mul₁`` and Step 1.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    # As graph.topological_order: a node waiting for its inputs sits under a None marker.
    stack: list[Value | None] = [root] if isinstance(root, Value) else list(reversed(root))
    append, pop, push, mark = order.append, stack.pop, stack.append, visited.add
    while stack:
        node = pop()
        if node is None:
            append(pop())  # type: ignore[arg-type]  # under a marker there is always a node
        elif node not in visited:
            mark(node)
            parents = node._parents
            if parents:
                push(node)
                push(None)
                for parent in reversed(parents):
                    if parent not in visited:
                        push(parent)
            else:
                append(node)
    return order


def _base_name(node: Value) -> str:
    kind = _KIND.get(node.op.name, node.op.name) if node.op is not None else "leaf"
    return f"{node.scope}.{kind}" if node.scope else kind


def _require_value(x: object, where: str, what: str = "root") -> None:
    if not isinstance(x, Value):
        raise TypeError(f"{where}: {what} must be a Value, got {type(x).__name__}")


# ----------------------------------------------------------------------------- formula text


def _edge_formula(child: Value, index: int, names: Mapping[Value, str]) -> str:
    """∂child/∂(its input ``index``) as the op table writes it, in the graph's names."""
    assert child.op is not None  # only nodes an op made have edges
    return child.op.local_formula(index, [names[p] for p in child.parents], names[child])


def _needs_brackets(text: str) -> bool:
    """True when ``text`` would change meaning as one factor of a product: ``1 − tanh²``, ``−1``."""
    if text[:1] in "−-":
        return True
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and text.startswith((" + ", " − ", " - ", " if "), i):
            return True
    return False


def _product_text(formulas: Sequence[str]) -> str:
    """Formulas multiplied, leaving out factors of exactly 1 (``+ b`` edges) to keep the notes' look."""
    kept = [f for f in formulas if f != "1"]
    if not kept:
        return "1"
    if len(kept) == 1:
        return kept[0]
    return " · ".join(f"({f})" if _needs_brackets(f) else f for f in kept)


def _number(x: float) -> str:
    return f"{x:.4g}"


def _factor_number(x: float) -> str:
    return f"({x:.4g})" if x < 0 or math.copysign(1.0, x) < 0 else f"{x:.4g}"


# one colour per path in ChainRule.draw (colour-blind-safe first, then cycled)
PATH_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
COLOR_NAMES = dict(zip(PATH_COLORS, ("blue", "orange", "green", "purple", "brown", "pink", "cyan", "olive")))


def _partial(top: str, bottom: str, through: int | None = None) -> str:
    """∂top/∂bottom; with ``through`` = i, ∂top/∂bottom[i]: the local derivative through input i of top."""
    return f"∂{top}/∂{bottom}" if through is None else f"∂{top}/∂{bottom}[{through}]"


# ----------------------------------------------------------------------------- paths


@dataclass(frozen=True, eq=False)
class Edge:
    """One edge of the graph: ``child`` was computed from ``parent`` (its input ``index``).

    ``local`` is ∂child/∂parent, read from the graph as the op stored it.
    """

    child: Value
    parent: Value
    index: int
    local: float


@dataclass(frozen=True, eq=False)
class Segment:
    """One factor of the printed formula, ∂upper/∂lower, over one edge or a run of edges.

    When the formula is shown at the level of labelled nodes, the unlabelled nodes in
    between are multiplied into the factor: ``value`` is the product of the edges' locals.
    ``through`` is set (to i) on a one-edge factor whose symbol would otherwise read the
    same as a different factor or as the whole gradient: it is printed ∂upper/∂lower[i],
    the local derivative through input i of ``upper`` (``x * x`` has ∂y/∂x[1] and ∂y/∂x[2]).
    """

    upper: Value
    lower: Value
    edges: tuple[Edge, ...]
    value: float
    through: int | None = None


@dataclass(frozen=True, eq=False)
class Path:
    """One path from the root down to ``wrt``: its nodes (root first), its edges and their product.

    ``factors`` holds one local derivative per edge, ``product`` is their product: this
    path's term in the sum ∂root/∂wrt = Σ over paths of Π factors.
    """

    nodes: tuple[Value, ...]
    edges: tuple[Edge, ...]
    product: float

    @property
    def factors(self) -> tuple[float, ...]:
        """The local derivative of each edge, from the root down."""
        return tuple(edge.local for edge in self.edges)

    def segments(self, shown: Callable[[Value, Value], bool]) -> tuple[Segment, ...]:
        """The path cut at the nodes ``shown(node, above)`` says to name, ``above`` being the
        node next to it toward the root (its ends are always named)."""
        cut: list[Segment] = []
        start = 0
        last = len(self.nodes) - 1
        for k in range(1, last + 1):
            if k == last or shown(self.nodes[k], self.nodes[k - 1]):
                run = self.edges[start:k]
                cut.append(Segment(self.nodes[start], self.nodes[k], run, _product(run)))
                start = k
        return tuple(cut)


# How much of a path the printed formula names (see ChainRule.format).
Detail = bool | Literal["labels"] | None


class TooManyPathsError(ValueError):
    """More paths than ``max_paths``: the count and the gradient are known, the list is not made."""


Term = tuple[Segment, ...]
_Names = tuple[dict[Value, str], dict[Value, str]]  # node_names, and the names formulas write


class ChainRule:
    """∂root/∂wrt as the chain rule writes it: the sum over paths of products of local derivatives.

    ``paths`` lists every path (unless there are more than ``max_paths``), ``total`` is
    Σ paths Π factors, equal to ``wrt.grad`` after ``root.backward()`` on a fresh graph,
    ``count`` is the exact number of paths (by dynamic programming, never by listing),
    ``by_node`` is reverse mode's answer: ∂root/∂node for every node on a path, in the
    order backward visits them, one visit per node however many paths there are.

    ``str()`` prints the notes' notation: the symbolic sum, each factor's formula from the
    op table, the same sum with numbers, and the total. Paths are named as the notes name
    them, one factor per neuron: a labelled node is named where its scope ends along the
    path (the node above it is in another scope, or is the root), or anywhere when it has
    no scope; the nodes in between, labelled or not, are multiplied into one factor
    (∂o21/∂o11, not ∂o21/∂z21 · ∂z21/∂Σ21 · ∂Σ21/∂o11). When nothing between ``wrt`` and
    ``root`` has a label, every node is named. ``format(detail="labels")`` names every
    labelled node, ``format(detail=True)`` every node and edge. One symbol never stands for
    two different factors: two runs of edges between the same named nodes are shown node
    by node, and two edges between the same two nodes (``x * x``), or one edge that would
    read as the whole gradient, are told apart by input: ∂y/∂x[1] + ∂y/∂x[2].

    The factors are printed to 4 significant figures and the total to 6; the total is the
    sum of the exact products, so multiplying the printed factors may differ from it in
    the last figures (0.501 · 1 · 2 = 1.002 beside a total of 1.00194).
    """

    def __init__(self, root: Value, wrt: Value, max_paths: int = 256) -> None:
        _require_value(root, "chain_rule")
        _require_value(wrt, "chain_rule", "wrt")
        if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
            raise ValueError(f"chain_rule: max_paths must be a positive whole number, got {max_paths!r}")
        self.root = root
        self.wrt = wrt
        self.max_paths = max_paths
        self.names, self._in_formulas = _names(root)
        if wrt not in self.names:  # unrelated to root: named within its own graph
            own, own_in_formulas = _names(wrt)
            self.names[wrt], self._in_formulas[wrt] = own[wrt], own_in_formulas[wrt]
        between = graph.nodes_between(root, wrt)
        self.count = graph.count_paths(root, wrt)
        self.by_node = _reverse_mode(root, between)
        self._between = between
        self._paths = _enumerate_paths(root, wrt, set(between)) if self.count <= max_paths else None
        if self._paths is None:
            self.total = self.by_node.get(wrt, 0.0)
        else:
            self.total = math.fsum(path.product for path in self._paths)

    @property
    def enumerated(self) -> bool:
        """False when there were more than ``max_paths`` paths, so none was listed."""
        return self._paths is not None

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every path from the root down to ``wrt``; raises ``TooManyPathsError`` beyond ``max_paths``."""
        if self._paths is None:
            raise TooManyPathsError(self._too_many())
        return self._paths

    def terms(self, detail: Detail = None) -> list[Term]:
        """Each path as the factors the printed formula shows (see ``format`` for ``detail``).

        A symbol never stands for two different factors: where two different runs of
        edges join the same two named nodes, those runs are cut at every node; where two
        one-edge factors still join the same nodes (``x * x``), or one reads as the whole
        ∂root/∂wrt beside other paths, each gets ``through`` = its input number.
        """
        shown = self._shown(detail)
        cut = [path.segments(shown) for path in self.paths]
        lhs = (self.root, self.wrt) if self.count > 1 else None
        clash = _clashing(cut, lhs)
        if clash:
            cut = [tuple(_split(term, clash)) for term in cut]
            clash = _clashing(cut, lhs)
        if not clash:
            return cut
        return [
            tuple(
                replace(s, through=s.edges[0].index + 1) if (s.upper, s.lower) in clash else s for s in term
            )
            for term in cut
        ]

    # ------------------------------------------------------------------ text

    def format(self, detail: Detail = None) -> str:
        """The notes' notation: symbols, each factor's formula, numbers, total.

        ``detail=None`` names a labelled node where its scope ends along the path, one
        factor per neuron (every node when none between has a label); ``False`` the same
        even then; ``"labels"`` every labelled node; ``True`` every node.
        """
        lhs = _partial(self._name(self.root), self._name(self.wrt))
        if self.count == 0:
            return (
                f"{lhs} = 0: no path leads from {self._name(self.wrt)} to {self._name(self.root)} "
                f"({self._name(self.root)} does not depend on it)"
            )
        if self._paths is None:
            return f"{lhs} = {self.total:.6g}\n  {self._too_many()}"
        terms = self.terms(detail)
        symbols = " + ".join(" · ".join(self._symbol(s) for s in term) or "1" for term in terms)
        lines = [f"{lhs} = {symbols}"]
        factors = self._factors(terms)
        lines += [f"  {self._symbol(segment)} = {formula}" for segment, formula in factors]
        inputs = self._inputs_note(terms)
        where = self._where([*(formula for _, formula in factors), inputs], self._marked(terms))
        if where:
            lines.append("  where " + ", ".join(where))
        if inputs:
            lines.append(f"  {inputs}")
        numbers = " + ".join(" · ".join(_factor_number(s.value) for s in term) or "1" for term in terms)
        lines.append(f"{lhs} = {numbers}")
        lines.append(f"{' ' * len(lhs)} = {self.total:.6g}")
        return "\n".join(lines)

    def format_by_node(self) -> str:
        """Reverse mode's view: ∂root/∂node for every node on a path, in the order backward visits them."""
        root = self._name(self.root)
        return "\n".join(f"{_partial(root, self._name(n))} = {g:.6g}" for n, g in self.by_node.items())

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        lhs = _partial(self._name(self.root), self._name(self.wrt))
        paths = "path" if self.count == 1 else "paths"
        return f"ChainRule({lhs} = {self.total:.6g}, {self.count:,} {paths})"

    def _repr_latex_(self) -> str:
        lhs = _latex_partial(self._name(self.root), self._name(self.wrt))
        if self._paths is None or self.count == 0:
            return rf"$${lhs} = {self.total:.6g} \quad \text{{({self.count:,} paths)}}$$"
        terms = self.terms()
        symbols = " + ".join(r" \cdot ".join(self._latex_symbol(s) for s in term) or "1" for term in terms)
        rows = [f"{lhs} &= {symbols}"]
        factors = self._factors(terms)
        for segment, formula in factors:
            rows.append(rf"{self._latex_symbol(segment)} &= \text{{{_latex_text(formula)}}}")
        inputs = self._inputs_note(terms)
        where = self._where([*(formula for _, formula in factors), inputs], self._marked(terms))
        if where:
            rows.append(rf"&\text{{{_latex_text('where ' + ', '.join(where))}}}")
        if inputs:
            rows.append(rf"&\text{{{_latex_text(inputs)}}}")
        numbers = " + ".join(r" \cdot ".join(_factor_number(s.value) for s in term) or "1" for term in terms)
        rows.append(f"{lhs} &= {numbers}")
        rows.append(f"&= {self.total:.6g}")
        return r"$$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$$"

    # ------------------------------------------------------------------ picture

    def draw(self, **options: Any) -> Any:
        """The chain rule as one picture: only the nodes between ``wrt`` and ``root``.

        Every edge carries its local derivative, each path is drawn in its own colour,
        inputs that lie on no path are greyed (they are the ingredients of the local
        derivatives), and the caption lists each path's product in the notes' notation
        and their sum, ∂root/∂wrt. With more than ``max_paths`` paths the same sub-graph
        is drawn without per-path colours and the caption gives the count. ``options``
        go to ``autograd.draw`` (``digits``, ``rankdir``, ...). Returns a ``graphviz.Digraph``.
        """
        from .draw import draw

        lhs = _partial(self._name(self.root), self._name(self.wrt))
        edge_colors: dict[EdgeKey, list[str]] = {}
        lines: list[str] = []
        if self._paths is None:
            lines.append(f"{lhs} = {self.total:.6g}, a sum over {self.count:,} paths (more than max_paths")
            lines.append(f"= {self.max_paths}, so they are not coloured one by one)")
        else:
            for k, (path, term) in enumerate(zip(self._paths, self.terms())):
                color = PATH_COLORS[k % len(PATH_COLORS)]
                for edge in path.edges:
                    edge_colors.setdefault((edge.parent, edge.child, edge.index), []).append(color)
                symbols = " · ".join(self._symbol(s) for s in term) or "1"
                numbers = " · ".join(_factor_number(s.value) for s in term) or "1"
                lines.append(
                    f"path {k + 1} ({COLOR_NAMES[color]}): {symbols} = {numbers} = {path.product:.6g}"
                )
            inputs = self._inputs_note(self.terms())
            if inputs:
                lines.append(inputs)
            lines.append(f"{lhs} = sum of the {self.count} path products = {self.total:.6g}")
        if self.wrt.backward_ran and math.isclose(self.wrt.grad, self.total, rel_tol=1e-9, abs_tol=1e-12):
            lines[-1] += f" = {self._name(self.wrt)}.grad"
        options.setdefault("edge_derivatives", True)
        return draw(
            self.root,
            nodes=self._between,
            edge_colors=edge_colors,
            caption="\n".join(lines),
            **options,
        )

    # ------------------------------------------------------------------ helpers

    def _name(self, node: Value) -> str:
        return self.names[node]

    def _symbol(self, segment: Segment) -> str:
        return _partial(self._name(segment.upper), self._name(segment.lower), segment.through)

    def _latex_symbol(self, segment: Segment) -> str:
        return _latex_partial(self._name(segment.upper), self._name(segment.lower), segment.through)

    def _shown(self, detail: Detail) -> Callable[[Value, Value], bool]:
        """Whether a path names ``node``, given ``above``, the next node toward the root."""
        if detail is None:
            inner = (n for n in self._between if n is not self.root and n is not self.wrt)
            detail = not any(n.label for n in inner)
        if detail == "labels":
            return lambda node, above: bool(node.label)
        if detail is True:
            return lambda node, above: True
        if detail is not False:
            raise ValueError(f'chain_rule: detail must be None, False, True or "labels", got {detail!r}')
        # a labelled node where its scope ends: the notes' one factor per neuron
        return lambda node, above: bool(node.label) and (not node.scope or above.scope != node.scope)

    def _factors(self, terms: Iterable[Term]) -> list[tuple[Segment, str]]:
        """Each distinct factor once, in order of appearance, with its formula from the op table."""
        found: dict[str, tuple[Segment, str]] = {}
        for term in terms:
            for segment in term:
                formulas = [_edge_formula(e.child, e.index, self._in_formulas) for e in segment.edges]
                formula = _product_text(formulas)
                found.setdefault(f"{self._symbol(segment)} = {formula}", (segment, formula))
        return list(found.values())

    def _where(self, formulas: Iterable[str], defined: Iterable[Value] = ()) -> list[str]:
        """What every automatically named node the printed formulas mention stands for:
        ``add₁ = o11·w3``, in the order they were written (and numbered).

        A formula may name a node off every path (in ``x*y*z``, ∂f/∂z = mul₁, the product
        x·y), and a definition may name another (mul₂ = mul₁ · z), so the definitions are
        followed until every generated name printed is defined. Each text is cut into
        names once, and each node is defined once, so the work grows with what is printed.
        ``defined``: nodes whose definitions are printed elsewhere (the ``[i]`` note), not repeated.
        """
        generated = {self._name(node): node for node in self.names if not node.label and node.op is not None}
        plain = {name: node for name, node in generated.items() if _NAME_TOKEN.fullmatch(name)}
        spaced = {name: node for name, node in generated.items() if name not in plain}
        found: dict[Value, str] = {}
        skipped = set(defined)
        texts = ["\n".join(formulas)]
        while texts:
            text = texts.pop()
            mentioned = [plain[token] for token in _NAME_TOKEN.findall(text) if token in plain]
            mentioned += [node for name, node in spaced.items() if _mentions(text, name)]
            for node in mentioned:
                if node not in found:
                    found[node] = self._show(node)
                    texts.append(found[node])
        # in the order written, as the names are numbered: loss.sub₁ before loss.sub₂
        written = {node: k for k, node in enumerate(self.names)}
        ordered = sorted((node for node in found if node not in skipped), key=written.__getitem__)
        return [f"{self._name(node)} = {found[node]}" for node in ordered]

    def _marked(self, terms: Sequence[Term]) -> list[Value]:
        """The nodes some factor ∂a/∂b[i] marks by input, in order of appearance."""
        marked: dict[Value, None] = {}
        for term in terms:
            for segment in term:
                if segment.through is not None:
                    marked[segment.upper] = None
        return list(marked)

    def _inputs_note(self, terms: Sequence[Term]) -> str:
        """What ∂a/∂b[i] means, with the forward formula of each node it marks: which input is which."""
        marked = self._marked(terms)
        if not marked:
            return ""
        shown = "; ".join(f"{self._name(node)} = {self._show(node)}" for node in marked)
        return f"[i] marks one edge's local derivative (through input i), not a whole gradient, of: {shown}"

    def _show(self, node: Value) -> str:
        assert node.op is not None
        return node.op.show([self._in_formulas[p] for p in node.parents])

    def _too_many(self) -> str:
        return (
            f"a sum over {self.count:,} paths from {self._name(self.wrt)} to {self._name(self.root)}, "
            f"more than max_paths = {self.max_paths}, so the paths are not listed; reverse mode "
            "computed the gradient with one visit per node: .by_node holds "
            f"{_partial(self._name(self.root), 'node')} for every node on those paths "
            "(or pass a larger max_paths to chain_rule)"
        )


def _clashing(terms: Sequence[Term], lhs: tuple[Value, Value] | None) -> set[tuple[Value, Value]]:
    """The (upper, lower) pairs whose one symbol would stand for different runs of edges,
    and ``lhs`` (root, wrt) when a factor would read as the whole gradient."""
    runs: dict[tuple[Value, Value], set[tuple[tuple[Value, int], ...]]] = {}
    for term in terms:
        for s in term:
            runs.setdefault((s.upper, s.lower), set()).add(tuple((e.child, e.index) for e in s.edges))
    return {pair for pair, found in runs.items() if len(found) > 1 or pair == lhs}


def _split(term: Term, clash: set[tuple[Value, Value]]) -> Iterator[Segment]:
    """The term with each clashing run of several edges cut into its edges, every node named."""
    for s in term:
        if (s.upper, s.lower) in clash and len(s.edges) > 1:
            yield from (Segment(e.child, e.parent, (e,), e.local) for e in s.edges)
        else:
            yield s


# A name as formulas write it: letters, digits, subscripts, dots and #, e.g. o11.add, tanh₁₂, x1#2.
_NAME_TOKEN = re.compile(r"[\w.₀-₉#]+")


def _mentions(text: str, name: str) -> bool:
    """``name`` appears in ``text`` as a whole name (``add₁`` is not in ``add₁₂``); for names
    the tokens cannot hold (a scope with a space in it)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.₀-₉])", text) is not None


def _reverse_mode(root: Value, between: Sequence[Value]) -> dict[Value, float]:
    """∂root/∂node for the nodes on some path, visited as backward visits them.

    Only nodes on a path can send gradient to nodes on a path, so walking them alone, with
    backward's own one-node step (``graph.accumulate``) into a dict, gives backward's own
    numbers, added in backward's own order, and leaves the graph's gradients alone.
    """
    if not between:
        return {}
    grads = {root: 1.0}
    for node in reversed(between):
        graph.accumulate(node, grads)
    return {node: grads.get(node, 0.0) for node in reversed(between)}


class _Link:
    """A path being walked, as a chain back to the root: extending it costs the same at any depth."""

    __slots__ = ("edge", "node", "previous")

    def __init__(self, node: Value, edge: Edge | None, previous: _Link | None) -> None:
        self.node, self.edge, self.previous = node, edge, previous


def _enumerate_paths(root: Value, wrt: Value, inside: set[Value]) -> tuple[Path, ...]:
    """Every path from root down to wrt, each parent in input order (an explicit stack, no recursion).

    A path under construction is a ``_Link`` to its parent path, and its tuples are built
    once it reaches ``wrt``: the work is the total length of the paths found, never
    the square of their depth.
    """
    if root not in inside:
        return ()
    found: list[Path] = []
    stack = [_Link(root, None, None)]
    while stack:
        link = stack.pop()
        node = link.node
        if node is wrt:
            nodes, edges = [], []
            walk: _Link | None = link
            while walk is not None:
                nodes.append(walk.node)
                if walk.edge is not None:
                    edges.append(walk.edge)
                walk = walk.previous
            nodes.reverse()
            edges.reverse()
            found.append(Path(tuple(nodes), tuple(edges), _product(edges)))
            continue
        below = [
            _Link(parent, Edge(node, parent, i, local), link)
            for i, (parent, local) in enumerate(graph.edges(node))
            if parent in inside
        ]
        below.reverse()
        stack.extend(below)
    return tuple(found)


def _product(edges: Sequence[Edge]) -> float:
    """The edges' local derivatives multiplied, as backward carries a gradient along them: an
    input a ReLU switched off passes exactly 0, even below an infinite factor."""
    return graph.path_product((edge.child, edge.index, edge.local) for edge in edges)


def chain_rule(root: Value, wrt: Value, max_paths: int = 256) -> ChainRule:
    """∂root/∂wrt as the sum over paths of products of local derivatives, e.g.
    ∂L/∂w1 = ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w1 + ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o12 · ∂o12/∂w1.

    Beyond ``max_paths`` paths none is listed; the exact count and the gradient are
    still given (see ``ChainRule``).
    """
    return ChainRule(root, wrt, max_paths=max_paths)


# ----------------------------------------------------------------------------- LaTeX

# a name written as a letter or word with a subscript: o31, w11.1, o1,12, tanh₁ (not x1#2)
_LATEX_NAME = re.compile(r"([A-Za-zα-ωΑ-Ω]+)([0-9]+(?:[.,][0-9]+)*|[₀-₉]+)?")

# what LaTeX reads as commands in text, each written as the character itself
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("|".join(map(re.escape, _LATEX_SPECIALS)))


def _latex_name(name: str) -> str:
    """A node's name in math: ``o_{31}``, ``w_{11.1}``, ``o_{1,12}``; any other name as text."""
    match = _LATEX_NAME.fullmatch(name)
    if match is None:
        return rf"\text{{{_latex_text(name)}}}"
    base, digits = match[1], match[2]
    base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    if not digits:
        return base
    return f"{base}_{{{digits.translate(str.maketrans('₀₁₂₃₄₅₆₇₈₉', '0123456789'))}}}"


def _latex_text(text: str) -> str:
    r"""``text`` for ``\text{…}``, LaTeX's special characters escaped (``x1#1`` → ``x1\#1``)."""
    return _LATEX_SPECIAL.sub(lambda match: _LATEX_SPECIALS[match[0]], text)


def _latex_partial(top: str, bottom: str, through: int | None = None) -> str:
    fraction = rf"\frac{{\partial {_latex_name(top)}}}{{\partial {_latex_name(bottom)}}}"
    return fraction if through is None else rf"{fraction}_{{[{through}]}}"


# ----------------------------------------------------------------------------- backward, step by step


@dataclass(frozen=True, eq=False)
class Update:
    """One edge applied: the parent's gradient grows by local × upstream.

    ``formula`` is ∂node/∂parent as the op table writes it, ``local`` its number.
    """

    parent: Value
    parent_name: str
    index: int
    formula: str
    local: float
    contribution: float
    grad_before: float
    grad_after: float
    switched_off: bool = False

    def switch_note(self, upstream: float) -> str:
        """Why ``0 · ∞`` came out as 0: said only when the upstream is infinite or NaN."""
        if not self.switched_off or math.isfinite(upstream):
            return ""
        return f"   ({self.parent_name} is switched off here: it gets 0, not 0 · {_number(upstream)})"


@dataclass(frozen=True, eq=False)
class Step:
    """One node of the backward pass: its upstream ∂root/∂node, sent into each of its inputs.

    ``number`` counts from 1 up to ``steps``; ``updates`` has one entry per edge, in
    input order (a parent used twice gets two).

    Each edge prints as ∂root/∂input += ∂node/∂input · ∂root/∂node: the local derivative
    times the upstream, added into the input's gradient. Where the local derivative would
    read the same as a gradient (every edge of the root's own step, where node = root, and
    an input the node uses twice), it is marked with its input number: ∂y/∂x[1], the local
    derivative through input 1 of y.
    """

    number: int
    steps: int
    node: Value
    name: str
    expression: str
    root_name: str
    upstream: float
    updates: tuple[Update, ...]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes whose gradients this step changed."""
        return tuple(u.parent for u in self.updates)

    def local_symbol(self, update: Update) -> str:
        """∂node/∂input for one of this step's edges, as the step prints it (``∂y/∂x[1]`` where needed)."""
        return _partial(self.name, update.parent_name, self._mark(update))

    def _mark(self, update: Update) -> int | None:
        told_apart = self.name == self.root_name or self.node.parents.count(update.parent) > 1
        return update.index + 1 if told_apart else None

    def mark_note(self, updates: Iterable[Update] | None = None) -> str:
        """What the ``[i]`` marks on these edges' local derivatives mean ("" when none is marked)."""
        marks = [m for u in (self.updates if updates is None else updates) if (m := self._mark(u))]
        return _mark_note(self.name, self.expression, marks)

    def __str__(self) -> str:
        root, node = self.root_name, self.name
        lines = [
            f"step {self.number} of {self.steps}: {node} = {self.expression}, "
            f"upstream {_partial(root, node)} = {_number(self.upstream)}"
        ]
        for u in self.updates:
            local = f"({u.formula})" if _needs_brackets(u.formula) else u.formula
            upstream = _partial(root, node)
            lines.append(
                f"  {_partial(root, u.parent_name)} += {self.local_symbol(u)} · {upstream}"
                f" = {local} · {upstream} = {_factor_number(u.local)} · "
                f"{_factor_number(self.upstream)} = {_number(u.contribution)}"
                f"   (grad {_number(u.grad_before)} → {_number(u.grad_after)}){u.switch_note(self.upstream)}"
            )
        note = self.mark_note()
        if note:
            lines.append(f"  {note}")
        return "\n".join(lines)


def _mark_note(name: str, expression: str, marks: Sequence[int]) -> str:
    """``[1]: through input 1 of L = loss.sub², …``: what a mark on a local derivative means."""
    if not marks:
        return ""
    i = str(marks[0]) if len(set(marks)) == 1 else "i"
    return (
        f"[{i}]: through input {i} of {name} = {expression}: the local derivative of that one edge, "
        "not the whole gradient"
    )


def _apply(node: Value, number: int, steps: int, names: _Names, root: Value) -> Step:
    """Send ``node``'s gradient into its inputs with backward's own one-node step, recording each edge."""
    shown, in_formulas = names
    upstream = node.grad
    updates = tuple(
        Update(
            share.parent,
            shown[share.parent],
            share.index,
            _edge_formula(node, share.index, in_formulas),
            share.local,
            share.contribution,
            share.before,
            share.after,
            share.switched_off,
        )
        for share in graph.accumulate(node)
    )
    assert node.op is not None
    expression = node.op.show([in_formulas[p] for p in node.parents])
    return Step(number, steps, node, shown[node], expression, shown[root], upstream, updates)


def backprop_steps(root: Value) -> Iterator[Step]:
    """``root.backward()`` one node at a time: yields a ``Step`` per node that has inputs.

    Nodes come in backward's own order and each step is applied before it is yielded,
    so running the iterator to the end leaves exactly the gradients of ``backward()``
    (leaves accumulate, intermediates restart at 0). Nothing changes until the first step.

    Abandoning it part way puts the gradients back: when the generator is closed before
    its last step has been handed out (``.close()``, a ``break`` out of a ``for`` loop, or
    the generator simply dropped, as in ``next(backprop_steps(L))``), every node's grad and
    backward mark return to what they were before its first step, so a later
    ``backward()`` counts nothing twice. To keep a half-done pass, hold on to the
    generator, or use ``Backprop``, which steps forwards and back explicitly.

    It undoes only its own work, and only while the graph is as it left it: if anything
    changed a gradient since its last step (a ``backward()``, ``zero_grad()``, an update),
    closing it leaves the graph alone, so ``next(g); L.backward(); del g`` keeps
    backward's gradients.
    """
    _require_value(root, "backprop_steps")
    return _steps(root)


def _steps(root: Value) -> Iterator[Step]:
    order = graph.backward_order(root)
    names = _names(root)
    working = [node for node in order if not node.is_leaf]
    saved = graph.seed(root, order)
    left = {node: node.grad for node, _, _ in saved}  # every grad as this generator left it
    complete = not working
    try:
        for number, node in enumerate(working, start=1):
            step = _apply(node, number, len(working), names, root)
            for update in step.updates:
                left[update.parent] = update.grad_after
            complete = number == len(working)  # the pass is whole once its last step is out
            yield step
    finally:
        # Closed part way (or an error): undo the steps applied, as Backprop.reset does, but
        # only if nothing has touched the graph since; else the undo would wipe that work.
        if not complete and _as_left(root, left):
            graph.restore(saved)


def _as_left(root: Value, left: Mapping[Value, float]) -> bool:
    """Nothing was done to the graph since the generator's last step.

    The root still holds ``seed``'s mark (a ``backward()`` through it leaves its walk's
    own, even one that computes the very numbers the half-done pass holds), and every
    node holds the grad it was left with (a ``backward()`` from another root can change
    shared nodes without reaching this root, or reach them and send them 0, changing
    nothing to undo)."""
    return root._ran is True and all(
        node.grad == grad or (math.isnan(node.grad) and math.isnan(grad)) for node, grad in left.items()
    )


class Backprop:
    """Step through ``root.backward()`` in a notebook or the REPL, forwards and back.

    ``step()`` / ``step(n)`` apply the next node(s), ``back()`` undoes exactly, ``run()``
    finishes, ``reset()`` returns to step 0 (the gradients as they were before);
    ``current`` is the last step applied, ``upcoming`` the node the next step visits.
    The stepper changes the graph's gradients as it goes, so a picture drawn meanwhile
    shows them; after the last step they are exactly those of ``root.backward()``.
    """

    def __init__(self, root: Value) -> None:
        _require_value(root, "Backprop")
        if root.is_leaf:
            raise ValueError(
                f"Backprop: {node_names(root)[root]} is a leaf (no op made it), "
                "so there is nothing to step through"
            )
        self.root = root
        self._order = graph.backward_order(root)
        self._all_names = _names(root)
        self._names = self._all_names[0]
        self._working = [node for node in self._order if not node.is_leaf]
        self._history: list[Step] = []
        self._before: list[tuple[Value, float, object]] = []

    @property
    def steps(self) -> int:
        """How many steps the whole backward pass takes: one per node with inputs."""
        return len(self._working)

    @property
    def position(self) -> int:
        """How many steps have been applied (0 = backward not run yet)."""
        return len(self._history)

    @property
    def done(self) -> bool:
        """True once every step has been applied."""
        return self.position == self.steps

    @property
    def current(self) -> Step | None:
        """The step applied last, or ``None`` at step 0."""
        return self._history[-1] if self._history else None

    @property
    def upcoming(self) -> Value | None:
        """The node the next step visits, or ``None`` when done."""
        return None if self.done else self._working[self.position]

    @property
    def history(self) -> tuple[Step, ...]:
        """Every step applied so far, in order."""
        return tuple(self._history)

    def step(self, n: int = 1) -> Backprop:
        """Apply the next ``n`` steps (fewer if the pass ends first)."""
        for _ in range(min(_count(n, "step"), self.steps - self.position)):
            if not self._history:
                self._before = graph.seed(self.root, self._order)
            node = self._working[self.position]
            self._history.append(_apply(node, self.position + 1, self.steps, self._all_names, self.root))
        return self

    def back(self, n: int = 1) -> Backprop:
        """Undo the last ``n`` steps exactly: every gradient returns to its value before them."""
        for _ in range(min(_count(n, "back"), self.position)):
            undone = self._history.pop()
            for update in reversed(undone.updates):
                update.parent.grad = update.grad_before
            if not self._history:
                graph.restore(self._before)  # back to how the graph was before the stepper seeded it
        return self

    def run(self) -> Backprop:
        """Apply every remaining step."""
        return self.step(self.steps - self.position)

    def reset(self) -> Backprop:
        """Undo every step: back to step 0, the gradients as they were before."""
        return self.back(self.position)

    def go_to(self, position: int) -> Backprop:
        """Step forwards or back until ``position`` steps are applied."""
        target = _count(position, "go_to")
        if target > self.steps:
            raise ValueError(f"go_to: there are only {self.steps} steps, got {position}")
        if target >= self.position:
            return self.step(target - self.position)
        return self.back(self.position - target)

    # ------------------------------------------------------------------ showing it

    def _header(self) -> str:
        root = self._names[self.root]
        return f"Backprop of {root}: step {self.position} of {self.steps}"

    def _status(self) -> str:
        if self.current is None:
            root = self._names[self.root]
            seed = f"the first step seeds {_partial(root, root)} = 1"
            if self.root.backward_ran:  # the graph still shows an earlier pass's gradients
                return (
                    f"step 0: the gradients shown are from an earlier backward(); {seed}, restarts "
                    "the other nodes with inputs at 0 and adds into the leaves (they accumulate, "
                    "as with backward())"
                )
            return f"backward not run yet; {seed} and sends it down"
        upcoming = self.upcoming
        if upcoming is None:
            root = self._names[self.root]
            return f"backward done: every node holds {_partial(root, 'node')}, exactly as after backward()"
        return f"next: {self._names[upcoming]}"

    def __repr__(self) -> str:
        lines = [self._header()]
        if self.current is not None:
            lines.append(str(self.current))
        lines.append(self._status())
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self._header())}</b></p>"]
        step = self.current
        if step is not None:
            root, node = step.root_name, step.name
            parts.append(
                f"<p><code>{html.escape(node)} = {html.escape(step.expression)}</code>, upstream "
                f"{html.escape(_partial(root, node))} = {html.escape(_number(step.upstream))}</p>"
            )
            header = (
                "input",
                f"∂{node}/∂input",
                "local",
                "× upstream",
                "contribution",
                "grad: before → after",
            )
            rows = [
                (
                    u.parent_name,
                    u.formula,
                    _number(u.local),
                    _number(step.upstream),
                    _number(u.contribution),
                    f"{_number(u.grad_before)} → {_number(u.grad_after)}",
                )
                for u in step.updates
            ]
            parts.append(_html_table(header, rows))
        parts.append(f"<p>{html.escape(self._status())}</p>")
        return "\n".join(parts)

    def draw(self, **options: Any) -> Any:
        """The graph as a ``graphviz.Digraph`` with the current node and the edges it updated highlighted."""
        from .draw import draw

        return draw(self.root, highlight=self.current, **options)

    def widget(self, picture: bool = True, **draw_options: Any) -> Any:
        """A slider with Prev / Next buttons over the steps (needs ipywidgets), with the picture below.

        ``draw_options`` go to ``draw`` for the picture, e.g. ``rankdir="TB"`` for a tall
        picture that fits a notebook's width.
        """
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(f"Backprop.widget() needs ipywidgets: {_NOTEBOOKS_HINT}") from None
        slider = widgets.IntSlider(value=self.position, min=0, max=self.steps, description="step")
        previous = widgets.Button(description="Prev", icon="arrow-left")
        following = widgets.Button(description="Next", icon="arrow-right")
        text = widgets.HTML(self._repr_html_())
        drawing = widgets.Output()

        def show(_: object = None) -> None:
            self.go_to(slider.value)
            text.value = self._repr_html_()
            if picture:
                _show_picture(drawing, self, draw_options)

        def move(by: int) -> Callable[[object], None]:
            return lambda _: setattr(slider, "value", max(0, min(self.steps, slider.value + by)))

        slider.observe(show, names="value")
        previous.on_click(move(-1))
        following.on_click(move(+1))
        if picture:
            _show_picture(drawing, self, draw_options)
        return widgets.VBox([widgets.HBox([previous, slider, following]), text, drawing])


def _show_picture(output: Any, stepper: Backprop, draw_options: Mapping[str, Any]) -> None:
    from IPython.display import clear_output, display

    with output:
        clear_output(wait=True)  # type: ignore[no-untyped-call]
        try:
            display(stepper.draw(**draw_options))  # type: ignore[no-untyped-call]
        except Exception as error:  # the picture is a bonus of the widget, never its failure
            print(f"(no picture: {error})")


def _html_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    cells = ("".join(f"<td>{html.escape(cell)}</td>" for cell in row) for row in rows)
    body = "".join(f"<tr>{row}</tr>" for row in cells)
    return f"<table><tr>{head}</tr>{body}</table>"


def _count(n: int, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{where}: expected a whole number of steps >= 0, got {n!r}")
    return n


# ----------------------------------------------------------------------------- forward, step by step


@dataclass(frozen=True, eq=False)
class ForwardStep:
    """One node of the forward pass: its formula in names, the same with numbers, and its value."""

    number: int
    node: Value
    name: str
    formula: str
    numbers: str
    value: float

    def __str__(self) -> str:
        same = self.formula == self.numbers
        middle = f"{self.formula}" if same else f"{self.formula} = {self.numbers}"
        return f"Step {self.number}: {self.name} = {middle} = {self.value:.6g}"


class ForwardSteps(tuple[ForwardStep, ...]):
    """The forward pass as the notes write it, one line per step; a tuple of ``ForwardStep``."""

    __slots__ = ()

    @overload
    def __getitem__(self, index: SupportsIndex) -> ForwardStep: ...

    @overload
    def __getitem__(self, index: slice) -> ForwardSteps: ...

    def __getitem__(self, index: SupportsIndex | slice) -> ForwardStep | ForwardSteps:
        if isinstance(index, slice):  # a few steps still print as the notes' lines
            return ForwardSteps(super().__getitem__(index))
        return super().__getitem__(index)

    def __str__(self) -> str:
        return "\n".join(map(str, self))

    def __repr__(self) -> str:
        return str(self)


# a negative number as the whole argument of a function: σ((-0.2)) reads better as σ(-0.2)
_DOUBLED_BRACKETS = re.compile(r"\(\((-[0-9.e+-]+)\)\)")


def forward_steps(root: Value) -> ForwardSteps:
    """Every node an op made, in evaluation order, with its formula and value, one op per
    step as the graph holds them: for a neuron ``Step 1: Σwx = w1·x1 + w2·x2 = 0.01·95 + 0.02·3
    = 1.01``, ``Step 2: z = Σwx + b = 1.01 + 0.01 = 1.02``, ``Step 3: o = σ(z) = σ(1.02) = 0.735``.
    """
    _require_value(root, "forward_steps")
    names, in_formulas = _names(root)
    made = [node for node in _written_order(root) if node.op is not None]
    steps = []
    for number, node in enumerate(made, start=1):
        assert node.op is not None
        formula = node.op.show([in_formulas[p] for p in node.parents])
        numbers = _DOUBLED_BRACKETS.sub(r"(\1)", node.op.show([_number(p.data) for p in node.parents]))
        steps.append(ForwardStep(number, node, names[node], formula, numbers, node.data))
    return ForwardSteps(steps)
