"""Timing engines side by side: in alternation, in one process, medians of repeats.

The machine is shared and noisy, so no engine is timed in a block of its own: every
repeat runs each case once, in turn, and a ratio is taken between medians of the same
run. Each sample ends with ``gc.collect()`` inside the timed region, so an engine pays
for the garbage it leaves for the cyclic collector (micrograd's closures put every node
in a reference cycle) rather than the engine timed after it. Objects alive before
timing starts are frozen out of the collector (``gc.freeze``), so a collection costs
what the case itself left behind, not what the process has accumulated.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """One case's samples: seconds per call, and the part of it spent in the cyclic collector."""

    seconds: list[float]
    gc_seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def gc_share(self) -> float:
        """The collector's share of the median sample's time."""
        middle = sorted(range(len(self.seconds)), key=self.seconds.__getitem__)[len(self.seconds) // 2]
        return self.gc_seconds[middle] / self.seconds[middle] if self.seconds[middle] else 0.0


class CollectorClock:
    """Adds up the time the cyclic collector runs, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: Mapping[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


def time_side_by_side(
    cases: Mapping[str, Callable[[], object]], repeats: int, warmups: int = 1
) -> dict[str, Timing]:
    """Median-ready samples of each case, run in alternation; each sample includes its own collection."""
    for _ in range(warmups):
        for run in cases.values():
            run()
    gc.collect()
    gc.freeze()
    clock = CollectorClock()
    gc.callbacks.append(clock)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    in_gc: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for _ in range(repeats):
            for name, run in cases.items():
                clock.total = 0.0
                start = time.perf_counter()
                run()
                gc.collect()
                samples[name].append(time.perf_counter() - start)
                in_gc[name].append(clock.total)
    finally:
        gc.callbacks.remove(clock)
        gc.unfreeze()
    return {name: Timing(samples[name], in_gc[name]) for name in cases}
