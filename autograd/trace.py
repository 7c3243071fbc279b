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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

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


def node_names(root: Value) -> dict[Value, str]:
    """A readable name for every node of ``root``'s graph, the same every time for the same graph.

    A labelled node is called by its label. An unlabelled one made inside a scope is
    called by the scope and its op (``layers.0.neurons.1.dot``, numbered only when the
    scope holds several nodes of that op); outside any scope by its op, numbered in
    forward order (``tanh₁``, ``add₂``; an unlabelled leaf is ``leaf₁``).
    """
    _require_value(root, "node_names")
    order = _written_order(root)
    bases = {node: _base_name(node) for node in order if not node.label}
    how_many = Counter(bases.values())
    seen: Counter[str] = Counter()
    names: dict[Value, str] = {}
    for node in order:
        if node.label:
            names[node] = node.label
            continue
        base = bases[node]
        seen[base] += 1
        unique_in_scope = bool(node.scope) and how_many[base] == 1
        names[node] = base if unique_in_scope else base + str(seen[base]).translate(_SUBSCRIPT)
    return names


def _written_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after its inputs, inputs taken left to right.

    ``graph.topological_order`` is backward's order and may visit the right operand
    first; names and forward steps follow what the user wrote: in ``a*b + c*d`` the
    product a*b is ``mul₁`` and Step 1.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents) if parent not in visited)
    return order


def _base_name(node: Value) -> str:
    kind = node.op.name if node.op is not None else "leaf"
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


def _partial(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


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
    """

    upper: Value
    lower: Value
    edges: tuple[Edge, ...]
    value: float


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

    def segments(self, shown: Callable[[Value], bool]) -> tuple[Segment, ...]:
        """The path cut at the nodes ``shown`` says to name (its ends are always named)."""
        cut: list[Segment] = []
        start = 0
        last = len(self.nodes) - 1
        for k in range(1, last + 1):
            if k == last or shown(self.nodes[k]):
                run = self.edges[start:k]
                cut.append(Segment(self.nodes[start], self.nodes[k], run, math.prod(e.local for e in run)))
                start = k
        return tuple(cut)


class TooManyPathsError(ValueError):
    """More paths than ``max_paths``: the count and the gradient are known, the list is not made."""


class ChainRule:
    """∂root/∂wrt as the chain rule writes it: the sum over paths of products of local derivatives.

    ``paths`` lists every path (unless there are more than ``max_paths``), ``total`` is
    Σ paths Π factors, equal to ``wrt.grad`` after ``root.backward()`` on a fresh graph,
    ``count`` is the exact number of paths (by dynamic programming, never by listing),
    ``by_node`` is reverse mode's answer: ∂root/∂node for every node on a path, in the
    order backward visits them, one visit per node however many paths there are.

    ``str()`` prints the notes' notation: the symbolic sum, each factor's formula from the
    op table, the same sum with numbers, and the total. Paths are named at the level of
    labelled nodes (unlabelled nodes in between are multiplied into one factor), or at
    every node when nothing between ``wrt`` and ``root`` has a label; ``format(detail=True)``
    always names every node and edge.
    """

    def __init__(self, root: Value, wrt: Value, max_paths: int = 256) -> None:
        _require_value(root, "chain_rule")
        _require_value(wrt, "chain_rule", "wrt")
        if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
            raise ValueError(f"chain_rule: max_paths must be a positive whole number, got {max_paths!r}")
        self.root = root
        self.wrt = wrt
        self.max_paths = max_paths
        self.names = node_names(root)
        if wrt not in self.names:  # unrelated to root: named within its own graph
            self.names[wrt] = node_names(wrt)[wrt]
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

    def terms(self, detail: bool | None = None) -> list[tuple[Segment, ...]]:
        """Each path as the factors the printed formula shows (see ``format`` for ``detail``)."""
        shown = self._shown(detail)
        return [path.segments(shown) for path in self.paths]

    # ------------------------------------------------------------------ text

    def format(self, detail: bool | None = None) -> str:
        """The notes' notation: symbols, each factor's formula, numbers, total.

        ``detail=None`` names labelled nodes only (every node when none between has a
        label), ``True`` every node, ``False`` labelled nodes only.
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
        formulas = self._formula_lines(terms)
        lines += [f"  {line}" for line in formulas]
        where = self._where(formulas)
        if where:
            lines.append("  where " + ", ".join(where))
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
        symbols = " + ".join(
            r" \cdot ".join(_latex_partial(self._name(s.upper), self._name(s.lower)) for s in term) or "1"
            for term in terms
        )
        rows = [f"{lhs} &= {symbols}"]
        for text in self._formula_lines(terms):
            symbol, formula = text.split(" = ", 1)
            top, bottom = symbol[1:].split("/∂", 1)
            rows.append(rf"{_latex_partial(top, bottom)} &= \text{{{_latex_text(formula)}}}")
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
        return _partial(self._name(segment.upper), self._name(segment.lower))

    def _shown(self, detail: bool | None) -> Callable[[Value], bool]:
        if detail is None:
            inner = (n for n in self._between if n is not self.root and n is not self.wrt)
            detail = not any(n.label for n in inner)
        if detail:
            return lambda node: True
        return lambda node: bool(node.label)

    def _formula_lines(self, terms: Iterable[tuple[Segment, ...]]) -> list[str]:
        lines: dict[str, None] = {}
        for term in terms:
            for segment in term:
                formulas = [_edge_formula(e.child, e.index, self.names) for e in segment.edges]
                lines[f"{self._symbol(segment)} = {_product_text(formulas)}"] = None
        return list(lines)

    def _where(self, formula_lines: Sequence[str]) -> list[str]:
        """What the automatically named nodes in the formulas stand for: ``add₁ = o11·w3``."""
        text = "\n".join(line.split(" = ", 1)[1] for line in formula_lines)
        found = []
        for node in self._between:
            name = self._name(node)
            if node.label or node.op is None or not _mentions(text, name):
                continue
            found.append(f"{name} = {node.op.show([self._name(p) for p in node.parents])}")
        return found

    def _too_many(self) -> str:
        return (
            f"a sum over {self.count:,} paths from {self._name(self.wrt)} to {self._name(self.root)}, "
            f"more than max_paths = {self.max_paths}, so the paths are not listed; reverse mode "
            "computed the gradient with one visit per node: .by_node holds "
            f"{_partial(self._name(self.root), 'node')} for every node on those paths "
            "(or pass a larger max_paths to chain_rule)"
        )


def _mentions(text: str, name: str) -> bool:
    """``name`` appears in ``text`` as a whole name (``add₁`` is not in ``add₁₂``)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.₀-₉])", text) is not None


def _reverse_mode(root: Value, between: Sequence[Value]) -> dict[Value, float]:
    """∂root/∂node for the nodes on some path, visited as backward visits them.

    Only nodes on a path can send gradient to nodes on a path, so restricting the walk
    to them gives backward's own numbers, added in backward's own order.
    """
    inside = set(between)
    grads = {node: 0.0 for node in reversed(between)}
    if root in grads:
        grads[root] = 1.0
    for node in reversed(between):
        upstream = grads[node]
        for parent, local in graph.edges(node):
            if parent in inside:
                grads[parent] += local * upstream
    return grads


def _enumerate_paths(root: Value, wrt: Value, inside: set[Value]) -> tuple[Path, ...]:
    """Every path from root down to wrt, each parent in input order (an explicit stack, no recursion)."""
    if root not in inside:
        return ()
    found: list[Path] = []
    stack: list[tuple[Value, tuple[Value, ...], tuple[Edge, ...]]] = [(root, (root,), ())]
    while stack:
        node, nodes, edges = stack.pop()
        if node is wrt:
            found.append(Path(nodes, edges, math.prod(e.local for e in edges)))
            continue
        below = [
            (parent, Edge(node, parent, i, local))
            for i, (parent, local) in enumerate(graph.edges(node))
            if parent in inside
        ]
        for parent, edge in reversed(below):
            stack.append((parent, (*nodes, parent), (*edges, edge)))
    return tuple(found)


def chain_rule(root: Value, wrt: Value, max_paths: int = 256) -> ChainRule:
    """∂root/∂wrt as the sum over paths of products of local derivatives, e.g.
    ∂L/∂w1 = ∂L/∂o31 · ∂o31/∂o21 · ∂o21/∂o11 · ∂o11/∂w1 + ∂L/∂o31 · ∂o31/∂o22 · ∂o22/∂o12 · ∂o12/∂w1.

    Beyond ``max_paths`` paths none is listed; the exact count and the gradient are
    still given (see ``ChainRule``).
    """
    return ChainRule(root, wrt, max_paths=max_paths)


# ----------------------------------------------------------------------------- LaTeX

_LATEX_NAME = re.compile(r"([A-Za-zα-ωΑ-Ω]+)([0-9]+|[₀-₉]+)?")


def _latex_name(name: str) -> str:
    match = _LATEX_NAME.fullmatch(name)
    if match is None:
        return rf"\text{{{_latex_text(name)}}}"
    base, digits = match[1], match[2]
    base = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    if not digits:
        return base
    return f"{base}_{{{digits.translate(str.maketrans('₀₁₂₃₄₅₆₇₈₉', '0123456789'))}}}"


def _latex_text(text: str) -> str:
    return text.replace("{", "(").replace("}", ")").replace("$", "")


def _latex_partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {_latex_name(top)}}}{{\partial {_latex_name(bottom)}}}"


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


@dataclass(frozen=True, eq=False)
class Step:
    """One node of the backward pass: its upstream ∂root/∂node, sent into each of its inputs.

    ``number`` counts from 1 up to ``steps``; ``updates`` has one entry per edge, in
    input order (a parent used twice gets two).
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
                f"  {_partial(root, u.parent_name)} += {_partial(node, u.parent_name)} · {upstream}"
                f" = {local} · {upstream} = {_factor_number(u.local)} · "
                f"{_factor_number(self.upstream)} = {_number(u.contribution)}"
                f"   (grad {_number(u.grad_before)} → {_number(u.grad_after)})"
            )
        return "\n".join(lines)


def _seed(root: Value, order: Sequence[Value]) -> None:
    """What ``backward()`` does before its first node: intermediates restart at 0, leaves keep theirs."""
    for node in order:
        node._ran = True  # the graph now knows a backward has run through it, as backward() marks it
        if not node.is_leaf:
            node.grad = 0.0
    if root.is_leaf:
        root.grad += 1.0
    else:
        root.grad = 1.0


def _apply(node: Value, number: int, steps: int, names: Mapping[Value, str], root: Value) -> Step:
    """Send ``node``'s gradient into its inputs exactly as ``backward()`` does, recording each edge."""
    upstream = node.grad
    updates = []
    for index, (parent, local) in enumerate(graph.edges(node)):
        before = parent.grad
        contribution = local * upstream
        parent.grad = before + contribution  # backward's own `+=`, so the floats are identical
        updates.append(
            Update(
                parent,
                names[parent],
                index,
                _edge_formula(node, index, names),
                local,
                contribution,
                before,
                parent.grad,
            )
        )
    assert node.op is not None
    expression = node.op.show([names[p] for p in node.parents])
    return Step(number, steps, node, names[node], expression, names[root], upstream, tuple(updates))


def backprop_steps(root: Value) -> Iterator[Step]:
    """``root.backward()`` one node at a time: yields a ``Step`` per node that has inputs.

    Nodes come in backward's own order and each step is applied before it is yielded,
    so running the iterator to the end leaves exactly the gradients of ``backward()``
    (leaves accumulate, intermediates restart at 0). Nothing changes until the first step.
    """
    _require_value(root, "backprop_steps")
    return _steps(root)


def _steps(root: Value) -> Iterator[Step]:
    order = graph.backward_order(root)
    names = node_names(root)
    working = [node for node in order if not node.is_leaf]
    _seed(root, order)
    for number, node in enumerate(working, start=1):
        yield _apply(node, number, len(working), names, root)


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
        self._names = node_names(root)
        self._working = [node for node in self._order if not node.is_leaf]
        self._history: list[Step] = []
        self._before: list[tuple[Value, float, bool]] = []

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
                self._before = [(node, node.grad, node._ran) for node in self._order]
                _seed(self.root, self._order)
            node = self._working[self.position]
            self._history.append(_apply(node, self.position + 1, self.steps, self._names, self.root))
        return self

    def back(self, n: int = 1) -> Backprop:
        """Undo the last ``n`` steps exactly: every gradient returns to its value before them."""
        for _ in range(min(_count(n, "back"), self.position)):
            undone = self._history.pop()
            for update in reversed(undone.updates):
                update.parent.grad = update.grad_before
            if not self._history:
                for node, grad, ran in self._before:
                    node.grad = grad
                    node._ran = ran  # back to how the graph was before the stepper seeded it
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
            return f"backward not run yet; the first step seeds {_partial(root, root)} = 1 and sends it down"
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
    """Every node an op made, in evaluation order, with its formula and value:
    ``Step 1: z = w1·x1 + w2·x2 + b = 0.01·95 + … = 1.16``, ``Step 2: o = σ(z) = 0.7613``.
    """
    _require_value(root, "forward_steps")
    names = node_names(root)
    made = [node for node in _written_order(root) if node.op is not None]
    steps = []
    for number, node in enumerate(made, start=1):
        assert node.op is not None
        formula = node.op.show([names[p] for p in node.parents])
        numbers = _DOUBLED_BRACKETS.sub(r"(\1)", node.op.show([_number(p.data) for p in node.parents]))
        steps.append(ForwardStep(number, node, names[node], formula, numbers, node.data))
    return ForwardSteps(steps)
