"""The W1 problem every engine solves: micrograd's moons demo, one full-batch epoch.

An MLP 2 → 16 → 16 → 1 (ReLU hidden layers, linear output) scores 100 two-moons points;
the loss is the mean hinge loss max(0, 1 − y·s) plus the L2 penalty α·Σw²; one epoch is
forward, backward and one SGD step w_new = w_old − η·∂L/∂w_old. Every engine starts from
the same numbers made here, so their losses and gradients can be compared exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import pairwise

from nn.data import moons

SIZES = (2, 16, 16, 1)
SAMPLES = 100
ALPHA = 1e-4
LEARNING_RATE = 0.1

Neuron = tuple[list[float], float]
"""A neuron's weights w₁…wₙ and bias b."""
Layers = list[list[Neuron]]


@dataclass(frozen=True)
class Problem:
    """The data, the starting weights and the hyperparameters, as plain floats."""

    xs: list[list[float]]
    ys: list[float]
    layers: Layers
    alpha: float = ALPHA
    learning_rate: float = LEARNING_RATE

    def flat_parameters(self) -> list[float]:
        """Every parameter in micrograd's order: layer by layer, neuron by neuron, w₁…wₙ then b."""
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]


def make_problem(sizes: tuple[int, ...] = SIZES, samples: int = SAMPLES, seed: int = 0) -> Problem:
    """Moons data (``nn.data.moons``, labels ±1), weights wᵢ ~ U(−1, 1) as micrograd draws them,
    and biases small but not 0, so that their gradients are compared too."""
    rng = random.Random(seed)
    xs, labels = moons(samples, seed=seed, signed=True)
    ys = [float(y) for y in labels]
    layers = [
        [([rng.uniform(-1.0, 1.0) for _ in range(n_in)], rng.uniform(-0.1, 0.1)) for _ in range(n_out)]
        for n_in, n_out in pairwise(sizes)
    ]
    return Problem(xs, ys, layers)
