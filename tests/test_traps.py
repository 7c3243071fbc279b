"""The traps other engines fall into, one test each, named after the trap.

Expected numbers come from differentiating by hand (shown in each test), not from
running the engine.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import autograd
from autograd import Value


def test_trap_diamond_needs_plus_equals_not_equals_in_backward() -> None:
    # f = (a·b)·(a + b); ∂f/∂a = b(a + b) + ab, ∂f/∂b = a(a + b) + ab. At a = −2, b = 3: −3 and −8.
    # A rule that assigns (=) instead of accumulating (+=) keeps only one path's share.
    a, b = Value(-2.0), Value(3.0)
    f = (a * b) * (a + b)
    f.backward()
    assert (a.grad, b.grad) == (3 * 1 + (-6), -2 * 1 + (-6)) == (-3.0, -8.0)


def test_trap_reused_intermediate_counts_once_per_use_not_once_per_walk() -> None:
    # b = 2a used three times: f = b·b + b, so ∂f/∂a = (2b + 1)·2 = 26 at a = 3.
    # A walk that pushes gradients before all of b's users have reported (no topological
    # order) either misses a use or passes b's partial gradient down more than once.
    a = Value(3.0)
    b = a * 2
    f = b * b + b
    f.backward()
    assert b.grad == 2 * 6.0 + 1
    assert a.grad == (2 * 6.0 + 1) * 2


def test_trap_a_plus_a_is_two_edges_not_a_set_of_parents() -> None:
    # micrograd keeps parents in a set: a + a draws one edge (its gradient is still 2).
    a = Value(5.0)
    y = a + a
    assert y.parents == (a, a) and len(list(autograd.edges(y))) == 2
    y.backward()
    assert a.grad == 2.0


def test_trap_backward_twice_adds_the_same_again_as_pytorch() -> None:
    # z = x·x, y = z + z: ∂y/∂x = 4x = 12 at x = 3; twice: 24 (micrograd: 36).
    x = Value(3.0)
    z = x * x
    y = z + z
    y.backward()
    y.backward()
    assert x.grad == 2 * 4 * 3.0
    assert z.grad == 2.0, "intermediate nodes hold the latest backward's gradient, not a sum"


def test_trap_zero_grad_then_backward_again_gives_the_first_numbers() -> None:
    x = Value(3.0)
    z = x * x
    y = z + z
    y.backward()
    autograd.zero_grad([x])
    y.backward()
    assert x.grad == 4 * 3.0


def test_trap_negative_base_to_a_fractional_power_is_an_error_not_a_complex_number() -> None:
    # micrograd returns (−4) ** 0.5 = 1.2e-16+2j silently
    with pytest.raises(ValueError, match=r"pow: negative base -4\.0 to the non-integer power 0\.5"):
        Value(-4) ** 0.5


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_trap_tanh_and_sigmoid_overflow_at_large_inputs(z: float) -> None:
    # tanh written as (e^2z − 1)/(e^2z + 1) overflows at z = 1000; σ as 1/(1 + e^−z) at z = −1000
    x = Value(z)
    t, s = x.tanh(), x.sigmoid()
    assert t.data == math.copysign(1.0, z) and s.data == (1.0 if z > 0 else 0.0)
    (t + s).backward()
    assert x.grad == 0.0  # 1 − tanh² and σ(1 − σ) are both exactly 0 in floating point here


def test_trap_drawing_without_the_dot_program_names_it_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # peers let graphviz's bare ExecutableNotFound traceback through
    from autograd.draw import GraphvizNotFoundError

    x = Value(2.0, "x")
    y = (x * x).tanh()
    y.backward()
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    with pytest.raises(GraphvizNotFoundError) as caught:
        autograd.save_graph(y, tmp_path / "y.png")
    message = str(caught.value)
    assert "`dot` program" in message and "apt-get install graphviz" in message and "brew" in message
    assert not (tmp_path / "y.png").exists()
    # the DOT source needs no program
    assert autograd.save_graph(y, tmp_path / "y.dot").read_text(encoding="utf-8").startswith("digraph")
