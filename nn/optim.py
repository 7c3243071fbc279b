"""Optimizers: how each weight moves once backward has filled in ∂L/∂w.

The notes' rule is plain gradient descent, w_new = w_old − η·∂L/∂w_old: a negative slope
makes the weight grow, a positive one makes it shrink. ``SGD`` is that (plus optional
momentum), ``Adagrad``, ``RMSprop`` and ``Adam`` scale the step per weight. Each follows
PyTorch's formulation with PyTorch's defaults: the same formulas; results agree to about
1e-15 with ``torch.optim``'s from the same weights and gradients. (Not to the last bit:
torch's kernels fuse a multiply and an add into one rounding, which Python floats cannot
express before ``math.fma`` in 3.13.)

The habits are PyTorch's::

    optimizer.zero_grad(); loss.backward(); optimizer.step()

``lr`` (η) is a number or a schedule: a function of the step number k = 0, 1, 2, …
returning η, e.g. micrograd's ``lambda k: 1.0 - 0.9 * k / 100``. Updates change ``.data``
under ``no_grad``, so they build no graph. A NaN or infinite gradient raises
``NonFiniteGradientError`` before any weight moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import autograd
from autograd import Value, no_grad

from ._checks import finite, number

LearningRate = float | Callable[[int], float]

MAX_STEPS = 2**53
"""The largest step count a state dict may hold: past it a float no longer counts every step."""


class NonFiniteGradientError(FloatingPointError):
    """A parameter's gradient is NaN or infinite; ``step()`` refused to move any weight."""


class Optimizer:
    """What every optimizer shares: its parameters, η or its schedule, the step count,
    ``zero_grad()``, the finite-gradient check, and state for saving."""

    buffers: tuple[str, ...] = ()
    """Names of the per-parameter lists of state (momentum, running averages)."""
    squares: tuple[str, ...] = ()
    """The buffers that sum or average g²: never negative, as ``step()`` takes their square root."""

    def __init__(self, params: Iterable[Value], lr: LearningRate) -> None:
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got no parameters to optimize")
        first: dict[int, int] = {}  # id → index: a parameter is one object, whatever its value
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Value")
            if id(p) in first:  # it would move twice per step (torch warns this will be an error)
                raise ValueError(
                    f"{type(self).__name__}: parameter {i} ({_name(p)}) is parameter {first[id(p)]} "
                    "again; list each parameter once"
                )
            first[id(p)] = i
        if not callable(lr):
            number(lr, "lr", 0.0)
        self.lr = lr
        self.steps = 0
        """How many steps have been taken: the k given to a schedule."""
        self.state: dict[str, list[float]] = {name: [0.0] * len(self.params) for name in self.buffers}

    def current_lr(self) -> float:
        """η for the next step: ``lr`` itself, or ``lr(k)`` for a schedule at step k."""
        if callable(self.lr):
            rate = self.lr(self.steps)
            return number(rate, f"lr({self.steps}) from the schedule", 0.0)
        return float(self.lr)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (backward accumulates into leaves).

        To 0.0, not to None as PyTorch's default ``zero_grad(set_to_none=True)`` does: this is
        torch's ``zero_grad(set_to_none=False)``. It matters for a parameter the next loss does
        not reach: torch.optim skips a parameter whose grad is None, while here ``step()``
        treats its 0 like any other gradient, so under SGD with momentum and under Adam it
        keeps moving (the velocity, or m, carries it), RMSprop's and Adam's averages of g²
        decay, and Adam's step count (one for all parameters here, one per parameter in
        torch) advances. Plain SGD and Adagrad leave it where it is either way.
        """
        autograd.zero_grad(self.params)

    def step(self) -> None:
        """Move every parameter once, using its ``.grad``; checks every gradient first."""
        grads = [p.grad for p in self.params]
        for i, g in enumerate(grads):
            if not math.isfinite(g):
                raise NonFiniteGradientError(
                    f"{type(self).__name__}.step: parameter {i} ({_name(self.params[i])}) "
                    f"has gradient {g!r}; "
                    "no weight was changed (look for an overflow or a log of 0 in the forward pass, "
                    "autograd.detect_anomaly() names the op)"
                )
        lr = self.current_lr()
        with no_grad():
            self._update(grads, lr, self.steps + 1)
        self.steps += 1

    def _update(self, grads: list[float], lr: float, t: int) -> None:
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor's numbers (η as a number, or ``"schedule"``)."""
        return {"lr": self.lr if not callable(self.lr) else "schedule"}

    # ------------------------------------------------------------------ saving

    def state_dict(self) -> dict[str, Any]:
        """Everything a later ``step()`` depends on besides the weights and hyperparameters:
        the type, the step count and each per-parameter buffer. The hyperparameters are
        included for the record; ``load_state_dict`` keeps the optimizer's own."""
        return {
            "type": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "steps": self.steps,
            "buffers": {name: list(values) for name, values in self.state.items()},
        }

    def check_state_dict(self, state: Mapping[str, Any]) -> None:
        """Raise ValueError if ``state`` does not fit this optimizer: its type, the step count,
        each buffer's length and numbers (finite, and ≥ 0 for the running sums of g²)."""
        if state.get("type") != type(self).__name__:
            raise ValueError(f"it belongs to a {state.get('type')!r}, not a {type(self).__name__}")
        steps = state.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
            shown = "an int too large" if isinstance(steps, int) and steps > MAX_STEPS else repr(steps)
            raise ValueError(f"steps must be an int in [0, 2**53], got {shown}")
        buffers = state.get("buffers")
        if not isinstance(buffers, dict) or set(buffers) != set(self.buffers):
            raise ValueError(f"buffers must be {sorted(self.buffers)}, got {buffers!r:.80}")
        for name in self.buffers:
            values = buffers[name]
            if not isinstance(values, list) or len(values) != len(self.params):
                raise ValueError(f"buffer {name} must list {len(self.params)} numbers")
            for i, value in enumerate(values):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"buffer {name}[{i}] is {value!r}, not a finite number")
                if finite(value, f"buffer {name}[{i}]") < 0.0 and name in self.squares:
                    raise ValueError(
                        f"buffer {name}[{i}] is {value!r}, but it sums or averages g², "
                        "so it cannot be negative"
                    )

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()``; checks it all first, so on error nothing has changed."""
        self.check_state_dict(state)
        self.steps = state["steps"]
        self.state = {name: [float(v) for v in state["buffers"][name]] for name in self.buffers}

    def __repr__(self) -> str:
        settings = ", ".join(f"{key}={value!r}" for key, value in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


def _name(p: Value) -> str:
    return ".".join(part for part in (p.scope, p.label) if part) or repr(p)


class SGD(Optimizer):
    """Gradient descent: w_new = w_old − η·∂L/∂w_old, the notes' weight update formula.

    With ``momentum`` μ > 0 the step follows a velocity v ← μ·v + ∂L/∂w (v = ∂L/∂w at the
    first step), w ← w − η·v, which rolls through small bumps and speeds along shallow
    valleys; ``nesterov=True`` looks ahead: w ← w − η·(∂L/∂w + μ·v). PyTorch's formulation,
    and its default η = 1e-3.
    """

    buffers = ("velocity",)

    def __init__(
        self, params: Iterable[Value], lr: LearningRate = 1e-3, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        self.momentum = number(momentum, "momentum", 0.0, 1.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.nesterov = bool(nesterov)
        super().__init__(params, lr)

    def _update(self, grads: list[float], lr: float, t: int) -> None:
        params, mu = self.params, self.momentum
        if mu == 0.0:
            for p, g in zip(params, grads):
                p.data -= lr * g
            return
        velocity = self.state["velocity"]
        for i, (p, g) in enumerate(zip(params, grads)):
            v = mu * velocity[i] + g  # the velocity starts at 0, so the first v is g, as in PyTorch
            velocity[i] = v
            p.data -= lr * (g + mu * v if self.nesterov else v)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adagrad(Optimizer):
    """Adagrad: each weight's step shrinks with its history, w ← w − η·g / (√(Σ g²) + ε).

    Weights that got large gradients slow down, rarely updated ones keep a large step.
    """

    buffers = ("sum_of_squares",)
    squares = ("sum_of_squares",)

    def __init__(self, params: Iterable[Value], lr: LearningRate = 0.01, eps: float = 1e-10) -> None:
        self.eps = number(eps, "eps", 0.0, open_low=True)
        super().__init__(params, lr)

    def _update(self, grads: list[float], lr: float, t: int) -> None:
        sums, eps = self.state["sum_of_squares"], self.eps
        for i, (p, g) in enumerate(zip(self.params, grads)):
            sums[i] += g * g
            p.data -= lr * g / (math.sqrt(sums[i]) + eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "eps": self.eps}


class RMSprop(Optimizer):
    """RMSprop: Adagrad with a moving average instead of a sum, so steps do not die out:
    s ← ρ·s + (1 − ρ)·g², w ← w − η·g / (√s + ε)."""

    buffers = ("square_average",)
    squares = ("square_average",)

    def __init__(
        self, params: Iterable[Value], lr: LearningRate = 0.01, alpha: float = 0.99, eps: float = 1e-8
    ) -> None:
        self.alpha = number(alpha, "alpha", 0.0, 1.0)
        self.eps = number(eps, "eps", 0.0, open_low=True)
        super().__init__(params, lr)

    def _update(self, grads: list[float], lr: float, t: int) -> None:
        averages, rho, eps = self.state["square_average"], self.alpha, self.eps
        for i, (p, g) in enumerate(zip(self.params, grads)):
            averages[i] = rho * averages[i] + (1.0 - rho) * g * g
            p.data -= lr * g / (math.sqrt(averages[i]) + eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "alpha": self.alpha, "eps": self.eps}


class Adam(Optimizer):
    """Adam: momentum and RMSprop together, with bias correction for the first steps.

    m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², then
    w ← w − η·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
    """

    buffers = ("m", "v")
    squares = ("v",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            number(betas[0], "betas[0]", 0.0, 1.0),
            number(betas[1], "betas[1]", 0.0, 1.0),
        )
        self.eps = number(eps, "eps", 0.0, open_low=True)
        super().__init__(params, lr)

    def _update(self, grads: list[float], lr: float, t: int) -> None:
        m, v = self.state["m"], self.state["v"]
        beta1, beta2 = self.betas
        step_size = lr / (1.0 - beta1**t)
        root_correction = math.sqrt(1.0 - beta2**t)
        for i, (p, g) in enumerate(zip(self.params, grads)):
            m[i] = beta1 * m[i] + (1.0 - beta1) * g
            v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m[i] / (math.sqrt(v[i]) / root_correction + self.eps)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "betas": list(self.betas), "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}
"""Every optimizer by (lower-case) name."""
