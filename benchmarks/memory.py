"""Memory per node (tracemalloc) and whether a dropped graph is freed without the cyclic collector."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


def count_nodes(root: Any, parents: Callable[[Any], Iterable[Any]]) -> int:
    """How many distinct nodes the root depends on, itself included (iteratively: graphs are deep)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in parents(stack.pop()):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def bytes_per_node(build: Callable[[], Any], parents: Callable[[Any], Iterable[Any]]) -> float:
    """Bytes the graph that ``build`` returns holds, per node, as tracemalloc counts them."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        root = build()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return held / count_nodes(root, parents)


@dataclass(frozen=True)
class Garbage:
    """What dropping a graph leaves behind with the cyclic collector switched off."""

    tracked_left: int
    """GC-tracked objects alive after the drop that were not before it (``gc.get_objects()``).
    Not ``gc.get_count()``: tuples that go back to CPython's free lists are never counted
    as freed, so its delta is not 0 even when everything was freed."""
    collected: int
    """What ``gc.collect()`` then finds unreachable: objects only the cyclic collector can free."""


def garbage_after_drop(build: Callable[[], Any]) -> Garbage:
    """Build a graph (and backpropagate it), drop it with gc disabled, and see what is left."""
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        root = build()
        del root
        left = len(gc.get_objects()) - before
        collected = gc.collect()
    finally:
        gc.enable()
    return Garbage(left, collected)
