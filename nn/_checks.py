"""The argument checks nn's modules share, so one mistake reads the same wherever it is made.

- ``lookup``: a name in a table (activations, initialisers, losses, metrics); an unknown
  name raises ValueError listing the known ones.
- ``count``: a whole number of things (inputs, neurons, samples, epochs), at least a minimum.
- ``number``: a real number in a range (a learning rate, a momentum, a noise level).
- ``finite``: a number read from a file or a state dict as a finite float.

Type errors name the type; value errors name the argument and the value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def lookup(table: Mapping[str, T], name: object, kind: str, kinds: str, *, callables: bool = False) -> T:
    """``table[name]``: TypeError if ``name`` is not a str, ValueError listing the known names
    if the table lacks it. ``kind`` and ``kinds`` name an entry and the entries in messages,
    e.g. ``"loss"`` and ``"losses"``; ``callables`` says in the TypeError that the caller
    takes a function too (the caller passes those through before looking up)."""
    if not isinstance(name, str):
        alternative = " or a callable" if callables else ""
        raise TypeError(f"{kind} must be a name (a str){alternative}, got {type(name).__name__}")
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown {kind} {name!r}; known {kinds}: {', '.join(table)}") from None


def count(value: object, what: str, minimum: int = 1) -> int:
    """``value`` if it is an int (not a bool) of at least ``minimum``; else TypeError or
    ValueError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value}")
    return value


def number(value: object, what: str, low: float, high: float = math.inf, *, open_low: bool = False) -> float:
    """``value`` as a float if it is a finite real number in [low, high) (or (low, high) with
    ``open_low``); TypeError or ValueError naming ``what`` and the interval."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    real = float(value)
    below = real <= low if open_low else real < low
    if below or real >= high or not math.isfinite(real):
        bounds = f"{'(' if open_low else '['}{low:g}, {high:g})"
        raise ValueError(f"{what} must lie in {bounds}, got {value!r}")
    return real


def finite(value: int | float, what: str) -> float:
    """``value`` (an int or a float) as a finite float; ValueError naming ``what`` if it is
    NaN, infinite, or an int too large for a float (JSON reads 1e400 as inf but 10**400 as
    an exact int, which ``float()`` refuses with OverflowError)."""
    try:
        real = float(value)
    except OverflowError:
        raise ValueError(f"{what} is an integer too large for a float, not a finite number") from None
    if not math.isfinite(real):
        raise ValueError(f"{what} is {real!r}, not a finite number")
    return real
