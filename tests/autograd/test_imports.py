"""The engine depends on the standard library only."""

from __future__ import annotations

import subprocess
import sys


def test_importing_autograd_loads_nothing_outside_the_standard_library() -> None:
    code = (
        "import sys, autograd\n"
        "x = autograd.Value(2.0); (x * x).backward()\n"
        "third_party = {'graphviz', 'tqdm', 'numpy', 'torch', 'IPython', 'ipywidgets', 'matplotlib'}\n"
        "print(sorted(third_party & {name.split('.')[0] for name in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_modules_use_only_the_standard_library_at_import_time() -> None:
    allowed = set(sys.stdlib_module_names) | {"autograd"}
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "autograd"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # only top-level imports count: drawing and widgets import their libraries lazily
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name} at module level"


def test_star_import_replaces_no_builtin() -> None:
    import builtins

    import autograd

    namespace: dict[str, object] = {}
    exec("from autograd import *", namespace)
    assert "sum" not in namespace
    assert set(autograd.__all__) & set(dir(builtins)) == set()
    assert autograd.sum([1.0, 2.0]).data == 3.0, "autograd.sum stays, as an attribute of the package"
