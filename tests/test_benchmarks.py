"""The benchmark's engines compute the same numbers, and the benchmark runs end to end.

No timing is asserted here: speed is measured by ``make bench``, not by tests. What is
asserted is what the timings rely on: every engine is fed the same weights and returns
the same loss and gradients, the hand-written reference agrees with finite differences
of its own loss, and the equality check stops the run when an engine disagrees.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("micrograd")
pytest.importorskip("torch")

from autograd import Value
from benchmarks import chain, memory, mlp_epoch, profile, run, wide
from benchmarks.floats import HandWrittenFloats, HandWrittenFloatsDense, loss_and_gradients
from benchmarks.problem import Problem, make_problem

TINY = make_problem(sizes=(2, 4, 3, 1), samples=8, seed=0)  # 2 of its 8 points start outside the margin


def _with_parameter(problem: Problem, index: int, shift: float) -> Problem:
    flat = problem.flat_parameters()
    flat[index] += shift
    values = iter(flat)
    layers = [[([next(values) for _ in ws], next(values)) for ws, _ in layer] for layer in problem.layers]
    return Problem(problem.xs, problem.ys, layers, problem.alpha, problem.learning_rate)


def test_hand_written_gradients_match_central_differences_of_their_own_loss() -> None:
    loss, gradients = HandWrittenFloats(TINY).loss_and_gradients()
    eps = 1e-6
    assert len(gradients) == len(TINY.flat_parameters()) == 2 * 4 + 4 + 4 * 3 + 3 + 3 + 1
    for i, analytic in enumerate(gradients):
        up = _with_parameter(TINY, i, eps)
        down = _with_parameter(TINY, i, -eps)
        numeric = (loss_and_gradients(up, up.layers)[0] - loss_and_gradients(down, down.layers)[0]) / (
            2 * eps
        )
        assert math.isclose(analytic, numeric, rel_tol=1e-5, abs_tol=1e-7), (i, analytic, numeric)
    assert loss > TINY.alpha * sum(p * p for p in TINY.flat_parameters())  # some point inside the margin


def test_hand_written_floats_skip_only_zeros() -> None:
    # both branches of the skip run: some points sit outside the margin, some inside
    engine = mlp_epoch.ThisProjectEngineOnly(TINY)
    margins = [1.0 - y * engine._model([Value(v) for v in x]).data for x, y in zip(TINY.xs, TINY.ys)]
    assert any(m <= 0.0 for m in margins) and any(m > 0.0 for m in margins)
    # adding 0.0 leaves a float exactly as it was, so skipping zeros changes no bit
    assert HandWrittenFloatsDense(TINY).loss_and_gradients() == HandWrittenFloats(TINY).loss_and_gradients()


@pytest.mark.parametrize("nan_on", ["loss", "gradient"])
def test_the_equality_check_fails_on_a_nan_anywhere(nan_on: str) -> None:
    good = (0.5, [0.1, 0.3, 0.2])
    bad = (math.nan, [0.1, 0.3, 0.2]) if nan_on == "loss" else (0.5, [0.1, math.nan, 0.2])
    assert not mlp_epoch.max_difference(bad, good) < 1e-9
    assert not mlp_epoch.max_difference(good, bad) < 1e-9


@pytest.mark.parametrize("engine", mlp_epoch.ENGINES, ids=lambda e: e.name)
def test_every_engine_computes_the_same_loss_and_gradients(engine: type[mlp_epoch.Engine]) -> None:
    reference = HandWrittenFloats(TINY).loss_and_gradients()
    assert mlp_epoch.max_difference(engine(TINY).loss_and_gradients(), reference) < 1e-9


@pytest.mark.parametrize("engine", mlp_epoch.ENGINES, ids=lambda e: e.name)
def test_an_epoch_takes_the_same_sgd_step(engine: type[mlp_epoch.Engine]) -> None:
    # after one epoch every engine's loss and gradients are the reference's after one epoch
    reference, candidate = HandWrittenFloats(TINY), engine(TINY)
    reference.epoch()
    candidate.epoch()
    assert mlp_epoch.max_difference(candidate.loss_and_gradients(), reference.loss_and_gradients()) < 1e-9


def test_the_equality_check_stops_the_run_when_an_engine_disagrees(monkeypatch: pytest.MonkeyPatch) -> None:
    class OffByALittle(HandWrittenFloats):
        name = "this project"  # stands in for an engine with a wrong gradient

        def loss_and_gradients(self) -> tuple[float, list[float]]:
            loss, gradients = super().loss_and_gradients()
            gradients[-1] += 1e-6
            return loss, gradients

    monkeypatch.setattr(mlp_epoch, "ENGINES", (OffByALittle, HandWrittenFloats))
    with pytest.raises(SystemExit, match="this project disagrees"):
        run.moons_epoch(run.SMOKE, lambda line: None)


def test_the_chain_gradient_is_the_product_of_the_local_derivatives() -> None:
    depth = 2_000  # deeper than micrograd's recursive sort can go
    assert chain.gradient(chain.this_project_leaf, depth) == pytest.approx(1.0001**1000, rel=1e-12)
    assert chain.hand_written_floats(depth) == pytest.approx(1.0001**1000, rel=1e-12)
    assert chain.handles(chain.this_project_leaf, depth)
    assert not chain.handles(chain.micrograd_leaf, depth)


def test_deepest_finds_where_micrograd_stops() -> None:
    deepest = chain.deepest(chain.micrograd_leaf, 2_000)
    assert chain.handles(chain.micrograd_leaf, deepest)
    assert not chain.handles(chain.micrograd_leaf, deepest + 2)


def test_the_wide_sum_gradient_is_the_inputs() -> None:
    ws, xs = wide.operands(50)
    for name, engine in wide.ENGINES.items():
        assert engine(ws, xs) == pytest.approx(xs, abs=1e-12), name


def test_a_dropped_graph_needs_no_cyclic_collector_here_and_does_in_micrograd() -> None:
    def ours() -> object:
        return chain.build(chain.this_project_leaf, 200)

    def micrograds() -> object:
        return chain.build(chain.micrograd_leaf, 200)

    ours()  # anything made once per process (caches, interned names) is made now
    assert memory.garbage_after_drop(ours) == memory.Garbage(tracked_left=0, collected=0)
    left = memory.garbage_after_drop(micrograds)
    assert left.collected > 200  # every node sits in a cycle with its _backward closure


def test_bytes_per_node_counts_the_nodes_of_the_graph() -> None:
    def parents(node: object) -> tuple[object, ...]:
        return node.parents  # type: ignore[attr-defined, no-any-return]

    root, _ = chain.build(chain.this_project_leaf, 100)
    assert memory.count_nodes(root, parents) == 2 * 100 + 1  # 100 ops, a constant each, and x0
    per_node = memory.bytes_per_node(lambda: chain.build(chain.this_project_leaf, 100)[0], parents)
    assert 50 < per_node < 1_000


def test_the_benchmark_runs_in_its_smoke_configuration(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    assert run.main(["--smoke", "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert "| workload | unit | hand-written floats | this project | micrograd 0.1.0 |" in text
    assert "W2 deep chain" in text and "RecursionError" in text
    assert "No garbage for the cyclic collector" in text
    for key in ("platform", "CPUs", "Python", "torch", "micrograd"):
        assert f"- {key}: " in text


def test_the_profile_splits_an_epoch_into_its_phases(capsys: pytest.CaptureFixture[str]) -> None:
    assert profile.main(["--repeats", "2", "--top", "3"]) == 0
    out = capsys.readouterr().out
    # its structure only: what the numbers are is for the machine that runs it, not a test
    phase_lines = [line.split() for line in out.splitlines() if line.endswith("%")]
    phases = {" ".join(words[:-3]): float(words[-3]) for words in phase_lines}
    assert list(phases) == ["forward", "of which the cyclic collector", "walk", "accumulate", "step", "free"]
    assert any(line.strip().startswith("total") for line in out.splitlines())
    assert len(out.split("cProfile, own time", 1)[1].strip().splitlines()) == 1 + 3  # heading, --top rows


def test_backward_skipping_zero_gradients_changes_no_number() -> None:
    # the speed-up the benchmark measures: nodes whose gradient is 0 send nothing back
    import autograd
    from autograd import graph

    engine = mlp_epoch.ThisProject(TINY)
    loss = engine.loss()
    loss.backward()
    assert any(node.grad == 0.0 for node in graph.topological_order(loss) if node.parents)  # some skipped
    got = [p.grad for p in engine.parameters]
    full = {node: 0.0 for node in graph.topological_order(loss)}
    full[loss] = 1.0
    for node in graph.backward_order(loss):  # every edge, zeros included
        for parent, local in autograd.edges(node):
            full[parent] += local * full[node]
    assert got == [full[p] for p in engine.parameters]

    x = Value(0.0)
    (x.sqrt() * 0.0).backward()  # sqrt′(0) = inf meets a gradient of 0: NaN, as in PyTorch
    assert math.isnan(x.grad)
