"""The README's table of ops is generated from the OPS table, so it cannot drift.

Regenerate it with ``python -m tests.autograd.test_readme``.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograd import OPS

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- ops-table: generated from autograd.OPS by tests/autograd/test_readme.py -->"
END = "<!-- end of ops-table -->"


def ops_table() -> str:
    """One row per op: its forward formula, its symbol in pictures and ∂out/∂input."""
    rows = ["| op | forward | drawn as | local derivative ∂out/∂input |", "| --- | --- | --- | --- |"]
    for op in OPS.values():
        names = ["a", "b"] if op.arity == 2 else ["x"] if op.arity == 1 else ["x1", "x2", "x3"]
        if op.name == "dot":
            names = ["w1", "w2", "x1", "x2"]
        derivatives = "; ".join(
            f"∂/∂{name} = {op.local_formula(i, names, 'out')}" for i, name in enumerate(names)
        )
        if op.multi_output:
            derivatives = (
                f"output 1: ∂/∂x1 = {op.local_formula(0, names, 's1')}; "
                f"∂/∂x2 = {op.local_formula(1, names, 's1')}; likewise for each output"
            )
        elif op.arity is None and op.name != "dot":
            derivatives = f"∂/∂{names[0]} = {op.local_formula(0, names, 'out')}, likewise for each input"
        if op.name == "dot":
            derivatives = f"∂/∂wᵢ = xᵢ; ∂/∂xᵢ = wᵢ (for example {derivatives})"
        cells = [f"`{op.name}`", op.show(names), f"`{op.symbol}`", derivatives]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.S)
    assert match, f"README.md lacks the ops-table markers {START!r} … {END!r}"
    return match.group(1).strip()


def test_readme_ops_table_is_generated_from_ops() -> None:
    assert _section() == ops_table(), "regenerate with: python -m tests.autograd.test_readme"


def test_every_op_is_in_the_readme() -> None:
    section = _section()
    assert all(f"`{name}`" in section for name in OPS)


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    if END not in text:
        text = text.replace(START, f"{START}\n{END}")
    text = re.sub(
        re.escape(START) + r".*?" + re.escape(END), f"{START}\n{ops_table()}\n{END}", text, flags=re.S
    )
    README.write_text(text, encoding="utf-8")
    print(f"wrote the ops table into {README}")
