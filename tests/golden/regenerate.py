"""Rewrite every golden file from the library: ``python -m tests.golden.regenerate`` (``make golden``).

Run it after an intended change to a picture or a printed trace, then read the diff
before committing it: the golden files are never edited by hand.
"""

from __future__ import annotations

import contextlib
import io

from autograd.__main__ import main
from tests.golden.cases import CLI_CASES, DOT_CASES, GOLDEN


def cli_output(argv: list[str]) -> str:
    """What ``python -m autograd ARGV`` prints, run in this process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv)
    if status != 0:
        raise SystemExit(f"python -m autograd {' '.join(argv)} failed with status {status}")
    return out.getvalue()


def regenerate() -> list[str]:
    written = []
    for name, make in DOT_CASES.items():
        (GOLDEN / name).write_text(make(), encoding="utf-8")
        written.append(name)
    for name, argv in CLI_CASES.items():
        (GOLDEN / name).write_text(cli_output(argv), encoding="utf-8")
        written.append(name)
    return written


if __name__ == "__main__":
    for name in regenerate():
        print(f"wrote tests/golden/{name}")
