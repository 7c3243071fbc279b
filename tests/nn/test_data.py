"""Data sets: the notes' tables as written, the random ones deterministic and shaped as documented."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from nn import data


def test_pass_fail_is_the_notes_table() -> None:
    assert data.pass_fail() == ([[95.0, 3.0], [110.0, 4.0], [100.0, 5.0]], [0, 1, 1])


def test_xor_is_the_truth_table() -> None:
    X, y = data.xor()
    assert y == [int(a) ^ int(b) for a, b in X]
    assert sorted(map(tuple, X)) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]


@pytest.mark.parametrize(
    "make", [data.moons, data.spirals, data.regression_1d], ids=["moons", "spirals", "1d"]
)
def test_same_seed_same_data_other_seed_other_data(make) -> None:
    assert make(seed=4) == make(seed=4)
    assert make(seed=4) != make(seed=5)


def test_random_sets_leave_the_global_random_state_alone() -> None:
    random.seed(42)
    expected = random.random()
    random.seed(42)
    data.moons(seed=1)
    data.spirals(seed=1)
    data.regression_1d(seed=1)
    assert random.random() == expected


def test_noiseless_moons_lie_on_their_half_circles() -> None:
    X, y = data.moons(101, noise=0.0, seed=0)
    assert len(X) == 101 and y.count(0) == 50 and y.count(1) == 51
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper moon: the unit circle's upper half
            assert math.hypot(x1, x2) == pytest.approx(1.0) and x2 >= -1e-12
        else:  # lower moon: centred on (1, 0.5), its lower half
            assert math.hypot(x1 - 1.0, x2 - 0.5) == pytest.approx(1.0) and x2 <= 0.5 + 1e-12


def test_moons_noise_is_gaussian_with_the_given_deviation() -> None:
    clean, labels = data.moons(2000, noise=0.0, seed=3)
    noisy, noisy_labels = data.moons(2000, noise=0.1, seed=3)
    assert labels == noisy_labels  # same shuffle; only the noise differs
    offsets = [a - b for p, q in zip(noisy, clean) for a, b in zip(p, q)]
    # 4000 draws of N(0, 0.1²): sample deviation within 5% and mean near 0 with overwhelming odds
    assert statistics.stdev(offsets) == pytest.approx(0.1, rel=0.05)
    assert abs(statistics.mean(offsets)) < 0.01


def test_signed_moons_label_minus_one_and_plus_one() -> None:
    _, y = data.moons(10, seed=0)
    _, signed = data.moons(10, seed=0, signed=True)
    assert signed == [2 * label - 1 for label in y]


def test_spirals_have_one_arm_per_class_with_radii_from_zero_to_one() -> None:
    X, y = data.spirals(n_per_class=20, classes=3, seed=0)
    assert len(X) == 60 and [y.count(k) for k in range(3)] == [20, 20, 20]
    radii = [math.hypot(x1, x2) for x1, x2 in X[:20]]
    assert radii == pytest.approx([i / 19 for i in range(20)])  # noise turns the angle, not the radius


def test_regression_is_sin_pi_x_plus_noise() -> None:
    X, y = data.regression_1d(n=5, noise=0.0)
    assert X == [[-1.0], [-0.5], [0.0], [0.5], [1.0]]
    assert y == pytest.approx([math.sin(math.pi * x) for (x,) in X], abs=1e-15)
    X, y = data.regression_1d(n=2000, noise=0.2, seed=1)
    residuals = [t - math.sin(math.pi * x) for (x,), t in zip(X, y)]
    assert statistics.stdev(residuals) == pytest.approx(0.2, rel=0.05)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: data.moons(0), ValueError, "n must be at least 1, got 0"),
        (lambda: data.moons(10, noise=-1), ValueError, r"noise must lie in \[0, inf\), got -1"),
        (lambda: data.spirals(noise=-0.5), ValueError, r"noise must lie in \[0, inf\), got -0.5"),
        (lambda: data.regression_1d(noise="big"), TypeError, "noise must be a number, got str"),
        (lambda: data.spirals(classes=0), ValueError, "classes must be at least 1, got 0"),
        (lambda: data.regression_1d(n=2.5), TypeError, "n must be an int, got float 2.5"),
    ],
)
def test_bad_sizes_are_named(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
