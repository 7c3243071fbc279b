"""The shared argument checks: every name table and every count reads the same wherever it is used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nn import MLP, Layer, Neuron, Perceptron, activations, data, fit, init, losses
from nn.train import METRICS

X, Y = [[0.0, 1.0]], [1]

# (what is looked up, the table it lists, a lookup by name)
LOOKUPS: list[tuple[str, str, dict[str, Any], Callable[[object], object]]] = [
    ("activation", "activations", dict(activations.ACTIVATIONS), activations.get),
    ("init", "initialisers", dict(init.INITIALIZERS), init.get),
    ("loss", "losses", dict(losses.LOSSES), losses.get),
    (
        "metric",
        "metrics",
        dict(METRICS),
        lambda name: fit(MLP(2, [1], seed=0), X, Y, "hinge", epochs=0, metrics=(name,), progress=False),
    ),
]


@pytest.mark.parametrize(("kind", "kinds", "table", "get"), LOOKUPS, ids=[k[0] for k in LOOKUPS])
def test_an_unknown_name_lists_every_known_one_in_the_same_words(
    kind: str, kinds: str, table: dict[str, Any], get: Callable[[object], object]
) -> None:
    with pytest.raises(ValueError) as caught:
        get("nosuch")
    assert str(caught.value) == f"unknown {kind} 'nosuch'; known {kinds}: {', '.join(table)}"


@pytest.mark.parametrize(("kind", "kinds", "table", "get"), LOOKUPS, ids=[k[0] for k in LOOKUPS])
def test_a_name_that_is_not_a_string_is_a_type_error_naming_the_type(
    kind: str, kinds: str, table: dict[str, Any], get: Callable[[object], object]
) -> None:
    with pytest.raises(TypeError, match=rf"^{kind} must be a name \(a str\)(?: or a callable)?, got int$"):
        get(3)


def test_the_tables_that_take_functions_say_so() -> None:
    with pytest.raises(TypeError, match=r"init must be a name \(a str\) or a callable, got list"):
        init.get([])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"loss must be a name \(a str\) or a callable, got NoneType"):
        losses.get(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^activation must be a name \(a str\), got"):
        activations.get(None)  # type: ignore[arg-type]


# Every argument that counts things: an int (not a bool) of at least a minimum, in the same words.
COUNTS: list[tuple[str, Callable[[Any], object], int]] = [
    ("nin", lambda v: Neuron(v), 1),
    ("nout", lambda v: Layer(2, v), 1),
    ("nouts[1]", lambda v: MLP(2, [3, v]), 1),
    ("epochs", lambda v: Perceptron(2).fit(X, Y, epochs=v), 1),
    ("n", lambda v: data.moons(v), 1),
    ("n_per_class", lambda v: data.spirals(n_per_class=v), 1),
    ("n", lambda v: data.regression_1d(v), 1),
    ("fit: epochs", lambda v: fit(MLP(2, [1], seed=0), X, Y, "hinge", epochs=v, progress=False), 0),
    ("fit: batch_size", lambda v: fit(MLP(2, [1], seed=0), X, Y, "hinge", batch_size=v, progress=False), 1),
]


@pytest.mark.parametrize(
    ("what", "call", "minimum"), COUNTS, ids=[f"{c[0]}-{i}" for i, c in enumerate(COUNTS)]
)
def test_every_count_is_checked_alike(what: str, call: Callable[[Any], object], minimum: int) -> None:
    with pytest.raises(
        ValueError, match=rf"^{what} must be at least {minimum}, got {minimum - 1}$".replace("[", r"\[")
    ):
        call(minimum - 1)
    with pytest.raises(TypeError, match=rf"^{what} must be an int, got float 2.5$".replace("[", r"\[")):
        call(2.5)
    with pytest.raises(TypeError, match=rf"^{what} must be an int, got bool True$".replace("[", r"\[")):
        call(True)
