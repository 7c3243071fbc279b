"""Random expression graphs over every op: backward against finite differences and torch."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import autograd

from .programs import Instruction, Program, kinks_hit, programs, run_autograd, run_on, run_torch


def _output(program: Program, inputs: list[float]) -> float:
    with autograd.no_grad():
        return run_on(program, [autograd.Value(x) for x in inputs])[-1].data


@settings(max_examples=150, deadline=None)
@given(programs())
def test_backward_matches_central_differences(program: Program) -> None:
    leaves, nodes = run_autograd(program)
    assume(not kinks_hit(nodes))
    nodes[-1].backward()
    eps = 1e-6
    for i, leaf in enumerate(leaves):
        up, down = list(program.inputs), list(program.inputs)
        up[i] += eps
        down[i] -= eps
        numeric = (_output(program, up) - _output(program, down)) / (2 * eps)
        assert leaf.grad == pytest.approx(numeric, rel=1e-4, abs=1e-5), program


@settings(max_examples=60, deadline=None)
@given(programs())
def test_gradcheck_agrees(program: Program) -> None:
    _, nodes = run_autograd(program)
    assume(not kinks_hit(nodes))

    def f(*xs: autograd.Value) -> autograd.Value:
        return run_on(program, xs)[-1]

    assert autograd.gradcheck(f, list(program.inputs), atol=1e-5, rtol=1e-4)


HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAS_TORCH, reason="torch not installed (make test installs it)")
@settings(max_examples=150, deadline=None)
@given(programs())
def test_backward_matches_torch_autograd(program: Program) -> None:
    leaves, nodes = run_autograd(program)
    assume(not kinks_hit(nodes, margin=1e-12))
    nodes[-1].backward()
    torch_leaves, torch_out = run_torch(program)
    assert nodes[-1].data == pytest.approx(torch_out.item(), rel=1e-9, abs=1e-9), program
    if torch_out.requires_grad:
        torch_out.backward()
    for leaf, torch_leaf in zip(leaves, torch_leaves):
        expected = 0.0 if torch_leaf.grad is None else torch_leaf.grad.item()
        assert leaf.grad == pytest.approx(expected, rel=1e-9, abs=1e-9), program


def _all_grads(nodes: list[autograd.Value]) -> list[str]:
    return [node.grad.hex() for node in nodes]  # hex tells -0.0 from 0.0: bit for bit


@settings(max_examples=200, deadline=None)
@given(programs(), st.lists(st.sampled_from([0.0, -0.0, 1.5, -0.25]), min_size=3, max_size=3))
@example(  # step(x0 · x1): the product gets upstream 0, so backward adds nothing to x0's -0.0
    Program((1.0, 2.0), (Instruction("mul", (0, 1), 2.0), Instruction("step", (2,), 2.0))), [-0.0, 0.0, 0.0]
)
def test_detect_anomaly_gives_bit_identical_gradients_on_a_clean_graph(
    program: Program, start: list[float]
) -> None:
    # Leaves accumulate into whatever grad they hold, so start them from a few values, -0.0
    # among them (x + 0.0 turns -0.0 into 0.0: a loop that adds where the other skips shows).
    leaves, nodes = run_autograd(program)
    for leaf, grad in zip(leaves, start):
        leaf.grad = grad
    nodes[-1].backward()
    nodes[-1].backward()  # the second call accumulates into the first's leaf gradients
    with autograd.detect_anomaly():
        checked_leaves, checked_nodes = run_autograd(program)
        for leaf, grad in zip(checked_leaves, start):
            leaf.grad = grad
        checked_nodes[-1].backward()
        checked_nodes[-1].backward()
    assert _all_grads(checked_nodes) == _all_grads(nodes), program
