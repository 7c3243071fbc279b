"""torch is optional (the ``torch`` extra): without it nn's tests still run, and only the
comparisons with torch are skipped."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# `None` in sys.modules makes `import torch` raise ImportError, as if it were not installed.
RUN_WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""


def test_nns_tests_run_without_torch_and_skip_only_the_comparisons(tmp_path: Path) -> None:
    files = sorted(str(path) for path in HERE.glob("test_*.py") if path.name != Path(__file__).name)
    result = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_TORCH, "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *files],
        cwd=tmp_path,  # hypothesis keeps its examples in the working directory
        capture_output=True,
        text=True,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|skipped|failed|errors?)", summary)}
    assert set(counts) == {"passed", "skipped"}, summary
    assert counts["passed"] > counts["skipped"] > 0
    skipped = re.findall(r"SKIPPED \[\d+\] (\S+?):\d+: could not import 'torch'", result.stdout)
    assert {Path(path).name for path in skipped} == {"test_activations.py", "test_losses.py", "test_optim.py"}
