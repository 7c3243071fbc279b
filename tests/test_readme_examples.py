"""The README's Python examples run as written, in order, as a reader would run them, and
print what the ```text block right after each one says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
FENCED = re.compile(r"```(\w*)\n(.*?)```", re.S)


def _blocks(text: str) -> list[tuple[str, str, bool]]:
    """Every fenced block as (language, body, directly after the block before it)."""
    blocks = []
    end = None
    for match in FENCED.finditer(text):
        adjacent = end is not None and not text[end : match.start()].strip()
        blocks.append((match[1], match[2], adjacent))
        end = match.end()
    return blocks


BLOCKS = _blocks(README.read_text(encoding="utf-8"))


def _shown(text: str) -> str:
    """Output as compared: trailing spaces and blank lines at either end do not count."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def _run(blocks: list[tuple[str, str, bool]]) -> int:
    """Run the Python blocks in order in one namespace (later blocks reuse earlier names);
    assert that each text block right under one is what it printed. Returns how many were."""
    namespace: dict[str, object] = {}
    printed: str | None = None
    compared = 0
    for index, (language, body, adjacent) in enumerate(blocks, start=1):
        if language == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, f"README.md block {index}", "exec"), namespace)
            printed = out.getvalue()
        elif language == "text" and adjacent and printed is not None:
            assert _shown(printed) == _shown(body), (
                f"README.md block {index} is not what block {index - 1} prints"
            )
            compared += 1
            printed = None
        else:
            printed = None
    return compared


def test_the_readme_examples_run_in_order_and_print_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = [body for language, body, _ in BLOCKS if language == "python"]
    assert len(python) >= 5
    monkeypatch.chdir(tmp_path)  # examples write pictures and model files
    monkeypatch.setattr("builtins.input", lambda prompt="": "0")  # the quiz's terminal loop
    assert _run(BLOCKS) >= 3  # the chain rule and the quiz's printouts at least


def test_a_text_block_that_drifts_from_the_output_fails() -> None:
    """The comparison is real: a changed number under a printout is caught, a right one passes,
    and a text block that is not right under a Python block is not compared."""
    assert _run(_blocks("```python\nprint('a = 1')\n```\n```text\na = 1\n```\n")) == 1
    with pytest.raises(AssertionError, match="block 2 is not what block 1 prints"):
        _run(_blocks("```python\nprint('a = 1')\n```\n```text\na = 2\n```\n"))
    assert _run(_blocks("```python\nprint('a = 1')\n```\nSo:\n```text\na = 2\n```\n")) == 0
