"""Grad mode, anomaly mode and the naming scope: the engine's context managers."""

from __future__ import annotations

import contextlib


class _Mode:
    """The engine's switches, read by every op (kept in one object so a read is one lookup).

    ``plain`` is True when ops take the fast path: grad enabled and anomaly detection off.
    One slotted instance rather than class attributes: every node reads two of these, and
    an instance slot is read faster than a class attribute.
    """

    __slots__ = ("anomaly", "grad_enabled", "plain", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.plain = True
        self.scope = ""

    def update(self) -> None:
        self.plain = self.grad_enabled and not self.anomaly


mode = _Mode()


class no_grad(contextlib.ContextDecorator):
    """Inside ``with no_grad():`` ops build no graph: results are plain leaves.

    For inference and for weight updates (w_new = w_old − η·∂L/∂w_old must not itself
    become part of the next graph). Works as a decorator too.
    """

    def __enter__(self) -> None:
        self._previous = mode.grad_enabled
        mode.grad_enabled = False
        mode.update()

    def __exit__(self, *exc: object) -> None:
        mode.grad_enabled = self._previous
        mode.update()


class enable_grad(contextlib.ContextDecorator):
    """Turn graph building back on inside a ``no_grad`` block."""

    def __enter__(self) -> None:
        self._previous = mode.grad_enabled
        mode.grad_enabled = True
        mode.update()

    def __exit__(self, *exc: object) -> None:
        mode.grad_enabled = self._previous
        mode.update()


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad``."""
    return mode.grad_enabled


class AnomalyError(FloatingPointError):
    """An op produced a NaN or infinite value or gradient while ``detect_anomaly`` was on."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside ``with detect_anomaly():`` the first op whose output or gradient is NaN or
    infinite raises ``AnomalyError`` naming the op, its inputs and the line that made it.

    Slower: every node records where it was created.
    """

    def __enter__(self) -> None:
        self._previous = mode.anomaly
        mode.anomaly = True
        mode.update()

    def __exit__(self, *exc: object) -> None:
        mode.anomaly = self._previous
        mode.update()


class scope:
    """Name the nodes made inside: ``with scope("layers.1"), scope("neurons.0"):`` gives
    them the scope ``layers.1.neurons.0``; drawings cluster by it and traces name nodes
    with it. A plain class rather than a generator: ``nn`` enters one per neuron call.
    """

    __slots__ = ("_previous", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._previous = ""

    def __enter__(self) -> str:
        previous = self._previous = mode.scope
        mode.scope = f"{previous}.{self.name}" if previous and self.name else (self.name or previous)
        return mode.scope

    def __exit__(self, *exc: object) -> None:
        mode.scope = self._previous
