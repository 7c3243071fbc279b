"""The README's Python examples run as written, in order, as a reader would run them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_readme_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(BLOCKS) >= 5
    monkeypatch.chdir(tmp_path)  # examples write pictures and model files
    monkeypatch.setattr("builtins.input", lambda prompt="": "0")  # the quiz's terminal loop
    namespace: dict[str, object] = {}
    for index, block in enumerate(BLOCKS):
        # later blocks of a section reuse the names of earlier ones, so one namespace
        exec(compile(block, f"README.md python block {index + 1}", "exec"), namespace)
