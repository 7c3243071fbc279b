"""``python -m benchmarks.run``: every workload side by side, one table, written to results.md.

    python -m benchmarks.run            # the full run (what `make bench` does), about a minute
    python -m benchmarks.run --smoke    # a tiny configuration that only checks everything runs

Before any timing, every engine's loss and gradients are compared with the hand-written
float code from the same weights; the run stops if any differs by 1e-9 or more.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

from . import chain, memory, mlp_epoch, wide
from .problem import SIZES, make_problem
from .timing import time_side_by_side

TOLERANCE = 1e-9
RESULTS = Path(__file__).with_name("results.md")
COMMAND = "make bench"


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = SIZES
    samples: int = 100
    epoch_repeats: int = 15
    chain_depths: tuple[tuple[int, int], ...] = ((900, 31), (100_000, 3), (1_000_000, 1))
    """(depth, repeats); micrograd joins only where it can, i.e. at the first depth."""
    chain_nodes_per_sample: int = 10_000
    """A W2 sample builds and backpropagates chains in a row until about this many nodes are
    timed: one chain of N = 900 lasts about a millisecond, short enough that what the engine
    timed before it left in the caches and the allocator would count as this one's time."""
    torch_chain_limit: int = 1_000_000
    recursion_probe: int = 4_000
    width: int = wide.WIDTH
    wide_repeats: int = 5
    memory_depth: int = 900


FULL = Config()
SMOKE = Config(
    sizes=(2, 3, 1),
    samples=6,
    epoch_repeats=1,
    chain_depths=((40, 1), (2_000, 1)),
    chain_nodes_per_sample=80,  # two chains a sample at N = 40, so the loop runs
    torch_chain_limit=2_000,
    recursion_probe=2_000,
    width=200,
    wide_repeats=1,
    memory_depth=40,
)


@dataclass
class Row:
    """One line of the table: a workload, what it measures, and each engine's number."""

    workload: str
    unit: str
    cells: dict[str, str] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)


COLUMNS = (
    "hand-written floats",
    "this project",
    "micrograd 0.1.0",
    "PyTorch, scalar tensors",
    "PyTorch, batched tensors",
)
RATIOS = ("this / floats", "micrograd / this", "PyTorch scalar / this")


def _ratios(floats: float | None, this: float, micro: float | None, torch: float | None) -> dict[str, float]:
    out = {}
    if floats:
        out["this / floats"] = this / floats
    if micro:
        out["micrograd / this"] = micro / this
    if torch:
        out["PyTorch scalar / this"] = torch / this
    return out


def _ms(seconds: float) -> str:
    """A duration to three significant digits in the unit that reads best: 1.11 s, 17 ms, 844 µs, 21.7 ns."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _repeated(case: Callable[[], object], times: int) -> Callable[[], object]:
    """``case`` run ``times`` times in a row as one sample, each run followed by the collection
    a sample ends with, so that each pays for its own garbage as a single sample would."""

    def run() -> object:
        for _ in range(times):
            result = case()
            gc.collect()
        return result

    return run


def _per_node(seconds: float, depth: int) -> str:
    return _ms(seconds / depth)


# ----------------------------------------------------------------------------- W1


def moons_epoch(config: Config, log: Callable[[str], None]) -> tuple[list[Row], dict[str, float]]:
    problem = make_problem(config.sizes, config.samples)
    engines = [engine(problem) for engine in mlp_epoch.ENGINES]
    reference = next(e for e in engines if e.name == "hand-written floats").loss_and_gradients()
    log(f"W1 loss {reference[0]:.12g}; max |difference| of loss and every gradient from hand-written floats:")
    worst = 0.0
    for engine in engines:
        difference = mlp_epoch.max_difference(engine.loss_and_gradients(), reference)
        worst = max(worst, difference)
        log(f"  {engine.name:32s} {difference:.2e}")
        if not difference < TOLERANCE:
            raise SystemExit(f"{engine.name} disagrees with the hand-written floats by {difference:.3g}")
    timings = time_side_by_side({e.name: e.epoch for e in engines}, config.epoch_repeats)
    t = {name: timing.median for name, timing in timings.items()}
    for name, timing in timings.items():
        log(f"  {name:32s} {_ms(timing.median):>10s}  (cyclic GC {timing.gc_share:.0%})")
    floats, micro = t["hand-written floats"], t["micrograd 0.1.0"]
    torch_scalar, torch_batched = t["PyTorch, scalar tensors"], t["PyTorch, batched tensors"]
    rows = []
    for name, label in (
        ("this project", "W1 moons MLP epoch (nn.MLP, dot nodes)"),
        ("this project, autograd only", "W1 same, autograd only (no nn)"),
        ("this project, op by op", "W1 same, op by op as micrograd builds it"),
    ):
        row = Row(label, "per epoch")
        row.cells = {
            "hand-written floats": _ms(floats),
            "this project": _ms(t[name]),
            "micrograd 0.1.0": _ms(micro),
            "PyTorch, scalar tensors": _ms(torch_scalar),
            "PyTorch, batched tensors": _ms(torch_batched),
        }
        row.ratios = _ratios(floats, t[name], micro, torch_scalar)
        rows.append(row)
    shares = {f"W1 GC share {name}": timing.gc_share for name, timing in timings.items()}
    return rows, {"W1 worst difference": worst, **{f"W1 {k}": v for k, v in t.items()}, **shares}


# ----------------------------------------------------------------------------- W2


def deep_chain(config: Config, log: Callable[[str], None]) -> tuple[list[Row], dict[str, float]]:
    rows, numbers = [], {}
    for index, (depth, repeats) in enumerate(config.chain_depths):
        exact = chain.exact_gradient(depth)
        cases: dict[str, Callable[[], object]] = {
            "hand-written floats": partial(chain.hand_written_floats, depth)
        }
        for name, leaf in chain.LEAVES.items():
            if name == "micrograd 0.1.0" and index > 0:
                continue  # its recursive sort fails far below these depths (see the deepest-chain row)
            if name.startswith("PyTorch") and depth > config.torch_chain_limit:
                continue
            cases[name] = partial(chain.gradient, leaf, depth)
        for name, case in cases.items():
            got = case()
            assert isinstance(got, float)
            if not abs(got - exact) < TOLERANCE * exact:
                raise SystemExit(f"W2 {name} at depth {depth}: gradient {got!r}, expected {exact!r}")
        log(f"W2 depth {depth:,}: every engine's ∂x/∂x₀ = 1.0001^{depth // 2} within 1e-9 (relative)")
        chains = max(1, config.chain_nodes_per_sample // depth)
        timed = {name: _repeated(case, chains) for name, case in cases.items()}
        timings = time_side_by_side(timed, repeats, warmups=1 if depth <= 100_000 else 0)
        t = {name: timing.median / chains for name, timing in timings.items()}
        row = Row(f"W2 deep chain, N = {depth:,} nodes", "per node")
        row.cells = {name: _per_node(seconds, depth) for name, seconds in t.items()}
        if "micrograd 0.1.0" not in t:
            row.cells["micrograd 0.1.0"] = "RecursionError"
        if "PyTorch, scalar tensors" not in t:
            row.cells["PyTorch, scalar tensors"] = "not run (too slow)"
        row.ratios = _ratios(
            t["hand-written floats"],
            t["this project"],
            t.get("micrograd 0.1.0"),
            t.get("PyTorch, scalar tensors"),
        )
        rows.append(row)
        for name, seconds in t.items():
            numbers[f"W2 {depth} {name} per node"] = seconds / depth
            log(f"  {name:32s} {_per_node(seconds, depth):>10s} per node")
    limit = config.recursion_probe
    deepest = {
        name: chain.deepest(leaf, limit) for name, leaf in chain.LEAVES.items() if "PyTorch" not in name
    }
    row = Row(f"W2 deepest chain that backpropagates (tried up to {limit:,})", "nodes")
    row.cells = {
        name: f"≥ {depth:,} (all tried)" if depth == limit else f"{depth:,} (then RecursionError)"
        for name, depth in deepest.items()
    }
    rows.append(row)
    log(f"W2 deepest chain (up to {limit:,}): {deepest}")
    numbers.update({f"W2 deepest {name}": float(depth) for name, depth in deepest.items()})
    return rows, numbers


# ----------------------------------------------------------------------------- W3


def wide_sum(config: Config, log: Callable[[str], None]) -> tuple[list[Row], dict[str, float]]:
    ws, xs = wide.operands(config.width)
    cases: dict[str, Callable[[], object]] = {}
    failures: dict[str, str] = {}
    for name, engine in wide.ENGINES.items():
        try:
            grads = engine(ws, xs)
        except RecursionError as error:
            failures[name] = type(error).__name__
            continue
        difference = mlp_epoch.max_difference((0.0, list(grads)), (0.0, list(xs)))
        if not difference < TOLERANCE:
            raise SystemExit(f"W3 {name}: ∂z/∂w differs from x by {difference:.3g}")
        cases[name] = partial(engine, ws, xs)
    log(f"W3 width {config.width:,}: ∂z/∂wᵢ = xᵢ exactly for every engine that runs; failed: {failures}")
    timings = time_side_by_side(cases, config.wide_repeats)
    t = {name: timing.median for name, timing in timings.items()}
    for name, seconds in t.items():
        log(f"  {name:40s} {_ms(seconds):>10s}")
    rows = []
    for this, label in (
        ("this project, builtin sum", f"W3 Σ of {config.width:,} products, builtin sum"),
        ("this project, autograd.dot", "W3 same, autograd.dot (one node)"),
    ):
        row = Row(label, "per call")
        micro = "micrograd 0.1.0, builtin sum"
        row.cells = {
            "hand-written floats": _ms(t["hand-written floats"]),
            "this project": _ms(t[this]),
            "micrograd 0.1.0": failures.get(micro) or _ms(t[micro]),
            "PyTorch, scalar tensors": _ms(t["PyTorch, scalar tensors, builtin sum"]),
            "PyTorch, batched tensors": _ms(t["PyTorch, batched tensors, torch.dot"]),
        }
        row.ratios = _ratios(
            t["hand-written floats"], t[this], t.get(micro), t["PyTorch, scalar tensors, builtin sum"]
        )
        rows.append(row)
    return rows, {f"W3 {name}": seconds for name, seconds in t.items()}


# ----------------------------------------------------------------------------- memory


def _first(build: Callable[[], tuple[Any, Any]]) -> Any:
    return build()[0]


def memory_rows(config: Config, log: Callable[[str], None]) -> tuple[list[Row], dict[str, float]]:
    depth = config.memory_depth
    parents: dict[str, Callable[[Any], Any]] = {
        "this project": lambda v: v.parents,
        "micrograd 0.1.0": lambda v: v._prev,
    }
    per_node = {}
    garbage = {}
    for name in parents:
        build = partial(chain.build, chain.LEAVES[name], depth)
        per_node[name] = memory.bytes_per_node(partial(_first, build), parents[name])
        garbage[name] = memory.garbage_after_drop(build)
        log(f"memory {name}: {per_node[name]:.0f} bytes per node; dropped graph: {garbage[name]}")
    size = Row(f"Memory of the W2 chain, N = {depth:,} (tracemalloc)", "bytes per node")
    size.cells = {name: f"{value:.0f} B" for name, value in per_node.items()}
    size.ratios = {"micrograd / this": per_node["micrograd 0.1.0"] / per_node["this project"]}
    left = Row("Same graph dropped with gc disabled: left for the cyclic collector", "objects")
    left.cells = {name: f"{g.collected:,}" for name, g in garbage.items()}
    numbers = {f"memory {name}": value for name, value in per_node.items()}
    numbers.update({f"garbage {name}": float(g.collected) for name, g in garbage.items()})
    numbers.update({f"tracked left {name}": float(g.tracked_left) for name, g in garbage.items()})
    return [size, left], numbers


# ----------------------------------------------------------------------------- report


def versions() -> dict[str, str]:
    def version(package: str) -> str:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return "not installed"

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "CPUs": str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "chainrule": version("chainrule"),
        "micrograd": version("micrograd"),
        "torch": version("torch"),
    }


def table(rows: Sequence[Row]) -> str:
    header = ["workload", "unit", *COLUMNS, *RATIOS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [row.cells.get(c, "—") for c in COLUMNS]
        ratios = [f"{row.ratios[r]:.3g}×" if r in row.ratios else "—" for r in RATIOS]
        lines.append("| " + " | ".join([row.workload, row.unit, *cells, *ratios]) + " |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    what: str
    measured: str
    met: bool


def targets(n: dict[str, float]) -> list[Target]:
    this, micro, floats = n["W1 this project"], n["W1 micrograd 0.1.0"], n["W1 hand-written floats"]
    op_by_op = n["W1 this project, op by op"]
    depth = FULL.chain_depths[0][0]
    w2 = [k for k in n if k.startswith("W2 ") and k.endswith("per node") and "micrograd" in k]
    micro_node = n[w2[0]] if w2 else float("nan")
    this_node = n[w2[0].replace("micrograd 0.1.0", "this project")] if w2 else float("nan")
    million = n.get("W2 1000000 this project per node")
    return [
        Target("W1 micrograd / this project ≥ 50", f"{micro / this:.1f}×", micro / this >= 50),
        Target("W1 this project / hand-written floats ≤ 3.5", f"{this / floats:.2f}×", this / floats <= 3.5),
        Target(
            "W1 op by op: micrograd / this project ≥ 5", f"{micro / op_by_op:.1f}×", micro / op_by_op >= 5
        ),
        Target(
            "W2 1,000,000 nodes backward without error",
            "done" if million else "not run",
            million is not None,
        ),
        Target(
            f"W2 time per node ≤ ⅓ of micrograd's at N = {depth}",
            f"{this_node / micro_node:.2f} of micrograd's",
            this_node <= micro_node / 3,
        ),
        Target(
            "Memory per node ≤ ½ of micrograd's",
            f"{n['memory this project'] / n['memory micrograd 0.1.0']:.2f} of micrograd's",
            n["memory this project"] <= n["memory micrograd 0.1.0"] / 2,
        ),
        Target(
            "No garbage for the cyclic collector",
            f"{n['garbage this project']:.0f} objects collected, "
            f"{n['tracked left this project']:.0f} tracked objects left",
            n["garbage this project"] == 0,
        ),
    ]


def notes(n: dict[str, float]) -> list[str]:
    """What the table needs said in words, with this run's numbers."""
    this = n["W1 this project"]
    dense = n.get("W1 hand-written floats, dense")
    short = FULL.chain_depths[0][0]
    short_chains = max(1, FULL.chain_nodes_per_sample // short)
    out = [
        "- W1 times one epoch: forward over 100 points, backward, one SGD step; freeing the graph and",
        "  a `gc.collect()` are inside the timed region, so every engine pays for its own garbage.",
        f"- The cyclic collector's share of each W1 epoch: micrograd {n['W1 GC share micrograd 0.1.0']:.0%}, "
        f"this project {n['W1 GC share this project']:.0%} (no cycles, but the collector still scans the "
        "young nodes while the graph is alive).",
        "- The hand-written floats skip what sends no gradient back (points outside the margin, dead ReLUs),",
        "  as a person writing the backward pass by hand would and as this project's backward does;",
        "  micrograd and PyTorch multiply those zeros through. The targets use the code that skips.",
    ]
    if dense:
        out.append(
            f"  For reference, the same code multiplying the zeros through (`hand-written floats, dense`, "
            f"same run) takes {_ms(dense)}: this project / dense floats = {this / dense:.1f}×."
        )
    out += [
        "- W2's N counts the op nodes on the chain (one × and one + per step); each op also makes a",
        "  constant leaf from its plain number, in every engine alike. Time per node = time / N.",
        f"- A W2 sample at N = {short:,} is {short_chains} chains in a row, each built, backpropagated,",
        "  dropped and collected: one alone is too short for what the engine timed before it left in",
        "  the caches and the allocator not to count as its own time.",
        f"- N = {short:,} rather than 1,000: micrograd's recursive sort fails at 986. The N = 1,000,000",
        "  row is one timed run without a warm-up (a run takes seconds); the other rows are medians.",
        "- The deepest-chain row probes for the recursion limit only; an engine that passes every depth",
        "  tried shows ≥ that depth (this project also runs the 1,000,000-node row above).",
        "- Objects alive before timing are frozen (`gc.freeze()`), so a collection scans what the engine",
        "  being timed made, not the interpreter's, torch's or the other engines' objects.",
    ]
    return out


def report(
    rows: Sequence[Row], numbers: dict[str, float], machine: dict[str, str], log_lines: list[str]
) -> str:
    checks = targets(numbers)
    lines = [
        "# Benchmarks",
        "",
        f"Produced by `{COMMAND}` (which runs `python -m benchmarks.run`); every number below is from",
        "that one run, all engines in one process, timed in alternation; medians of the repeats",
        "(see `benchmarks/timing.py`).",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in machine.items()),
        "- PyTorch runs on 1 thread (`torch.set_num_threads(1)`): the work is scalar and the machine shared.",
        "",
        "## Results",
        "",
        table(rows),
        "",
        "## Targets",
        "",
        *(f"- {'✓' if t.met else '✗'} {t.what}: {t.measured}" for t in checks),
        "",
        "## Reading the table",
        "",
        *notes(numbers),
        "",
        "## Log of the run",
        "",
        "```",
        *log_lines,
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny configuration: checks that all runs")
    parser.add_argument(
        "--output", type=Path, default=None, help=f"where to write the report (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    config = SMOKE if args.smoke else FULL
    output = args.output or (None if args.smoke else RESULTS)

    import torch

    torch.set_num_threads(1)
    log_lines: list[str] = []

    def log(line: str) -> None:
        log_lines.append(line)
        print(line, flush=True)

    machine = versions()
    log(", ".join(f"{k} {v}" for k, v in machine.items()))
    rows: list[Row] = []
    numbers: dict[str, float] = {}
    for workload in (moons_epoch, deep_chain, wide_sum, memory_rows):
        more_rows, more_numbers = workload(config, log)
        rows += more_rows
        numbers.update(more_numbers)
        gc.collect()
    text = report(rows, numbers, machine, log_lines)
    print()
    print(table(rows))
    print()
    print("\n".join(f"{'✓' if t.met else '✗'} {t.what}: {t.measured}" for t in targets(numbers)))
    if output is not None:
        output.write_text(text, encoding="utf-8")
        print(f"\nwritten to {output}")
    if output == RESULTS:
        update_readme(rows, numbers, machine)
        print(f"and the table in {README}")
    return 0


README = Path(__file__).resolve().parents[1] / "README.md"
README_START = "<!-- bench-table: written by make bench (benchmarks/run.py) -->"
README_END = "<!-- end of bench-table -->"


def update_readme(rows: list[Row], numbers: dict[str, float], machine: dict[str, str]) -> None:
    """Put this run's table and targets into README's Performance section, between its markers,
    so the README quotes exactly the numbers of the latest ``make bench``."""
    text = README.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{README} lacks the markers {README_START!r} … {README_END!r}")
    block = "\n".join(
        [
            README_START,
            table(rows),
            "",
            "Targets of issue 7, from this run:",
            "",
            *(f"- {'✓' if t.met else '✗'} {t.what}: {t.measured}" for t in targets(numbers)),
            "",
            "One run on " + ", ".join(f"{k} {v}" for k, v in machine.items()) + "; medians.",
        ]
    )
    README.write_text(text[:start] + block + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
