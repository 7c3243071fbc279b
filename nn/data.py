"""Small data sets for the notes and the demos: no downloads, no numpy, no sklearn.

Each function returns ``(X, y)``: X a list of samples (each a list of floats), y a list
of labels or targets. Random ones draw from ``random.Random(seed)``, so the same seed
gives the same data on every machine and Python version.
"""

from __future__ import annotations

import math
import random

from ._checks import count, number

Samples = list[list[float]]


def pass_fail() -> tuple[Samples, list[int]]:
    """The notes' table: IQ and hours of study → pass (1) or fail (0).

    | IQ  | study hours | pass |
    | 95  | 3           | 0    |
    | 110 | 4           | 1    |
    | 100 | 5           | 1    |

    Linearly separable, so the perceptron learns it.
    """
    return [[95.0, 3.0], [110.0, 4.0], [100.0, 5.0]], [0, 1, 1]


def xor() -> tuple[Samples, list[int]]:
    """XOR: (0,0) → 0, (0,1) → 1, (1,0) → 1, (1,1) → 0; no straight line separates it,
    so a perceptron never learns it and an MLP with one hidden layer does."""
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0]


def _linspace(start: float, stop: float, n: int) -> list[float]:
    if n == 1:
        return [start]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0, signed: bool = False) -> tuple[Samples, list[int]]:
    """Two interleaving half circles, as sklearn's ``make_moons``: the micrograd demo's data.

    Class 0 is the upper moon (cos t, sin t), class 1 the lower one
    (1 − cos t, 0.5 − sin t), t evenly spaced over [0, π]; the samples are shuffled and
    get Gaussian noise of standard deviation ``noise``. ``signed=True`` gives labels −1 /
    +1, what the hinge loss wants.
    """
    n = count(n, "n")
    noise = number(noise, "noise", 0.0)
    generator = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = [(math.cos(t), math.sin(t), 0) for t in _linspace(0.0, math.pi, n_upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _linspace(0.0, math.pi, n_lower)]
    generator.shuffle(points)
    X = [[x1 + generator.gauss(0.0, noise), x2 + generator.gauss(0.0, noise)] for x1, x2, _ in points]
    y = [(2 * label - 1 if signed else label) for _, _, label in points]
    return X, y


def spirals(
    n_per_class: int = 50, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[Samples, list[int]]:
    """Interleaved spiral arms, one per class (CS231n's): a multiclass problem that no
    linear model solves; pair it with ``losses.cross_entropy``. Labels are 0 … classes − 1."""
    n_per_class = count(n_per_class, "n_per_class")
    classes = count(classes, "classes")
    noise = number(noise, "noise", 0.0)
    generator = random.Random(seed)
    X: Samples = []
    y: list[int] = []
    for label in range(classes):
        radii = _linspace(0.0, 1.0, n_per_class)
        angles = _linspace(label * 4.0, (label + 1) * 4.0, n_per_class)
        for r, t in zip(radii, angles):
            t += generator.gauss(0.0, noise)
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(label)
    return X, y


def regression_1d(n: int = 50, noise: float = 0.1, seed: int = 0) -> tuple[Samples, list[float]]:
    """A 1-D regression set: y = sin(πx) + Gaussian noise, x evenly spaced over [−1, 1].

    For a linear output and ``losses.mse``. X holds one-element samples ``[x]``.
    """
    n = count(n, "n")
    noise = number(noise, "noise", 0.0)
    generator = random.Random(seed)
    xs = _linspace(-1.0, 1.0, n)
    return [[x] for x in xs], [math.sin(math.pi * x) + generator.gauss(0.0, noise) for x in xs]
