"""Drawing computation graphs with Graphviz (issue 5: to be written)."""

from __future__ import annotations

from typing import Any


def draw(root: Any, **options: Any) -> Any:
    raise NotImplementedError("draw: not written yet (issue 5)")


def save_graph(root: Any, path: str, **options: Any) -> Any:
    raise NotImplementedError("save_graph: not written yet (issue 5)")
