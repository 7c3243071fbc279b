"""Weight initialisation: xavier, he, uniform, each drawing from an explicit ``random.Random``.

No global random state: a model's weights depend only on the seed it was given, so two
runs with the same seed start from identical weights. Biases start at 0 (as micrograd's).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ._checks import lookup

Seed = int | random.Random | None
Initializer = Callable[[int, int, random.Random], float]
"""Draws one weight for a neuron with ``fan_in`` inputs in a layer of ``fan_out`` neurons."""


def rng(seed: Seed) -> random.Random:
    """A ``random.Random`` from a seed: an int seeds a new one, a Random is used as it is
    (so one generator can feed a whole model), ``None`` takes a fresh one seeded by the OS.
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random()
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")
    return random.Random(seed)


def uniform(fan_in: int, fan_out: int, generator: random.Random) -> float:
    """U(−1, 1) whatever the sizes: micrograd's initialisation (the default)."""
    return generator.uniform(-1.0, 1.0)


def xavier(fan_in: int, fan_out: int, generator: random.Random) -> float:
    """Xavier / Glorot uniform: U(−a, a) with a = √(6 / (fan_in + fan_out)).

    Keeps the variance of z = Σ xᵢwᵢ + b about the same from layer to layer; suits
    sigmoid and tanh.
    """
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return generator.uniform(-bound, bound)


def he(fan_in: int, fan_out: int, generator: random.Random) -> float:
    """He / Kaiming normal: N(0, σ²) with σ = √(2 / fan_in); suits ReLU, which zeroes half of z."""
    return generator.gauss(0.0, math.sqrt(2.0 / fan_in))


def zeros(fan_in: int, fan_out: int, generator: random.Random) -> float:
    """0: the perceptron's classic start (useless for an MLP: every neuron would stay equal)."""
    return 0.0


INITIALIZERS: dict[str, Initializer] = {"uniform": uniform, "xavier": xavier, "he": he, "zeros": zeros}
"""Every initialiser by name."""


def get(init: str | Initializer) -> Initializer:
    """The initialiser called ``init`` (or ``init`` itself if callable); ValueError listing the names."""
    if callable(init):
        return init
    return lookup(INITIALIZERS, init, "init", "initialisers", callables=True)
