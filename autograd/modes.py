"""Grad mode, anomaly mode and the naming scope: the engine's context managers.

Each is re-entrant: it keeps a stack of the values it replaced, so the same instance
may be entered again before it is left (a recursive function decorated with
``@no_grad()``, one ``scope`` object entered on every call of a neuron), and each exit
restores exactly what its own entry found.

The switches are the process's, not each thread's as in PyTorch: ``no_grad`` in one
thread holds in all of them. The engine is made for one thread at a time.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Generator
from typing import Any, ClassVar, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound="_Switch")


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


class _Switch(contextlib.ContextDecorator):
    """Set one of ``mode``'s switches inside a ``with`` block or a decorated function.

    A subclass names the switch (``_switch``) and the value it takes inside (``_inside``).
    Like PyTorch's, it decorates with or without parentheses: ``@no_grad()`` and
    ``@no_grad`` both work.
    """

    _switch: ClassVar[str]
    _inside: ClassVar[bool]
    _previous: list[bool]  # the values replaced, one per entry not yet left

    # Set up in __new__ rather than __init__, so that type checkers read the overloads:
    # ``no_grad()`` is a no_grad, ``no_grad(f)`` is f decorated, with f's own signature.
    @overload
    def __new__(cls: type[S], function: None = None) -> S: ...

    @overload
    def __new__(cls, function: F) -> F: ...  # type: ignore[misc]  # @no_grad returns the function

    def __new__(cls, function: Any = None) -> Any:
        if function is None:
            switch = super().__new__(cls)
            switch._previous = []
            return switch
        if not callable(function):
            raise TypeError(
                f"{cls.__name__}() takes no arguments, got {type(function).__name__}; "
                f"use `with {cls.__name__}():`, `@{cls.__name__}()` or `@{cls.__name__}`"
            )
        return cls()(function)

    def __call__(self, function: F) -> F:
        """Decorate ``function``; a generator function gets the switch each time it resumes,
        as with PyTorch's decorators (a plain ``with`` around its ``yield`` would also cover
        the caller's code between resumes, and the switch would leak)."""
        if not inspect.isgeneratorfunction(function):
            return super().__call__(function)

        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            inner = function(*args, **kwargs)
            try:
                with self:
                    answer = inner.send(None)
                while True:
                    try:
                        sent = yield answer
                    except GeneratorExit:
                        with self:
                            inner.close()
                        raise
                    except BaseException as error:
                        with self:
                            answer = inner.throw(error)
                    else:
                        with self:
                            answer = inner.send(sent)
            except StopIteration as finished:
                return finished.value

        return generator  # type: ignore[return-value]

    def __enter__(self) -> None:
        self._previous.append(getattr(mode, self._switch))
        setattr(mode, self._switch, self._inside)
        mode.update()

    def __exit__(self, *exc: object) -> None:
        setattr(mode, self._switch, self._previous.pop())
        mode.update()


class no_grad(_Switch):
    """Inside ``with no_grad():`` ops build no graph: results are plain leaves.

    For inference and for weight updates (w_new = w_old − η·∂L/∂w_old must not itself
    become part of the next graph). Works as a decorator too: ``@no_grad()`` or ``@no_grad``.
    """

    _switch, _inside = "grad_enabled", False


class enable_grad(_Switch):
    """Turn graph building back on inside a ``no_grad`` block (a ``with`` block or a decorator)."""

    _switch, _inside = "grad_enabled", True


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad``."""
    return mode.grad_enabled


class AnomalyError(FloatingPointError):
    """An op produced a NaN or infinite value or gradient while ``detect_anomaly`` was on."""


class detect_anomaly(_Switch):
    """Inside ``with detect_anomaly():`` the first op whose output or gradient is NaN or
    infinite raises ``AnomalyError`` naming the op, its inputs and the line that made it.

    Slower: every node records where it was created. Works as a decorator too.
    """

    _switch, _inside = "anomaly", True


class scope:
    """Name the nodes made inside: ``with scope("layers.1"), scope("neurons.0"):`` gives
    them the scope ``layers.1.neurons.0``; drawings cluster by it and traces name nodes
    with it. A plain slotted class rather than a generator or a ``ContextDecorator``:
    ``nn`` enters one per neuron call, keeps the object and enters it again.

    ``with scope(name) as path:`` binds ``path`` to the full scope inside, so
    ``with scope("") as path:`` reads the scope one is in without changing it (``nn``
    relies on this).
    """

    __slots__ = ("_previous", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._previous: list[str] = []

    def __enter__(self) -> str:
        """Enter the scope; returns the full path, e.g. ``layers.1.neurons.0``."""
        previous = mode.scope
        self._previous.append(previous)
        name = self.name
        mode.scope = path = f"{previous}.{name}" if previous and name else (name or previous)
        return path

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        # named arguments, not *exc: nn leaves a scope per neuron call, and packing a tuple is a fifth of it
        mode.scope = self._previous.pop()
