"""Practice mode: the Quiz asks in the stepper's order and checks against backward()'s own numbers.

Expected values come from ``backward()`` on a twin graph (the same network built again)
or from hand-written float math (upstream × local with the twin's numbers, σ′ = σ(1 − σ),
the diamond f = (a·b)·(a + b) worked on paper); never from the quiz's own output.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Quiz, Value, backprop_steps, graph
from autograd.examples import notes_network
from autograd.quiz import Ask, Result, Score
from autograd.trace import node_names

from .programs import Program, programs, run_autograd

QUESTIONS_IN_THE_NOTES_NETWORK = 34  # edges of its 17 op nodes: counted below from the graph, too

# ----------------------------------------------------------------------------- helpers

_ASKED = re.compile(r"What is (?:the local derivative )?∂[^/]+/∂(\S+?)(?:\[\d+\])?(?:\?| after)")


ROOT_MARK = (
    "[1]: through input 1 of L = loss.sub^2: the local derivative of that one edge, not the whole gradient"
)


def _asked(quiz: Quiz) -> tuple[str, str]:
    """(the node whose step it is, the input asked about), read off the question's text."""
    lines = quiz.question.splitlines()
    match = _ASKED.search(next(line for line in lines if "What is" in line))
    assert match, quiz.question
    return lines[1].split(" = ")[0], match[1]


def _state(root: Value) -> list[tuple[float, bool]]:
    return [(node.grad, node.backward_ran) for node in graph.topological_order(root)]


def _notes_answers() -> Callable[[str, str], float]:
    """∂L/∂input after each edge, from backward() on a twin network and upstream × local by hand.

    An input reached once gets its final gradient from its only edge: the twin's ``.grad``.
    w1, x1 and x2 feed both first-layer neurons; their first share (from Σ11) is
    upstream × local written out: ∂Σ11/∂w1 = x1, ∂Σ11/∂x1 = w1, ∂Σ11/∂x2 = w2.
    """
    twin, _ = notes_network()
    twin.backward()
    by_name = {name: node for node, name in node_names(twin).items()}
    upstream = by_name["Σ11"].grad
    first_share = {"w1": 95.0 * upstream, "x1": 0.01 * upstream, "x2": 0.02 * upstream}
    uses = Counter(parent for node in graph.topological_order(twin) for parent in node.parents)
    seen: Counter[str] = Counter()

    def expected(node: str, parent: str) -> float:
        seen[parent] += 1
        if seen[parent] == uses[by_name[parent]]:
            return by_name[parent].grad
        assert node == "Σ11" and seen[parent] == 1, (node, parent)
        return first_share[parent]

    return expected


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _o31_by_hand() -> float:
    x1, x2 = 95.0, 3.0
    o11 = _sigmoid(0.01 * x1 + 0.02 * x2 + 0.01)
    o12 = _sigmoid(0.01 * x1 + 0.03 * x2 + 0.01)
    o21, o22 = _sigmoid(0.5 * o11 + 0.1), _sigmoid(-0.4 * o12 + 0.1)
    return _sigmoid(0.8 * o21 - 0.6 * o22 + 0.03)


def _diamond() -> Value:
    """f = (a·b)·(a + b) at a = −2, b = 3: p = −6, s = 1; ∂f/∂a = b·s + p = −3, ∂f/∂b = a·s + p = −8."""
    a, b = Value(-2.0, "a"), Value(3.0, "b")
    p, s = a * b, a + b
    p.label, s.label = "p", "s"
    f = p * s
    f.label = "f"
    return f


# ----------------------------------------------------------------------------- the walk


def test_questions_walk_the_stepper_order_one_per_edge() -> None:
    loss, _ = notes_network()
    twin, _ = notes_network()
    order = [(step.name, u.parent_name, step.number) for step in backprop_steps(twin) for u in step.updates]
    quiz = Quiz(loss)
    edges = sum(len(node.parents) for node in graph.topological_order(loss))
    assert quiz.total == len(order) == edges == QUESTIONS_IN_THE_NOTES_NETWORK
    for number, (node, parent, step) in enumerate(order, start=1):
        assert quiz.question.startswith(f"Question {number} of 34 (backward step {step} of 17)")
        assert _asked(quiz) == (node, parent)
        quiz.answer(0.0)
    assert quiz.done and quiz.question == "Quiz on L: finished, 0 of 34 right"


def test_the_root_is_the_seed_shown_as_upstream_never_asked() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    o31 = _o31_by_hand()
    assert quiz.question.splitlines() == [
        "Question 1 of 34 (backward step 1 of 17)",
        f"L = loss.sub^2 = ({-o31:.4g})^2 = {o31 * o31:.6g}",  # forward numbers by hand: y = 0
        "upstream ∂L/∂L = 1",
        "What is ∂L/∂loss.sub?",
    ]
    asked = []
    while not quiz.done:
        asked.append(_asked(quiz)[1])
        quiz.answer(1.0)
    assert "L" not in asked


def test_scripted_right_and_wrong_answers_on_the_notes_network() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    expected = _notes_answers()
    right = 0
    for number in range(1, quiz.total + 1):
        node, parent = _asked(quiz)
        value = expected(node, parent)
        answer_right = number % 3 != 0
        result = quiz.answer(value * (1 + 0.004) if answer_right else value + 1.0)
        assert result.expected == value, (node, parent)  # bit for bit: backward's own floats
        assert result.correct is answer_right
        right += answer_right
        assert quiz.score == Score(right, number)
    assert quiz.score == (right, 34) and str(quiz.score) == f"{right} of 34 right"
    assert [r.correct for r in quiz.history] == [n % 3 != 0 for n in range(1, 35)]


def test_the_first_answers_match_the_network_worked_by_hand() -> None:
    """L = (y − o31)², y = 0: ∂L/∂loss.sub = 2(y − o31), ∂L/∂y = 2(y − o31)·1, ∂L/∂o31 = 2(y − o31)·(−1)."""
    loss, _ = notes_network()
    quiz = Quiz(loss)
    o31 = _o31_by_hand()
    by_hand = [2 * (0 - o31), 2 * (0 - o31), -2 * (0 - o31), -2 * (0 - o31) * o31 * (1 - o31)]
    for value in by_hand:
        result = quiz.answer(round(value, 4))  # four figures, as a learner writes them
        assert result.correct
        assert result.expected == pytest.approx(value, rel=1e-12)


def test_a_node_used_twice_adds_up_as_the_diamond_worked_on_paper() -> None:
    quiz = Quiz(_diamond())
    # each edge's share by hand: ∂f/∂p = s = 1, ∂f/∂s = p = −6; a gets b·1 and 1·(−6), b gets a·1 and −6
    share = {("f", "p"): 1.0, ("f", "s"): -6.0, ("p", "a"): 3.0, ("p", "b"): -2.0, ("s", "a"): -6.0}
    share[("s", "b")] = -6.0
    received: dict[str, float] = {}
    finals = {}
    while not quiz.done:
        node, parent = _asked(quiz)
        if parent in received:
            assert f"{parent} already holds {received[parent]:g}" in quiz.question
        received[parent] = received.get(parent, 0.0) + share[(node, parent)]
        result = quiz.answer(received[parent])
        assert result.correct and result.expected == received[parent]
        finals[parent] = result.expected
    assert finals["a"] == -3.0 and finals["b"] == -8.0


def test_three_uses_add_up_one_share_at_a_time() -> None:
    """f = x·x + x at x = 3: f's step sends 1 to x, then x·x sends x = 3 twice: 1, 4, 7 = 2x + 1."""
    x = Value(3.0, "x")
    square = x * x
    square.label = "sq"
    f = square + x
    f.label = "f"
    quiz = Quiz(f)
    answers = {"sq": [1.0], "x": [1.0, 4.0, 7.0]}
    while not quiz.done:
        parent = _asked(quiz)[1]
        value = answers[parent].pop(0)
        assert quiz.answer(value).correct, (parent, value)
    assert answers == {"sq": [], "x": []}


# ----------------------------------------------------------------------------- the graph's gradients


def test_making_a_quiz_changes_no_gradient() -> None:
    loss, _ = notes_network()
    before = _state(loss)
    Quiz(loss)
    assert _state(loss) == before  # asks before it tells: nothing revealed yet, backward not run


def test_a_wrong_answer_changes_no_gradient() -> None:
    """Within a step nothing moves; the step's last answer applies backward's step, never the answer."""
    loss, _ = notes_network()
    twin, _ = notes_network()
    wrong, right = Quiz(loss), Quiz(twin)
    expected = _notes_answers()
    while not wrong.done:
        step = wrong.question.splitlines()[0]
        before = _state(loss)
        value = expected(*_asked(right))
        assert not wrong.answer(value + 1.0).correct
        assert right.answer(value).correct
        step_over = wrong.done or wrong.question.splitlines()[0].split("(")[1] != step.split("(")[1]
        if not step_over:
            assert _state(loss) == before
        assert _state(loss) == _state(twin)  # wrong and right answers leave the same gradients


@settings(max_examples=25, deadline=None)
@given(st.lists(st.booleans(), min_size=34, max_size=34), st.sampled_from(["grad", "local"]))
def test_a_finished_quiz_leaves_exactly_backwards_gradients(rights: list[bool], ask: str) -> None:
    loss, _ = notes_network()
    twin, _ = notes_network()
    twin.backward()
    quiz = Quiz(loss, ask="local" if ask == "local" else "grad")
    expected = _notes_answers()
    for answer_right in rights:
        node, parent = _asked(quiz)
        value = expected(node, parent)
        if ask == "local":
            result = quiz.answer(7.5)
        else:
            result = quiz.answer(value if answer_right else -value - 1.0)
            assert result.correct is answer_right
    assert quiz.done
    assert _state(loss) == _state(twin)  # every grad, bit for bit, and backward_ran


@settings(max_examples=30, deadline=None)
@given(programs(), st.data())
def test_a_finished_quiz_equals_backward_on_random_graphs(program: Program, data: st.DataObject) -> None:
    """Shared subexpressions, x*x, stale gradients on leaves: still exactly backward()'s numbers."""
    (_, by_backward), (_, by_quiz), (_, scout) = (
        run_autograd(program),
        run_autograd(program),
        run_autograd(program),
    )
    if by_quiz[-1].is_leaf:
        return
    for nodes in (by_backward, by_quiz):
        for i, node in enumerate(nodes):
            node.grad = 0.25 * (i + 1) if node.is_leaf else 7.0
    by_backward[-1].backward()
    ask: Ask = "local" if data.draw(st.booleans()) else "grad"
    answers = [r.expected for r in _run(Quiz(scout[-1], ask=ask), lambda: 0.0)]  # the numbers to be right
    quiz = Quiz(by_quiz[-1], ask=ask)
    rights = data.draw(st.lists(st.booleans(), min_size=quiz.total, max_size=quiz.total))
    script = iter(a if ok else a + 1.0 + abs(a) for a, ok in zip(answers, rights))  # wrong by more than 1 %
    _run(quiz, lambda: next(script))
    assert [r.correct for r in quiz.history] == rights
    assert [(n.grad, n.backward_ran) for n in by_quiz] == [(n.grad, n.backward_ran) for n in by_backward]


def _run(quiz: Quiz, answer: Callable[[], float]) -> tuple[Result, ...]:
    while not quiz.done:
        quiz.answer(answer())
    return quiz.history


# ----------------------------------------------------------------------------- checking and explaining


def test_tolerance_is_relative_and_absolute_and_configurable() -> None:
    loss, _ = notes_network()
    value = 2 * (0 - _o31_by_hand())  # ∂L/∂loss.sub by hand
    assert Quiz(loss).answer(value * 1.009).correct  # default: within 1 %
    assert not Quiz(loss).answer(value * 1.011).correct
    assert not Quiz(loss, rel_tol=1e-3).answer(value * 1.009).correct
    # a dead ReLU sends exactly 0: only the absolute tolerance can accept an answer
    dead = Value(-1.0, "x").relu() * 2.0
    quiz = Quiz(dead)
    quiz.answer(0.0)  # ∂/∂relu = 2
    quiz.answer(-1.0)  # ∂/∂2, the constant: relu(−1) = 0
    assert quiz.answer(5e-7).correct  # ∂/∂x = 0 by relu′ = 0; default abs_tol = 1e-6
    strict = Quiz(Value(-1.0, "x").relu() * 2.0, abs_tol=0.0)
    strict.answer(2.0)
    strict.answer(0.0)
    assert not strict.answer(5e-7).correct


def test_a_tiny_gradient_is_not_matched_by_zero() -> None:
    """∂L/∂x1 from Σ11 is w1 · ∂L/∂Σ11 ≈ 5e-5: answering 0 must be wrong."""
    loss, _ = notes_network()
    quiz = Quiz(loss)
    expected = _notes_answers()
    while _asked(quiz) != ("Σ11", "x1"):
        quiz.answer(expected(*_asked(quiz)))
    small = expected("Σ11", "x1")
    assert 1e-5 < small < 1e-4
    result = quiz.answer(0.0)
    assert not result.correct and result.expected == small


def test_a_wrong_answer_is_explained_as_upstream_times_local() -> None:
    loss, _ = notes_network()
    twin, _ = notes_network()
    twin.backward()
    by_name = {name: node for node, name in node_names(twin).items()}
    quiz = Quiz(loss)
    while _asked(quiz) != ("Σ31", "w6"):
        quiz.answer(0.0)
    assert quiz.question.splitlines()[2] == f"upstream ∂L/∂Σ31 = {by_name['Σ31'].grad:.4g}"
    result = quiz.answer(0.5)
    o21, upstream = by_name["o21"].data, by_name["Σ31"].grad
    assert not result.correct and result.expected == by_name["w6"].grad
    lines = result.explanation.splitlines()
    assert lines[0] == f"✗ 0.5 is not ∂L/∂w6: it is {o21 * upstream:.6g}"
    assert "step 5 of 17: Σ31 = w6·o21 + w7·o22" in result.explanation
    edge = f"∂L/∂w6 += ∂Σ31/∂w6 · ∂L/∂Σ31 = o21 · ∂L/∂Σ31 = {o21:.4g} · {upstream:.4g} = {o21 * upstream:.4g}"
    assert any(line.strip().startswith(edge) for line in lines)
    # tells nothing not yet asked: the step's other inputs come in later questions
    assert "∂L/∂w7" not in result.explanation and "∂L/∂o21" not in result.explanation
    assert str(result) == result.explanation
    assert repr(result) == f"Result(correct=False, given=0.5, expected={o21 * upstream:.6g})"
    # once its last input is asked, the whole step shows which input received what
    for _ in range(3):
        last = quiz.answer(0.0)
    assert all(f"∂L/∂{name} +=" in last.explanation for name in ("w6", "w7", "o21", "o22"))


def test_a_right_answer_says_so() -> None:
    quiz = Quiz(_diamond())
    result = quiz.answer(1.0)  # ∂f/∂p = s = a + b = 1 by hand
    assert result.correct and result.explanation.startswith("✓ right: ∂f/∂p = 1")


def test_the_usual_slips_are_named() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    o31 = _o31_by_hand()
    sign = quiz.answer(-2 * (0 - o31))  # ∂L/∂loss.sub = 2(y − o31), with the sign flipped
    assert "the sign is wrong" in sign.explanation
    quiz.answer(2 * (0 - o31))  # ∂L/∂y
    alone = quiz.answer(-1.0)  # ∂L/∂o31: the local ∂loss.sub/∂o31 = −1, not yet times the upstream
    assert (
        "that is the local derivative ∂loss.sub/∂o31 alone: multiply it by the upstream" in alone.explanation
    )
    expected = _notes_answers()
    quiz = Quiz(notes_network()[0])
    while _asked(quiz) != ("Σ12", "w1"):
        quiz.answer(expected(*_asked(quiz)))
    twin, _ = notes_network()
    twin.backward()
    by_name = {name: node for node, name in node_names(twin).items()}
    this_edge = 95.0 * by_name["Σ12"].grad  # ∂Σ12/∂w1 = x1, times the upstream
    forgot = quiz.answer(this_edge)
    assert not forgot.correct and forgot.expected == by_name["w1"].grad
    assert "that is only this edge's share: add the" in forgot.explanation
    assert "w1 is used more than once, so its gradient adds up" in forgot.explanation


def test_local_mode_asks_each_edges_local_derivative() -> None:
    loss, _ = notes_network()
    twin, _ = notes_network()
    by_name = {name: node for node, name in node_names(twin).items()}
    quiz = Quiz(loss, ask="local")
    assert quiz.question.splitlines()[-2:] == [
        "What is the local derivative ∂L/∂loss.sub[1]?",
        ROOT_MARK,  # the mark explained where the learner meets it
    ]
    assert "upstream" not in quiz.question
    while not quiz.done:
        node, parent = _asked(quiz)
        child = by_name[node]
        assert child.op is not None
        if child.op.name == "sigmoid":  # σ′ = σ(1 − σ), by hand from the node's output
            value = child.data * (1.0 - child.data)
            assert quiz.hint().startswith(f"∂{node}/∂{parent} = σ(1 − σ)")
        elif child.op.name == "dot":  # ∂(Σ wᵢxᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ
            ws, xs = child.parents[: len(child.parents) // 2], child.parents[len(child.parents) // 2 :]
            partner = dict(zip(ws, xs)) | dict(zip(xs, ws))
            value = partner[by_name[parent]].data
        elif child.op.name == "add":
            value = 1.0
        elif child.op.name == "sub":  # loss.sub = y − o31
            value = 1.0 if parent == "y" else -1.0
        else:  # L = loss.sub²: 2·loss.sub
            value = 2.0 * child.parents[0].data
        result = quiz.answer(value)
        assert result.correct and result.expected == pytest.approx(value, rel=1e-12), (node, parent)
    twin.backward()
    assert _state(loss) == _state(twin)


def test_local_mode_names_which_input_of_x_times_x() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    quiz = Quiz(y, ask="local")
    note = "the local derivative of that one edge, not the whole gradient"
    assert quiz.question.endswith(
        f"What is the local derivative ∂y/∂x[1]?\n[1]: through input 1 of y = x · x: {note}"
    )
    assert quiz.hint().endswith(f"\n[1]: through input 1 of y = x · x: {note}")
    assert quiz.answer(3.0).correct  # ∂(x·x)/∂(first x) = the other x = 3
    assert quiz.question.endswith(f"∂y/∂x[2]?\n[2]: through input 2 of y = x · x: {note}")


def test_hints_come_from_the_op_table() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    quiz.answer(0.0)
    quiz.answer(0.0)
    minus_one = OPS["sub"].local_formula(1, ["y", "o31"], "loss.sub")
    assert quiz.hint() == (
        f"upstream × local: ∂L/∂o31 = ∂loss.sub/∂o31 · ∂L/∂loss.sub, where ∂loss.sub/∂o31 = {minus_one}"
    )
    square = loss.op  # L = loss.sub², a power with its exponent bound in
    assert square is not None
    local = Quiz(notes_network()[0], ask="local")
    formula = square.local_formula(0, ["loss.sub"], "L")
    assert local.hint() == f"∂L/∂loss.sub[1] = {formula}   (the rule of L = loss.sub^2)\n{ROOT_MARK}"
    # on the root's step the local ∂L/∂loss.sub[1] never reads as the gradient ∂L/∂loss.sub
    grad = Quiz(notes_network()[0])
    assert grad.hint() == (
        f"upstream × local: ∂L/∂loss.sub = ∂L/∂loss.sub[1] · ∂L/∂L, where ∂L/∂loss.sub[1] = {formula}"
        f"\n{ROOT_MARK}"
    )
    assert "[1]" not in quiz.hint()  # no mark, no note: ∂loss.sub/∂o31 reads as no gradient


# ----------------------------------------------------------------------------- bad input


def test_bad_answers_raise_and_leave_the_question_unanswered() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    question = quiz.question
    for bad, error, message in [
        ("abc", ValueError, "'abc' is not a number"),
        ("", ValueError, "the answer is empty"),
        ("nan", ValueError, "NaN"),
        (float("nan"), ValueError, "NaN"),
        (None, TypeError, "expected a number, got NoneType"),
        (True, TypeError, "expected a number, got bool"),
        ([1.0], TypeError, "expected a number, got list"),
    ]:
        with pytest.raises(error, match=re.escape(message)):
            quiz.answer(bad)  # type: ignore[arg-type]
    assert quiz.question == question and quiz.score == (0, 0) and _state(loss) == _state(notes_network()[0])
    value = 2 * (0 - _o31_by_hand())
    assert quiz.answer(f" −{abs(value):.5f} ").correct  # typed as printed, with the Unicode minus
    assert quiz.answer(round(value)).given == -1.0


def test_a_finished_quiz_says_so() -> None:
    quiz = Quiz(Value(2.0, "x").exp())
    quiz.answer(1.0)
    assert quiz.done and quiz.question == "Quiz on exp₁: finished, 0 of 1 right"
    with pytest.raises(RuntimeError, match=r"Quiz.answer: the quiz is finished \(0 of 1 right\)"):
        quiz.answer(1.0)
    with pytest.raises(RuntimeError, match=r"Quiz\.hint: the quiz is finished"):
        quiz.hint()


def test_bad_quiz_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="Quiz: root must be a Value, got float"):
        Quiz(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Quiz: x is a leaf"):
        Quiz(Value(1.0, "x"))
    y = Value(1.0) * 2
    with pytest.raises(ValueError, match="Quiz: ask must be 'grad' or 'local', got 'both'"):
        Quiz(y, ask="both")  # type: ignore[arg-type]
    for name, bad in [("rel_tol", -0.1), ("rel_tol", math.nan), ("abs_tol", math.inf), ("abs_tol", "0")]:
        with pytest.raises(ValueError, match=f"Quiz: {name} must be a finite number >= 0"):
            Quiz(y, **{name: bad})  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- showing it


def test_repr_and_html_show_the_current_question() -> None:
    a, b = Value(1.0, "a<"), Value(2.0, "b")
    y = a * b
    y.label = "y"
    quiz = Quiz(y)
    assert repr(quiz) == f"Quiz on y: 0 of 0 right so far\n{quiz.question}"
    page = quiz._repr_html_()
    assert "∂y/∂a&lt;" in page and "a<" not in page  # labels are escaped, never markup
    quiz.answer(2.0)  # ∂y/∂a = b
    assert "1 of 1 right so far" in repr(quiz)
    quiz.answer(0.0)
    assert repr(quiz) == "Quiz on y: finished, 1 of 2 right"
    assert quiz._repr_html_() == "<p><b>Quiz on y: finished, 1 of 2 right</b></p>"


def test_draw_shows_the_steps_revealed_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []

    def draw(root: Value, **options: object) -> Value:
        calls.append(options)
        return root

    monkeypatch.setattr(sys.modules["autograd.draw"], "draw", draw)
    quiz = Quiz(_diamond())
    quiz.draw()
    quiz.answer(0.0)  # ∂f/∂p: the step of f is still half asked
    quiz.draw()
    quiz.answer(0.0)  # ∂f/∂s: f's step is now applied
    quiz.draw(edge_derivatives=True)
    lit = [call["highlight"] for call in calls]
    assert lit[0] is None and lit[1] is None
    assert getattr(lit[2], "name", None) == "f" and calls[2]["edge_derivatives"] is True


def test_the_widget_checks_answers_over_the_same_quiz() -> None:
    quiz = Quiz(_diamond())
    box = quiz.widget()
    question, row, feedback = box.children
    answer, check, hint = row.children
    assert "What is ∂f/∂p?" in question.value
    hint.click()
    assert "∂f/∂p[1] = s" in feedback.value  # the op table's ∂(p·s)/∂p, the local one of f's input 1
    answer.value = "abc"
    check.click()
    assert "not a number" in feedback.value and quiz.score == (0, 0)
    answer.value = "1"  # ∂f/∂p = s = 1, by hand
    check.click()
    assert "right" in feedback.value and quiz.score == (1, 1) and answer.value == ""
    assert "What is ∂f/∂s?" in question.value
    answer.value = "5"  # ∂f/∂s = p = −6
    check.click()
    assert "is not ∂f/∂s: it is -6" in feedback.value and quiz.score == (1, 2)
    while not quiz.done:
        answer.value = "0"
        check.click()
    assert check.disabled and hint.disabled and "finished" in question.value


def test_the_widget_without_ipywidgets_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(
        ImportError, match=r'Quiz.widget\(\) needs ipywidgets: .*pip install "chainrule\[notebooks\]"'
    ):
        Quiz(Value(1.0) * 2).widget()


def test_the_readme_shows_what_the_quiz_prints() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Practice: predict the gradient, then check", 1)[1].split("\n## ", 1)[0]
    question, explanation = (block.split("```", 1)[0] for block in section.split("```text\n")[1:3])
    quiz = Quiz(notes_network()[0])
    assert question == f"{quiz.question}\n"
    assert quiz.answer(-1.125).correct
    assert explanation == f"{quiz.answer(0.5)}\n"
    assert f"q.hint()     # {quiz.hint()!r}" in section
    first_hint = section.split("the first hint is `", 1)[1].split("`", 1)[0]
    assert first_hint in Quiz(notes_network()[0]).hint()


def test_a_constant_local_derivative_is_said_once() -> None:
    # ∂(y − o31)/∂y = 1 by the subtraction rule: its formula is its number, not "1 = 1"
    loss, _ = notes_network()
    quiz = Quiz(loss, ask="local")
    quiz.answer(5.0)  # step 1, L = loss.sub²: skip past it
    lines = quiz.answer(0.3).explanation.splitlines()
    assert "∂loss.sub/∂y = 1, by the rule of loss.sub = y − o31" in lines
    # and a negative one, whose formula writes a Unicode minus: −1, not "−1 = -1"
    lines = quiz.answer(0.3).explanation.splitlines()
    assert "∂loss.sub/∂o31 = -1, by the rule of loss.sub = y − o31" in lines
    x = Value(2.0, "x")
    negated = Quiz(-x, ask="local")
    lines = negated.answer(-1.0).explanation.splitlines()
    assert lines[:2] == ["✓ right: ∂neg₁/∂x[1] = -1", "∂neg₁/∂x[1] = -1, by the rule of neg₁ = −x"]


def test_a_quiz_on_a_graph_that_holds_gradients_speaks_of_this_pass_and_accumulates() -> None:
    """After L.backward(), a quiz said "✓ right: ∂L/∂w1 = 0.485295" beside "(grad 0.7854 → 1.271)",
    and "w1 already holds 0.4853" beside "(grad 1.271 → 1.571)": the question asked this pass's
    share while the printout showed the leaf's whole .grad, and nothing said which was which."""
    loss, node = notes_network()
    loss.backward()
    before = {name: node[name].grad for name in ("w1", "w2", "w3")}
    quiz = Quiz(loss)
    seen_first = seen_second = False
    while not quiz.done:
        q = quiz._current()
        question, hint = quiz.question, quiz.hint()
        result = quiz.answer(q.gradient)
        assert result.correct
        if q.update.parent_name != "w1":
            continue
        held = f"{before['w1']:.4g}"
        assert f"(w1.grad held {held} before this pass, from an earlier backward()" in question
        assert "✓ right: this pass's ∂L/∂w1 = " in result.explanation
        # the printout's "(grad a → b)" is explained as held + this pass, and adds up
        update = q.update
        assert update.grad_after == pytest.approx(before["w1"] + q.gradient, rel=1e-12)
        assert (
            f"so below w1.grad goes {update.grad_before:.4g} → {update.grad_after:.4g}: "
            f"the {held} it held + this pass's {q.gradient:.4g}"
        ) in result.explanation
        if q.accumulates:
            seen_second = True
            assert f"this pass has already sent w1 {q.received:.4g} (from Σ11)" in question
            assert f"+ the {q.received:.4g} this pass already sent w1" in hint
            assert "w1 already holds" not in question + hint + result.explanation
        else:
            seen_first = True
    assert seen_first and seen_second
    # PyTorch's contract, as backward(): leaves accumulate; this pass's gradients are added once
    again, again_node = notes_network()
    again.backward()
    again.backward()
    assert all(node[name].grad == again_node[name].grad for name in before)


def test_on_a_graph_that_holds_gradients_a_slip_to_the_leafs_whole_grad_is_named() -> None:
    loss, _ = notes_network()
    loss.backward()
    quiz = Quiz(loss)
    while quiz._current().update.parent_name != "w1":
        quiz.answer(quiz._current().gradient)
    result = quiz.answer(quiz._current().update.grad_after)  # what w1.grad will read, not this pass's
    assert not result.correct
    assert "that is w1.grad with the 0.7854 it held before this pass" in result.explanation


def test_a_quiz_on_a_fresh_graph_says_nothing_of_an_earlier_pass() -> None:
    loss, _ = notes_network()
    quiz = Quiz(loss)
    while not quiz.done:
        text = quiz.question + quiz.hint() + quiz.answer(quiz._current().gradient).explanation
        assert "before this pass" not in text and "this pass's" not in text
