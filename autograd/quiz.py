"""Practice mode: the backward pass, asking before it tells.

``Quiz(L)`` walks ``Backprop``'s steps in backward's order and, for each edge of each
step, asks the learner for a number before showing it:

- ``ask="grad"`` (the default): the step's node, its forward numbers and its upstream
  ∂L/∂node are shown; the question is ∂L/∂input for one of its inputs (upstream × local,
  plus whatever that input already received if it is used more than once);
- ``ask="local"``: the question is the edge's local derivative ∂node/∂input alone.

The root's ∂L/∂L = 1 is the seed, never asked: it is the first question's upstream.
Every answer, right or wrong, reveals the value and moves on (there is no retry); the
first answer to each question is the one ``score`` counts. The numbers come from the
stepper's own steps, and the op table's formula texts; nothing here works out a derivative.
"""

from __future__ import annotations

import dataclasses
import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from . import graph
from .trace import (
    _NOTEBOOKS_HINT,
    Backprop,
    Step,
    Update,
    _factor_number,
    _number,
    _partial,
    _require_value,
    forward_steps,
    node_names,
)
from .value import Value

__all__ = ["Ask", "Quiz", "Result", "Score"]

Ask = Literal["grad", "local"]


class Score(NamedTuple):
    """How many answers were right out of how many questions were answered."""

    correct: int
    asked: int

    def __str__(self) -> str:
        return f"{self.correct} of {self.asked} right"


@dataclass(frozen=True)
class Result:
    """What ``Quiz.answer`` says: ``correct`` or not, the ``expected`` value and why it is that."""

    correct: bool
    given: float
    expected: float
    explanation: str

    def __str__(self) -> str:
        return self.explanation

    def __repr__(self) -> str:
        return f"Result(correct={self.correct}, given={self.given:.6g}, expected={self.expected:.6g})"

    def _repr_html_(self) -> str:
        colour = "green" if self.correct else "#c00"
        first, _, rest = self.explanation.partition("\n")
        return f'<p style="color: {colour}"><b>{html.escape(first)}</b></p><pre>{html.escape(rest)}</pre>'


@dataclass(frozen=True, eq=False)
class _Question:
    """One edge of one step: the input ``update.parent`` of ``step.node``.

    ``received`` is ∂L/∂input gathered by this backward pass before this edge (0 when
    this is the input's first edge), ``sources`` the nodes it came from, ``gradient``
    ∂L/∂input once this edge has added its share (upstream × local, plus what came before).
    ``held`` is the gradient a leaf input held before the quiz's pass began (an earlier
    ``backward()``): the pass adds to it, as backward does; 0 on a fresh graph.
    """

    number: int
    step: Step
    update: Update
    received: float
    sources: tuple[str, ...]
    gradient: float
    held: float = 0.0

    @property
    def accumulates(self) -> bool:
        return bool(self.sources)

    @property
    def so_far(self) -> str:
        """What this pass has sent the input before this edge, in words."""
        name = self.update.parent_name
        if self.held:
            return f"this pass has already sent {name} {_number(self.received)}"
        return f"{name} already holds {_number(self.received)}"


class Quiz:
    """Predict, then check: backprop one edge at a time, with the learner computing each number.

    ``question`` is the current question as text, ``answer(x)`` checks a number (or a
    string holding one) within ``rel_tol`` / ``abs_tol`` (as ``math.isclose``) and returns
    a ``Result``; the quiz then moves on whatever the answer. ``hint()`` gives the formula,
    ``score`` counts right answers, ``done`` says when every edge has been asked,
    ``widget()`` is a number box and a Check button in Jupyter.

    The graph's gradients follow what has been revealed: once every edge of a step has
    been answered, the quiz applies that step with the stepper, so the gradients are
    always backward()'s own numbers (never the learner's), and a finished quiz leaves
    exactly the gradients of ``root.backward()``. Do not call ``backward()`` on the same
    graph during a quiz.

    On a graph that already holds gradients (an earlier ``backward()``), the quiz is one
    more backward pass, with PyTorch's contract: every question asks what *this* pass
    sends, and the leaves accumulate, so a finished quiz adds this pass's gradients to
    what they held, as a second ``backward()`` would. Questions and explanations say
    what a leaf held before the pass wherever it shows; ``zero_grad`` first to start clean.
    """

    def __init__(self, root: Value, ask: Ask = "grad", rel_tol: float = 1e-2, abs_tol: float = 1e-6) -> None:
        _require_value(root, "Quiz")
        if ask not in ("grad", "local"):
            raise ValueError(f"Quiz: ask must be 'grad' or 'local', got {ask!r}")
        self.rel_tol = _tolerance(rel_tol, "rel_tol")
        self.abs_tol = _tolerance(abs_tol, "abs_tol")
        if root.is_leaf:
            raise ValueError(
                f"Quiz: {node_names(root)[root]} is a leaf (no op made it), so there is nothing to ask"
            )
        self.root = root
        self.ask: Ask = ask
        self._stepper = Backprop(root)
        # What each leaf held before this pass: backward adds to it (intermediates restart at 0).
        held = {node: node.grad for node in graph.topological_order(root) if node.is_leaf and node.grad}
        # Every number is read off the stepper's steps; walking them once and undoing the
        # walk exactly gives all of them while the graph stays as it was until answered.
        steps = self._stepper.run().history
        self._stepper.reset()
        self._questions = _questions(root, steps, held)
        self._root_name = self._questions[0].step.root_name
        # "o31 = σ(o31.add) = σ(0.3507) = 0.5868": forward_steps' line without its "Step n: "
        self._forward = {line.node: str(line).partition(": ")[2] for line in forward_steps(root)}
        self._history: list[Result] = []

    # ------------------------------------------------------------------ where we are

    @property
    def total(self) -> int:
        """How many questions the whole quiz asks: one per edge of the backward pass."""
        return len(self._questions)

    @property
    def done(self) -> bool:
        """True once every question has been answered."""
        return len(self._history) == self.total

    @property
    def history(self) -> tuple[Result, ...]:
        """Every answer's ``Result`` so far, in order."""
        return tuple(self._history)

    @property
    def score(self) -> Score:
        """Right answers out of answered questions, e.g. ``Score(correct=30, asked=34)``."""
        return Score(sum(result.correct for result in self._history), len(self._history))

    @property
    def question(self) -> str:
        """The current question: the step's node with its numbers, the upstream, and what to find."""
        if self.done:
            return f"{self._header()}: finished, {self.score}"
        q = self._current()
        step, update = q.step, q.update
        lines = [
            f"Question {q.number} of {self.total} (backward step {step.number} of {step.steps})",
            self._forward[step.node],
        ]
        if self.ask == "local":
            lines.append(f"What is the local derivative {self._local_symbol(q)}?")
            lines += filter(None, [self._mark_note(q)])
            return "\n".join(lines)
        upstream = _partial(step.root_name, step.name)
        lines.append(f"upstream {upstream} = {_number(step.upstream)}")
        asked = _partial(step.root_name, update.parent_name)
        if q.accumulates:
            lines.append(
                f"{q.so_far} (from {', '.join(q.sources)}). What is {asked} after this edge adds its share?"
            )
        else:
            lines.append(f"What is {asked}?")
        if q.held:
            lines.append(
                f"({update.parent_name}.grad held {_number(q.held)} before this pass, from an earlier "
                f"backward(); asked is what this pass sends, which backward adds to it)"
            )
        return "\n".join(lines)

    def hint(self) -> str:
        """The formula for the current question, from the op table, in the graph's names (no numbers)."""
        q = self._current("hint")
        local = f"{self._local_symbol(q)} = {q.update.formula}"
        note = self._mark_note(q)
        note = f"\n{note}" if note else ""
        if self.ask == "local":
            return f"{local}   (the rule of {q.step.name} = {q.step.expression}){note}"
        step = q.step
        upstream = _partial(step.root_name, step.name)
        asked = _partial(step.root_name, q.update.parent_name)
        already = f" + the {_number(q.received)} {_sent(q)}" if q.accumulates else ""
        return (
            f"upstream × local: {asked} = {self._local_symbol(q)} · {upstream}{already}, where {local}{note}"
        )

    # ------------------------------------------------------------------ answering

    def answer(self, value: float | str) -> Result:
        """Check ``value`` against the current question, reveal the right number and move on.

        ``value`` is a number or a string holding one (``"-1.125"``, ``"−1.125"``). A string
        that is not a number, NaN, or any other type raises (``ValueError`` / ``TypeError``)
        and the question stays unanswered.
        """
        q = self._current("answer")
        given = _as_number(value)
        expected = q.update.local if self.ask == "local" else q.gradient
        correct = math.isclose(given, expected, rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        result = Result(correct, given, expected, self._explain(q, given, expected, correct))
        self._history.append(result)
        # Apply every step whose edges have all been revealed, and no more.
        if self.done:
            self._stepper.run()
        else:
            self._stepper.go_to(self._current().step.number - 1)
        return result

    # ------------------------------------------------------------------ showing it

    def draw(self, **options: Any) -> Any:
        """The graph (``graphviz.Digraph``) with the gradients revealed so far, the last step applied lit."""
        return self._stepper.draw(**options)

    def __repr__(self) -> str:
        if self.done:
            return self.question
        return f"{self._header()}: {self.score} so far\n{self.question}"

    def _repr_html_(self) -> str:
        first, _, rest = self.__repr__().partition("\n")
        page = f"<p><b>{html.escape(first)}</b></p>"
        if rest:
            page += "<p>" + "<br>".join(html.escape(line) for line in rest.splitlines()) + "</p>"
        return page

    def widget(self) -> Any:
        """The current question with an answer box, a Check button and a Hint button (needs ipywidgets)."""
        try:
            import ipywidgets as widgets
        except ImportError:
            raise ImportError(f"Quiz.widget() needs ipywidgets: {_NOTEBOOKS_HINT}") from None
        question = widgets.HTML(self._repr_html_())
        box = widgets.Text(placeholder="a number, e.g. -0.25", description="answer")
        check = widgets.Button(description="Check", button_style="primary")
        hint = widgets.Button(description="Hint")
        feedback = widgets.HTML("")

        def show(text: str, colour: str = "inherit") -> None:
            feedback.value = f'<p style="color: {colour}">{html.escape(text)}</p>'

        def on_check(_: object) -> None:
            try:
                result = self.answer(box.value)
            except (TypeError, ValueError, RuntimeError) as error:
                show(str(error), "#c00")  # the question stays: the learner can type again
                return
            feedback.value = result._repr_html_()
            question.value = self._repr_html_()
            box.value = ""
            check.disabled = hint.disabled = self.done

        def on_hint(_: object) -> None:
            if not self.done:
                show(self.hint())

        check.on_click(on_check)
        hint.on_click(on_hint)
        check.disabled = hint.disabled = self.done
        return widgets.VBox([question, widgets.HBox([box, check, hint]), feedback])

    # ------------------------------------------------------------------ helpers

    def _current(self, what: str = "question") -> _Question:
        if self.done:
            raise RuntimeError(
                f"Quiz.{what}: the quiz is finished ({self.score}); make a new Quiz to start again"
            )
        return self._questions[len(self._history)]

    def _header(self) -> str:
        return f"Quiz on {self._root_name}"

    def _local_symbol(self, q: _Question) -> str:
        """∂node/∂input as the step prints it: ``∂y/∂x[1]`` (through input 1) where it would
        otherwise read as a gradient (the root's own edges) or as its twin (``x * x``)."""
        return q.step.local_symbol(q.update)

    def _mark_note(self, q: _Question) -> str:
        """What the ``[i]`` on this question's local derivative means ("" when it has none)."""
        return q.step.mark_note([q.update])

    def _explain(self, q: _Question, given: float, expected: float, correct: bool) -> str:
        asked = (
            self._local_symbol(q) if self.ask == "local" else _partial(q.step.root_name, q.update.parent_name)
        )
        if q.held and self.ask == "grad":
            asked = f"this pass's {asked}"  # not the leaf's .grad, which also holds an earlier pass
        if correct:
            lines = [f"✓ right: {asked} = {expected:.6g}"]
        else:
            lines = [f"✗ {given:.6g} is not {asked}: it is {expected:.6g}"]
            slip = self._slip(q, given)
            if slip:
                lines.append(slip)
        if self.ask == "local":
            value = _number(q.update.local)
            # a constant rule (∂(y − o31)/∂y = 1) is already its number: say it once
            said_once = q.update.formula.replace("−", "-") == value  # −1 is -1
            shown = value if said_once else f"{q.update.formula} = {value}"
            lines.append(
                f"{self._local_symbol(q)} = {shown}, by the rule of {q.step.name} = {q.step.expression}"
            )
        elif q.accumulates:
            lines.append(
                f"{q.update.parent_name} is used more than once, so its gradient adds up: "
                f"{_number(q.received)} (from {', '.join(q.sources)}) + "
                f"{_factor_number(q.update.local)} · {_factor_number(q.step.upstream)} = {_number(expected)}"
                f"{q.update.switch_note(q.step.upstream)}"
            )
        if q.held:
            name, update = q.update.parent_name, q.update
            pass_total = _number(q.gradient)
            lines.append(
                f"{name}.grad held {_number(q.held)} before this pass (an earlier backward()); leaves "
                f"accumulate, as with backward(), so below {name}.grad goes {_number(update.grad_before)} → "
                f"{_number(update.grad_after)}: the {_number(q.held)} it held + this pass's {pass_total}"
            )
        lines.append("upstream × local, for each input revealed so far:")
        revealed = q.step.updates[: q.step.updates.index(q.update) + 1]
        lines.append(str(dataclasses.replace(q.step, updates=revealed)))  # nothing not yet asked is shown
        return "\n".join(lines)

    def _slip(self, q: _Question, given: float) -> str:
        """The usual slips, named: a missing upstream, a missing earlier share, a sign."""
        if self.ask == "local":
            return ""

        def near(x: float) -> bool:
            return math.isclose(given, x, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

        upstream = _partial(q.step.root_name, q.step.name)
        if q.accumulates and near(q.update.contribution):
            return f"that is only this edge's share: add the {_number(q.received)} {_sent(q)}"
        if q.held and near(q.update.grad_after):
            return (
                f"that is {q.update.parent_name}.grad with the {_number(q.held)} it held before this "
                f"pass: the question is what this pass sends, {upstream} × the local derivative"
                + (", plus what this pass sent before" if q.accumulates else "")
            )
        if near(q.update.local):
            return (
                f"that is the local derivative {self._local_symbol(q)} alone: "
                f"multiply it by the upstream {upstream}"
            )
        if q.gradient != 0 and near(-q.gradient):
            return "the sign is wrong: check the sign of each factor"
        return ""


def _sent(q: _Question) -> str:
    """``w1 already holds`` / ``this pass already sent w1``, after a number."""
    name = q.update.parent_name
    return f"this pass already sent {name}" if q.held else f"{name} already holds"


def _questions(root: Value, steps: tuple[Step, ...], held: dict[Value, float]) -> tuple[_Question, ...]:
    """One question per edge, in the stepper's order, with what each input had already received.

    The pass is replayed with backward's own one-node step into a fresh dict: what an input
    has received is this pass's sum alone, without the gradient a leaf held before it
    (``held``, kept beside it so the questions can say so).
    """
    received: dict[Value, float] = {root: 1.0}
    sources: dict[Value, list[str]] = {}
    questions: list[_Question] = []
    for step in steps:
        for update, share in zip(step.updates, graph.accumulate(step.node, received)):
            came_from = tuple(sources.get(share.parent, ()))
            questions.append(
                _Question(
                    len(questions) + 1,
                    step,
                    update,
                    share.before,
                    came_from,
                    share.after,
                    held.get(share.parent, 0.0),
                )
            )
            sources.setdefault(share.parent, []).append(step.name)
    return tuple(questions)


def _tolerance(x: object, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x) or x < 0:
        raise ValueError(f"Quiz: {name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _as_number(value: object) -> float:
    """The learner's answer as a float: numbers, or text as typed (a Unicode minus is allowed)."""
    if isinstance(value, str):
        text = value.strip().replace("−", "-")
        if not text:
            raise ValueError("Quiz.answer: the answer is empty; type a number, e.g. -0.25")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"Quiz.answer: {value!r} is not a number; type one, e.g. -0.25") from None
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
    else:
        raise TypeError(f"Quiz.answer: expected a number, got {type(value).__name__}")
    if math.isnan(number):
        raise ValueError("Quiz.answer: the answer is NaN (not a number); type a number, e.g. -0.25")
    return number
