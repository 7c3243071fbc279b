"""``python -m autograd demo``: the notes' worked example, its numbers derived by hand here."""

from __future__ import annotations

import contextlib
import io
import math
from pathlib import Path

import pytest

from autograd.__main__ import main
from autograd.examples import notes_forward_pass


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


Z1 = 95 * 0.01 + 4 * 0.02 + 4 * 0.03 + 0.01
O1 = sigma(Z1)
Z2 = O1 * 0.02 + 0.03
O2 = sigma(Z2)
DL_DO2 = -2 * (1 - O2)  # L = (y − o2)² with y = 1
DL_DZ2 = DL_DO2 * O2 * (1 - O2)


def test_the_forward_pass_has_the_right_numbers_not_the_notes_slips() -> None:
    nodes = notes_forward_pass()
    assert nodes["z1"].data == pytest.approx(Z1) and round(Z1, 3) == 1.16  # the notes: 1.151
    assert nodes["o1"].data == pytest.approx(O1) and round(O1, 5) == 0.76133  # the notes: 0.759
    assert nodes["z2"].data == pytest.approx(Z2) and round(Z2, 6) == 0.045227  # the notes: 0.04518
    assert nodes["o2"].data == pytest.approx(O2) and round(O2, 5) == 0.51130  # the notes: 0.51129


def test_the_demo_prints_gradients_chain_rule_and_update(tmp_path: Path) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["demo", "--out", str(tmp_path / "demo.png")]) == 0
    text = out.getvalue()
    dl_dw4 = DL_DZ2 * O1
    dl_dw1 = DL_DZ2 * 0.02 * O1 * (1 - O1) * 95
    assert f"∂L/∂w4 = {dl_dw4:.6g}" in text
    assert f"∂L/∂w1 = {dl_dw1:.6g}" in text
    assert f"∂L/∂b2 = {DL_DZ2:.6g}" in text
    assert "∂L/∂w4 = ∂L/∂e · ∂e/∂o2 · ∂o2/∂z2 · ∂z2/∂p2 · ∂p2/∂w4" in text
    assert f"= {0.02 - 0.1 * dl_dw4:.6g}: the slope is negative, so the weight grows" in text
    assert (tmp_path / "demo.png").read_bytes()[:4] == b"\x89PNG"
    assert len(text.splitlines()) < 40, "the demo is the first thing a new user sees: keep it short"
