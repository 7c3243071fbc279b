"""fit and the micrograd demo: training reaches what the published demo reaches."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from autograd import Value
from nn import MLP, Perceptron, data, fit, losses, optim
from nn.train import accuracy


def micrograd_schedule(k: int) -> float:
    return 1.0 - 0.9 * k / 100


def test_micrograds_demo_runs_unchanged_and_reaches_full_accuracy_within_100_steps() -> None:
    # micrograd's demo.ipynb, cell for cell, on our Value and MLP; only the data come from nn.data.
    # (Seeds 0-9 of model and data: nine reach 100% within 100 steps, seed 8 ends at 99%.)
    X, y = data.moons(100, noise=0.1, seed=0, signed=True)
    model = MLP(2, [16, 16, 1], seed=0)

    def loss(batch_size: int | None = None) -> tuple[Value, float]:
        Xb, yb = X, y
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    accuracies = []
    for k in range(100):
        total_loss, acc = loss()
        accuracies.append(acc)
        if acc == 1.0:
            break
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert accuracies[-1] == 1.0, f"best accuracy {max(accuracies)} after 100 steps"
    assert accuracies[0] < 0.9  # it learned: the untrained model was far from it


def test_fit_computes_micrograds_losses_step_for_step() -> None:
    X, y = data.moons(30, noise=0.1, seed=2, signed=True)
    ours, reference = MLP(2, [8, 8, 1], seed=2), MLP(2, [8, 8, 1], seed=2)
    history = fit(
        ours,
        X,
        y,
        "hinge",
        optim.SGD(ours.parameters(), lr=micrograd_schedule),
        epochs=6,
        l2=1e-4,
        progress=False,
    )
    for k in range(6):
        scores = [reference(x) for x in X]
        data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(y))
        total = data_loss + 1e-4 * sum(p * p for p in reference.parameters())
        right = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
        reference.zero_grad()
        total.backward()
        for p in reference.parameters():
            p.data -= micrograd_schedule(k) * p.grad
        # sums run in another order (one Σ node, a dot for the penalty), hence approx
        assert history.loss[k] == pytest.approx(total.data, rel=1e-12)
        assert history["accuracy"][k] == right
    assert [p.data for p in ours.parameters()] == pytest.approx(
        [p.data for p in reference.parameters()], rel=1e-9
    )


def test_fit_trains_micrograds_demo_to_full_accuracy() -> None:
    X, y = data.moons(100, noise=0.1, seed=1, signed=True)
    model = MLP(2, [16, 16, 1], seed=1)
    optimizer = optim.SGD(model.parameters(), lr=micrograd_schedule)
    history = fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=100, l2=1e-4, progress=False)
    assert history.epochs == 100 and len(history["accuracy"]) == 100
    assert max(history["accuracy"]) == 1.0
    assert history.loss[-1] < 0.1 * history.loss[0]


def test_fit_with_cross_entropy_learns_spirals_and_scores_by_argmax() -> None:
    X, y = data.spirals(n_per_class=10, classes=3, seed=0)
    model = MLP(2, [16, 3], seed=0)
    history = fit(
        model, X, y, "cross_entropy", optim.Adam(model.parameters(), lr=0.05), epochs=25, progress=False
    )
    assert history.loss[-1] < 0.8 * history.loss[0]
    outputs = [model(x) for x in X]
    by_hand = sum(max(range(3), key=lambda k: out[k].data) == t for out, t in zip(outputs, y)) / len(y)  # type: ignore[index]
    assert accuracy(outputs, y) == by_hand


def test_mini_batches_are_deterministic_given_a_seed() -> None:
    X, y = data.moons(24, seed=0, signed=True)

    def run(batch_size: int | None, seed: int) -> list[float]:
        model = MLP(2, [4, 1], seed=0)
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        return fit(
            model, X, y, "hinge", optimizer, epochs=3, batch_size=batch_size, progress=False, seed=seed
        ).loss

    assert run(5, seed=1) == run(5, seed=1)
    assert run(5, seed=1) != run(5, seed=2)
    assert run(24, seed=1) == run(None, seed=7)  # one batch of everything is the full batch, in order


def test_progress_bar_shows_the_loss_and_silence_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = data.xor()
    model = MLP(2, [3, 1], seed=0)
    fit(model, X, y, "mse", epochs=3, progress=False)
    assert capsys.readouterr() == ("", "")
    fit(model, X, y, "mse", epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err and "accuracy=" not in err  # regression: no metric by default
    fit(model, X, [2 * t - 1 for t in y], "hinge", epochs=3, progress=True)
    assert "accuracy=" in capsys.readouterr().err


@pytest.mark.parametrize("loss", ["mse", "mae", losses.mse, losses.mae], ids=["mse", "mae", "mse()", "mae()"])
def test_a_regression_loss_measures_no_metric_unless_asked(loss: str | Callable[..., Value]) -> None:
    X, y = data.regression_1d(12, seed=0)
    history = fit(MLP(1, [4, 1], seed=0), X, y, loss, epochs=2, progress=False)
    assert history.metrics == {} and len(history.loss) == 2
    assert repr(history).startswith("History(2 epochs, final loss") and "accuracy" not in repr(history)
    with pytest.raises(KeyError, match=r"no 'accuracy' in the history; it has: loss[\"']$"):
        history["accuracy"]
    assert fit(MLP(1, [4, 1], seed=0), X, y, loss, epochs=2, progress=False, metrics=()).metrics == {}


def test_accuracy_asked_for_explicitly_is_measured_with_a_regression_loss() -> None:
    # xor's 0/1 targets trained by mse: accuracy thresholds the output at 0.5
    X, y = data.xor()
    model = MLP(2, [3, 1], seed=0)
    outputs = [model(x).data for x in X]  # type: ignore[union-attr]
    by_hand = sum((out > 0.5) == bool(t) for out, t in zip(outputs, y)) / len(y)
    history = fit(model, X, y, "mse", epochs=1, progress=False, metrics=("accuracy",))
    assert history["accuracy"] == [by_hand]


@pytest.mark.parametrize(
    ("loss", "targets"),
    [("hinge", [-1, 1, 1, -1]), ("bce_with_logits", [0, 1, 1, 0]), ("cross_entropy", [0, 1, 1, 0])],
)
def test_a_classification_loss_measures_accuracy_by_default(loss: str, targets: list[int]) -> None:
    X, _ = data.xor()
    model = MLP(2, [3, 2 if loss == "cross_entropy" else 1], seed=0)
    history = fit(model, X, targets, loss, epochs=2, progress=False)
    assert list(history.metrics) == ["accuracy"] and len(history["accuracy"]) == 2


def test_history_reads_like_keras() -> None:
    X, y = data.xor()
    history = fit(
        MLP(2, [3, 1], seed=0), X, y, "mse", epochs=4, progress=False, metrics=("accuracy", max_output)
    )
    assert history.epochs == 4 and list(history.metrics) == ["accuracy", "max_output"]
    untrained = MLP(2, [3, 1], seed=0)  # the first epoch's metrics see the outputs before its step
    assert history["max_output"][0] == max(untrained(x).data for x in X)  # type: ignore[union-attr]
    assert history["loss"] is history.loss
    with pytest.raises(KeyError, match="no 'precision' in the history; it has: loss, accuracy, max_output"):
        history["precision"]
    assert repr(history).startswith("History(4 epochs, final loss")


def max_output(outputs: list[float], targets: list[int]) -> float:
    return max(outputs)  # fit hands metrics the outputs as numbers


def test_accuracy_follows_the_loss_kind() -> None:
    outputs = [Value(0.4), Value(0.6), Value(-0.2)]
    assert accuracy(outputs, [0, 1, 0], threshold=0.5) == 1.0  # probabilities: threshold 0.5
    assert accuracy(outputs, [1, 1, 0], threshold=0.0) == 1.0  # logits: threshold 0
    assert accuracy(outputs, [1, -1, -1]) == 2 / 3  # ±1 targets: the sign
    X = [[0.0]] * 3
    model = MLP(1, [1], output_activation="sigmoid", seed=0)
    model.layers[0].neurons[0].b.data = -0.4  # every output σ(−0.4) ≈ 0.40 < 0.5: predicts 0
    assert fit(model, X, [0, 0, 1], "bce", epochs=1, progress=False)["accuracy"] == [2 / 3]


def custom_bce(outputs: list[Value], targets: list[int]) -> Value:
    return losses.bce(outputs, targets)


@pytest.mark.parametrize(
    ("activation", "bias", "expected"),
    [
        # every output σ(−0.4) ≈ 0.40: below 0.5, so 0 is predicted; 2 of the targets [0, 0, 1] are 0
        ("sigmoid", -0.4, 2 / 3),
        # every output 0.3, a logit (linear) or a score in (−1, 1) (tanh ≈ 0.29): above 0, so 1: 1 of 3
        ("linear", 0.3, 1 / 3),
        ("tanh", 0.3, 1 / 3),
    ],
)
def test_with_a_loss_of_your_own_accuracy_reads_the_output_activation(
    activation: str, bias: float, expected: float
) -> None:
    model = MLP(1, [1], output_activation=activation, seed=0)
    model.layers[0].neurons[0].b.data = bias
    model.layers[0].neurons[0].w[0].data = 0.0

    def loss(outputs: list[Value], targets: list[int]) -> Value:
        return losses.mse(outputs, targets)

    history = fit(
        model, [[1.0]] * 3, [0, 0, 1], loss, optim.SGD(model.parameters(), lr=0.0), epochs=1, progress=False
    )
    assert history["accuracy"] == [expected]


def test_bce_by_name_and_wrapped_in_a_function_measure_the_same_accuracy() -> None:
    X, y = data.xor()
    histories = []
    for loss in ("bce", custom_bce):
        model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
        histories.append(
            fit(model, X, y, loss, optim.SGD(model.parameters(), lr=0.5), epochs=30, progress=False)
        )
    assert histories[0].loss == histories[1].loss
    assert histories[0]["accuracy"] == histories[1]["accuracy"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": [1]}, ValueError, "fit: 4 samples but 1 targets"),
        ({"epochs": -1}, ValueError, "fit: epochs must be at least 0, got -1"),
        ({"epochs": 2.5}, TypeError, "fit: epochs must be an int, got float 2.5"),
        ({"batch_size": 0}, ValueError, "fit: batch_size must be at least 1, got 0"),
        ({"batch_size": True}, TypeError, "fit: batch_size must be an int, got bool True"),
        ({"loss": "l1"}, ValueError, "unknown loss 'l1'; known losses: mse"),
        ({"metrics": ("f1",)}, ValueError, "unknown metric 'f1'; known metrics: accuracy"),
        (
            {"metrics": "accuracy"},
            TypeError,
            r"fit: metrics must be a list .*got str 'accuracy'.*\('accuracy',\)",
        ),
        ({"metrics": None}, TypeError, r"fit: metrics must be a list .*got None.*metrics=\(\)"),
        (
            {"optimizer": "adam"},
            TypeError,
            r"fit: optimizer must be an nn\.optim\.Optimizer .*got str 'adam'",
        ),
        ({"optimizer": optim.Adam}, TypeError, r"fit: optimizer must be .*got the class Adam itself"),
        ({"l2": -1.0}, ValueError, r"fit: l2 must lie in \[0, inf\), got -1.0"),
        ({"l2": "x"}, TypeError, "fit: l2 must be a number, got str"),
        (
            {"X": (x for x in data.xor()[0])},
            TypeError,
            r"fit: X must be a sequence .*got generator.*list\(X\)",
        ),
        ({"y": iter([0, 1, 1, 0])}, TypeError, r"fit: y must be a sequence .*got list_iterator"),
    ],
)
def test_bad_arguments_are_named_before_any_forward_pass(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    X, y = data.xor()
    arguments: dict[str, object] = {"X": X, "y": y, "progress": False, **kwargs}
    model = CountingMLP(2, [2, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(error, match=message):
        fit(model, **arguments)  # type: ignore[arg-type]
    assert model.calls == 0 and [p.data for p in model.parameters()] == before


class CountingMLP(MLP):
    """An MLP that counts its forward passes."""

    calls = 0

    def __call__(self, x):  # type: ignore[no-untyped-def]
        self.calls += 1
        return super().__call__(x)


def test_an_optimizer_of_another_models_parameters_is_refused_before_training() -> None:
    # it would train nothing, silently: the model's loss never moves
    X, y = data.xor()
    model = CountingMLP(2, [2, 1], seed=0)
    other = MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="fit: the optimizer holds none of the model's parameters"):
        fit(model, X, y, optimizer=optim.SGD(other.parameters(), lr=0.5), progress=False)
    assert model.calls == 0
    # some of them is fine: training only the last layer, say
    last = optim.SGD(model.layers[-1].parameters(), lr=0.5)
    assert fit(model, X, y, optimizer=last, epochs=1, progress=False).epochs == 1


def test_zero_epochs_train_nothing_and_return_an_empty_history() -> None:
    X, y = data.xor()
    model = CountingMLP(2, [2, 1], seed=0)
    history = fit(model, X, y, "bce_with_logits", epochs=0, progress=False)
    assert history.epochs == 0 and history.loss == [] and history.metrics == {"accuracy": []}
    assert model.calls == 0


def test_fit_points_a_perceptron_to_its_own_rule() -> None:
    X, y = data.pass_fail()
    with pytest.raises(TypeError, match=r"use perceptron\.fit\(X, y\)"):
        fit(Perceptron(2), X, y, progress=False)


def test_an_infinite_gradient_stops_training_with_the_weights_untouched() -> None:
    def exploding(outputs: list[Value], targets: list[float]) -> Value:
        return outputs[0] * math.inf

    model = MLP(1, [1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(optim.NonFiniteGradientError, match="has gradient inf"):
        fit(model, [[1.0]], [0.0], exploding, epochs=1, progress=False)
    assert [p.data for p in model.parameters()] == before


def test_fit_takes_numpy_arrays_as_sklearn_gives_them() -> None:
    np = pytest.importorskip("numpy")
    X, y = data.moons(12, seed=0, signed=True)

    def run(samples: object, targets: object) -> list[float]:
        model = MLP(2, [4, 1], seed=0)
        return fit(model, samples, targets, "hinge", epochs=2, progress=False).loss  # type: ignore[arg-type]

    assert run(np.array(X), np.array(y)) == run(X, y)


def test_fit_with_cross_entropy_takes_numpy_arrays() -> None:
    np = pytest.importorskip("numpy")
    X, y = data.spirals(n_per_class=4, classes=3, seed=0)

    def run(samples: object, targets: object) -> list[float]:
        model = MLP(2, [8, 3], seed=0)
        history = fit(model, samples, targets, "cross_entropy", epochs=2, progress=False)  # type: ignore[arg-type]
        return history.loss + history["accuracy"]

    assert run(np.array(X), np.array(y)) == run(X, y)
