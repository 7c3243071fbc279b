"""``python -m benchmarks.profile``: where this project's W1 epoch spends its time.

Two views of the epoch ``make bench`` times (``nn.MLP`` 2 → 16 → 16 → 1, hinge + L2, SGD):

- its phases, each timed with ``perf_counter`` over repeats (medians): building the graph
  (and, of that, the cyclic collector's share, through ``gc.callbacks``), backward's walk
  into topological order, backward's accumulation, the SGD step, and freeing the graph;
- cProfile's functions, by their own time per epoch.

Run it as ``make profile``. cProfile slows small functions more than large ones, so its
shares are a guide to where to look; the phases are the numbers to quote.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from collections.abc import Callable, Sequence

from autograd import graph

from .mlp_epoch import ThisProject
from .problem import make_problem
from .timing import CollectorClock


def phases(engine: ThisProject, repeats: int) -> dict[str, float]:
    """Median seconds of each phase of one epoch."""
    names = ("forward", "of which the cyclic collector", "walk", "accumulate", "step", "free")
    samples: dict[str, list[float]] = {name: [] for name in names}
    clock = CollectorClock()
    gc.collect()
    gc.freeze()  # as the benchmark does: a collection scans what the epoch made
    gc.callbacks.append(clock)
    try:
        for _ in range(repeats):
            engine.optimizer.zero_grad()
            clock.total = 0.0
            start = time.perf_counter()
            loss = engine.loss()
            built = time.perf_counter()
            collector = clock.total
            graph._prepare_backward(loss)  # the walk backward() starts with, timed on its own
            walked = time.perf_counter()
            loss.backward()  # the same walk again, then the accumulation
            backpropagated = time.perf_counter()
            engine.optimizer.step()
            stepped = time.perf_counter()
            del loss
            freed = time.perf_counter()
            walk = walked - built
            for name, seconds in (
                ("forward", built - start),
                ("of which the cyclic collector", collector),
                ("walk", walk),
                ("accumulate", backpropagated - walked - walk),
                ("step", stepped - backpropagated),
                ("free", freed - stepped),
            ):
                samples[name].append(seconds)
    finally:
        gc.callbacks.remove(clock)
        gc.unfreeze()
    return {name: statistics.median(values) for name, values in samples.items()}


def functions(epoch: Callable[[], None], epochs: int, top: int) -> list[tuple[str, float, float]]:
    """cProfile's ``top`` functions by own time: (name, calls per epoch, seconds per epoch)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(epochs):
        epoch()
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, name), (_, calls, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = name if filename == "~" else f"{filename.rsplit('/', 1)[-1]}:{line}({name})"
        rows.append((where, calls / epochs, own / epochs))
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:top]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="epochs timed for the phases (default 30)")
    parser.add_argument("--top", type=int, default=15, help="functions listed (default 15)")
    args = parser.parse_args(argv)

    engine = ThisProject(make_problem())
    engine.epoch()  # warm-up
    times = phases(engine, args.repeats)
    total = sum(seconds for name, seconds in times.items() if not name.startswith("of which"))
    print(f"W1 epoch, this project (nn.MLP): phases, medians of {args.repeats} epochs")
    for name, seconds in times.items():
        indent = "    " if name.startswith("of which") else "  "
        print(f"{indent}{name:<31s} {seconds * 1e3:7.2f} ms  {seconds / total:4.0%}")
    print(f"  {'total':<31s} {total * 1e3:7.2f} ms")
    print()
    print("cProfile, own time per epoch (cProfile's overhead inflates every call):")
    for where, calls, seconds in functions(engine.epoch, epochs=5, top=args.top):
        print(f"  {seconds * 1e3:7.2f} ms  {calls:9,.0f} calls  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
