"""Optimizers: step by step against torch.optim, on a problem each side differentiates itself.

torch is optional: the tests that compare with it import it themselves and skip without it.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import autograd
from autograd import Value
from nn import MLP, ModelFileError, data, losses, optim

if TYPE_CHECKING:
    import torch

START = [-1.2, 1.0, 0.4]


def ours_loss(p: list[Value]) -> Value:
    x, y, z = p
    return (1 - x) ** 2 + 5 * (y - x**2) ** 2 + (z * y - 0.5) ** 2


def torch_loss(p: torch.Tensor) -> torch.Tensor:
    x, y, z = p[0], p[1], p[2]
    return (1 - x) ** 2 + 5 * (y - x**2) ** 2 + (z * y - 0.5) ** 2


# (case, our optimizer, the name of torch.optim's, settings)
CASES: list[tuple[str, Callable[..., optim.Optimizer], str, dict[str, Any]]] = [
    ("sgd", optim.SGD, "SGD", {"lr": 0.01}),
    ("momentum", optim.SGD, "SGD", {"lr": 0.01, "momentum": 0.9}),
    ("nesterov", optim.SGD, "SGD", {"lr": 0.01, "momentum": 0.8, "nesterov": True}),
    ("adagrad", optim.Adagrad, "Adagrad", {"lr": 0.1}),
    ("rmsprop", optim.RMSprop, "RMSprop", {"lr": 0.01}),
    ("adam", optim.Adam, "Adam", {"lr": 0.05}),
    ("adam-betas", optim.Adam, "Adam", {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-6}),
]


@pytest.mark.parametrize(("name", "ours", "theirs", "settings"), CASES, ids=[c[0] for c in CASES])
def test_steps_match_torch_optim_to_1e_9(name: str, ours, theirs: str, settings: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    params = [Value(v) for v in START]
    optimizer = ours(params, **settings)
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    reference = getattr(torch.optim, theirs)([t], **settings)
    worst = 0.0
    for _ in range(30):
        optimizer.zero_grad()
        ours_loss(params).backward()
        optimizer.step()
        reference.zero_grad()
        torch_loss(t).backward()
        reference.step()
        assert [p.data for p in params] == pytest.approx(t.detach().tolist(), rel=0, abs=1e-9)
        worst = max(worst, *(abs(p.data - q) for p, q in zip(params, t.detach().tolist())))
    # what nn.optim's docstring promises: the same formulas, agreeing to about 1e-15 (not to the
    # last bit: torch's kernels fuse multiply-adds); weights here are of order 1
    assert worst < 1e-13


DEFAULTS = [(optim.SGD, "SGD"), (optim.Adagrad, "Adagrad"), (optim.RMSprop, "RMSprop"), (optim.Adam, "Adam")]


@pytest.mark.parametrize(("name", "ours", "theirs", "settings"), CASES, ids=[c[0] for c in CASES])
def test_zero_grad_is_torchs_set_to_none_false(
    name: str, ours: Callable[..., optim.Optimizer], theirs: str, settings: dict[str, Any]
) -> None:
    # what zero_grad's docstring says: a parameter the loss no longer reaches gets gradient 0,
    # and a step treats it like any other (torch's zero_grad(set_to_none=False)); torch's
    # default, None, makes its optimizers skip that parameter
    torch = pytest.importorskip("torch")
    a, b = Value(1.0), Value(1.0)
    optimizer = ours([a, b], **settings)
    tensors = {
        flag: [torch.tensor([1.0], dtype=torch.float64, requires_grad=True) for _ in range(2)]
        for flag in (False, True)
    }
    references = {flag: getattr(torch.optim, theirs)(ts, **settings) for flag, ts in tensors.items()}
    a.grad = b.grad = 1.0  # step 1: both in the loss
    optimizer.step()
    for ts, reference in zip(tensors.values(), references.values()):
        for t in ts:
            t.grad = torch.ones(1, dtype=torch.float64)
        reference.step()
    optimizer.zero_grad()  # step 2: only a in the loss
    a.grad = 1.0
    optimizer.step()
    for flag, reference in references.items():
        reference.zero_grad(set_to_none=flag)
        tensors[flag][0].grad = torch.ones(1, dtype=torch.float64)
        reference.step()
    zeroed, skipped = (tensors[flag][1].item() for flag in (False, True))
    assert b.data == pytest.approx(zeroed, rel=0, abs=1e-15)
    if name in ("momentum", "nesterov", "adam", "adam-betas"):  # the running averages carry b on
        assert abs(b.data - skipped) > 1e-3


@pytest.mark.parametrize(("ours", "theirs"), DEFAULTS, ids=[name for _, name in DEFAULTS])
def test_defaults_are_torch_optims(ours: type[optim.Optimizer], theirs: str) -> None:
    torch = pytest.importorskip("torch")
    reference = inspect.signature(getattr(torch.optim, theirs)).parameters
    for name, parameter in inspect.signature(ours).parameters.items():
        if name != "params":
            assert parameter.default == reference[name].default, name


@pytest.mark.parametrize(("ours", "theirs"), DEFAULTS, ids=[name for _, name in DEFAULTS])
def test_steps_with_the_defaults_match_torch_optims(ours: type[optim.Optimizer], theirs: str) -> None:
    torch = pytest.importorskip("torch")
    params = [Value(v) for v in START]
    optimizer = ours(params)
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    reference = getattr(torch.optim, theirs)([t])
    for _ in range(30):
        optimizer.zero_grad()
        ours_loss(params).backward()
        optimizer.step()
        reference.zero_grad()
        torch_loss(t).backward()
        reference.step()
    assert [p.data for p in params] == pytest.approx(t.detach().tolist(), rel=0, abs=1e-9)
    assert params[0].data != START[0]  # it moved


def test_a_schedule_matches_torchs_lambda_lr() -> None:
    torch = pytest.importorskip("torch")

    def schedule(k: int) -> float:
        return 0.02 * 0.9**k

    params = [Value(v) for v in START]
    optimizer = optim.SGD(params, lr=schedule, momentum=0.5)
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    reference = torch.optim.SGD([t], lr=1.0, momentum=0.5)
    scheduler = torch.optim.lr_scheduler.LambdaLR(reference, schedule)  # lr = 1.0 × schedule(k)
    for k in range(20):
        assert optimizer.current_lr() == pytest.approx(schedule(k))
        optimizer.zero_grad()
        ours_loss(params).backward()
        optimizer.step()
        reference.zero_grad()
        torch_loss(t).backward()
        reference.step()
        scheduler.step()
        assert [p.data for p in params] == pytest.approx(t.detach().tolist(), rel=0, abs=1e-9)
    assert optimizer.steps == 20


def test_plain_sgd_is_the_notes_weight_update() -> None:
    w = Value(2.0)
    w.grad = -0.5  # a negative slope: the weight grows
    optim.SGD([w], lr=0.1).step()
    assert w.data == 2.0 - 0.1 * -0.5
    w.grad = 0.5  # a positive slope: the weight shrinks
    optim.SGD([w], lr=0.1).step()
    assert w.data == (2.0 - 0.1 * -0.5) - 0.1 * 0.5


OPTIMIZERS = [
    lambda ps: optim.SGD(ps, lr=0.1),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9),
    lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: optim.Adagrad(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.01),
    lambda ps: optim.Adam(ps, lr=0.02),
]


@pytest.mark.parametrize(
    "make", OPTIMIZERS, ids=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
)
def test_every_optimizer_reduces_the_loss_of_a_small_regression(make) -> None:
    X, y = data.regression_1d(20, seed=0)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    optimizer = make(model.parameters())

    def loss() -> Value:
        return losses.mse([model(x) for x in X], y)

    first = loss().data
    for _ in range(40):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().data < 0.7 * first


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    "make", OPTIMIZERS, ids=["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
)
def test_a_non_finite_gradient_raises_and_leaves_every_weight_and_state_as_it_was(make, bad: float) -> None:
    params = [Value(v, f"w{i}") for i, v in enumerate(START, 1)]
    optimizer = make(params)
    for p in params:
        p.grad = 0.3
    optimizer.step()  # some state to keep
    weights, state = [p.data for p in params], optimizer.state_dict()
    params[0].grad, params[2].grad = 0.1, bad
    with pytest.raises(
        optim.NonFiniteGradientError, match=rf"parameter 2 \(w3\) has gradient {bad!r}; no weight"
    ):
        optimizer.step()
    assert [p.data for p in params] == weights
    assert optimizer.state_dict() == state


def test_a_step_builds_no_graph() -> None:
    model = MLP(2, [4, 1], seed=0)
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    losses.mse([model([1.0, 2.0])], [0.5]).backward()
    params = model.parameters()
    gc.collect()
    before = sum(type(o) is Value for o in gc.get_objects())
    optimizer.step()
    gc.collect()
    assert sum(type(o) is Value for o in gc.get_objects()) == before  # no node was made
    assert model.parameters() == params and all(p.is_leaf and p.op is None for p in params)
    assert autograd.is_grad_enabled()


def test_zero_grad_clears_every_gradient() -> None:
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 5.0
    optim.Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_zero_grad_is_autograds(monkeypatch: pytest.MonkeyPatch) -> None:
    # one definition of "zero the gradients": the optimizer hands its parameters to autograd's
    calls: list[list[Value]] = []
    real = autograd.zero_grad

    def spy(values: list[Value]) -> None:
        calls.append(list(values))
        real(values)

    monkeypatch.setattr(autograd, "zero_grad", spy)
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 5.0
    optim.SGD(params, lr=0.1).zero_grad()
    assert calls == [params] and [p.grad for p in params] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda ps: optim.SGD(ps, lr=-0.1), ValueError, r"lr must lie in \[0, inf\), got -0.1"),
        (lambda ps: optim.SGD(ps, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\)"),
        (lambda ps: optim.SGD(ps, nesterov=True), ValueError, "nesterov=True needs a momentum > 0"),
        (lambda ps: optim.Adam(ps, betas=(0.9, 1.5)), ValueError, r"betas\[1\] must lie in \[0, 1\)"),
        (lambda ps: optim.Adam(ps, eps=0.0), ValueError, r"eps must lie in \(0, inf\)"),
        (lambda ps: optim.RMSprop(ps, lr="fast"), TypeError, "lr must be a number, got str"),
        (lambda ps: optim.SGD([]), ValueError, "SGD: got no parameters"),
        (lambda ps: optim.SGD([1.0]), TypeError, "SGD: parameter 0 is a float, not a Value"),
    ],
)
def test_bad_hyperparameters_are_named(build, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build([Value(1.0)])


@pytest.mark.parametrize("make", [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adam])
def test_a_parameter_listed_twice_is_refused(make: Callable[..., optim.Optimizer]) -> None:
    # listed twice it would move twice per step; torch warns that this will become an error
    model = MLP(2, [2, 1], seed=0)
    params = model.parameters()
    with pytest.raises(
        ValueError, match=r"parameter 9 \(layers\.0\.neurons\.1\.w12\.1\) is parameter 3 again"
    ):
        make([*params, params[3]])
    p = Value(1.0)
    with pytest.raises(ValueError, match=r"parameter 1 .* is parameter 0 again"):
        make([p, p])
    make([Value(1.0), Value(1.0)])  # equal values, distinct parameters: fine


def test_a_schedule_returning_a_bad_rate_is_named() -> None:
    w = Value(1.0)
    optimizer = optim.SGD([w], lr=lambda k: 0.1 - k)
    optimizer.step()  # w.grad is 0: w stays 1.0
    w.grad = 1.0  # so that a step taken with the bad rate would move w (to 1 + 0.9 = 1.9)
    with pytest.raises(ValueError, match=r"lr\(1\) from the schedule must lie in \[0, inf\), got -0.9"):
        optimizer.step()
    assert w.data == 1.0 and optimizer.steps == 1


@pytest.mark.parametrize(
    ("make", "squares"),
    [(optim.Adam, "v"), (optim.RMSprop, "square_average"), (optim.Adagrad, "sum_of_squares")],
    ids=["adam", "rmsprop", "adagrad"],
)
def test_a_negative_running_square_is_refused_before_anything_changes(
    make: Callable[..., optim.Optimizer], squares: str, tmp_path: Path
) -> None:
    # these buffers sum or average g², so they are never negative, and step() takes their √
    model = MLP(2, [3, 1], seed=0)
    optimizer = make(model.parameters(), lr=0.01)
    for p in model.parameters():
        p.grad = 0.1
    optimizer.step()
    state = optimizer.state_dict()
    bad = {**state, "buffers": {**state["buffers"], squares: [*state["buffers"][squares]]}}
    bad["buffers"][squares][5] = -1.0
    with pytest.raises(ValueError, match=rf"buffer {squares}\[5\] is -1.0, .*cannot be negative"):
        optimizer.load_state_dict(bad)
    assert optimizer.state_dict() == state

    model.save(tmp_path / "model.json", optimizer=optimizer)
    document = json.loads((tmp_path / "model.json").read_text())
    document["optimizer"]["state"] = bad
    (tmp_path / "model.json").write_text(json.dumps(document))
    target = MLP(2, [3, 1], seed=1)
    target_optimizer = make(target.parameters(), lr=0.01)
    before = [p.data for p in target.parameters()]
    with pytest.raises(ModelFileError, match=rf"optimizer state: buffer {squares}\[5\] is -1.0"):
        target.load(tmp_path / "model.json", optimizer=target_optimizer)
    assert [p.data for p in target.parameters()] == before and target_optimizer.steps == 0


def test_a_negative_momentum_buffer_is_a_valid_state() -> None:
    # Adam's m and SGD's velocity follow g itself, which may be negative
    for make, buffer in [(optim.Adam, "m"), (lambda ps: optim.SGD(ps, momentum=0.9), "velocity")]:
        optimizer = make([Value(1.0)])
        state = optimizer.state_dict()
        optimizer.load_state_dict({**state, "buffers": {**state["buffers"], buffer: [-1.0]}})
        assert optimizer.state[buffer] == [-1.0]


def test_state_round_trips_and_bad_state_changes_nothing() -> None:
    params = [Value(v) for v in START]
    optimizer = optim.Adam(params, lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        ours_loss(params).backward()
        optimizer.step()
    state = optimizer.state_dict()
    fresh = optim.Adam([Value(v) for v in START], lr=0.1)
    fresh.load_state_dict(state)
    assert fresh.state_dict() == state and fresh.steps == 3
    broken = {**state, "buffers": {"m": state["buffers"]["m"], "v": [1.0, math.nan, 0.0]}}
    with pytest.raises(ValueError, match=r"buffer v\[1\] is nan, not a finite number"):
        optimizer.load_state_dict(broken)
    with pytest.raises(ValueError, match="belongs to a 'SGD', not a Adam"):
        optimizer.load_state_dict({**state, "type": "SGD"})
    assert optimizer.state_dict() == state
