"""``fit``: the training loop of the notes, with a progress bar and a history.

Each step is forward propagation (the model on a batch), the loss, backward propagation
(``loss.backward()``, the chain rule) and the weight update (``optimizer.step()``, e.g.
w_new = w_old − η·∂L/∂w_old), repeated for ``epochs`` passes over the data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value

from . import losses, optim
from ._checks import count, lookup, number
from .init import Seed, rng
from .layers import MLP, Layer, Neuron, Perceptron
from .module import Module

Output = Value | list[Value]
Number = float | list[float]
"""A model's output for one sample as numbers: one float, or a list for several outputs."""
Metric = Callable[[Sequence[Any], Sequence[Any]], float]
"""metric(outputs, targets): ``fit`` passes the outputs as numbers (a float or a list per sample)."""

_PROBABILITY_LOSSES = frozenset({losses.bce, losses.mse, losses.mae})
"""Losses whose single output reads as a probability or a 0/1 value: accuracy thresholds it at 0.5."""
_LOGIT_LOSSES = frozenset({losses.bce_with_logits, losses.hinge, losses.cross_entropy})
"""Losses whose single output is a raw score: accuracy thresholds it at 0 (hinge reads the sign)."""
_PROBABILITY_OUTPUTS = frozenset({"sigmoid"})
"""Output activations whose value is a probability: with a loss of one's own, accuracy thresholds at 0.5."""
_REGRESSION_LOSSES = frozenset({losses.mse, losses.mae})
"""Losses for real-valued targets, where accuracy means nothing unless asked for (0/1 targets by mse)."""

DEFAULT_METRICS: tuple[str, ...] = ("accuracy",)
"""``fit``'s default ``metrics``. Left at this default (this very tuple), a regression loss
(mse, mae) measures none, as Keras does when no metric is asked for; pass
``metrics=("accuracy",)`` to measure it anyway (e.g. 0/1 targets trained with mse)."""


def accuracy(outputs: Sequence[Output | Number], targets: Sequence[Any], threshold: float = 0.5) -> float:
    """The share of samples classified right; outputs may be Values or plain numbers.

    Several outputs per sample: the class with the largest output (argmax) must equal the
    target index. One output: with targets −1 / +1 (hinge), the sign of the output must
    match; with targets 0 / 1, output > ``threshold`` predicts 1 (0.5 for probabilities,
    0 for logits).
    """
    if len(outputs) != len(targets):
        raise ValueError(f"accuracy: {len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("accuracy: needs at least one output")
    signed = any(_data(t) == -1 for t in targets)
    right = 0
    for out, target in zip(outputs, targets):
        if isinstance(out, list):
            scores = [_data(o) for o in out]
            predicted: float = max(range(len(scores)), key=scores.__getitem__)
        elif signed:
            predicted = 1 if _data(out) > 0 else -1
        else:
            predicted = 1 if _data(out) > threshold else 0
        right += predicted == _data(target)
    return right / len(outputs)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


METRICS: dict[str, Metric] = {"accuracy": accuracy}
"""Metrics by name; any callable ``metric(outputs, targets) -> float`` works too (``fit`` gives it
the outputs as numbers: a float per sample, or a list of floats for several outputs)."""


@dataclass
class History:
    """What ``fit`` measured: the mean ``loss`` of every epoch and each metric per epoch.

    ``history["loss"]`` and ``history["accuracy"]`` work too, as in Keras.
    """

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[float]:
        if name == "loss":
            return self.loss
        try:
            return self.metrics[name]
        except KeyError:
            raise KeyError(
                f"no {name!r} in the history; it has: {', '.join(['loss', *self.metrics])}"
            ) from None

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        last = ", ".join(f"{name} {values[-1]:.4g}" for name, values in self.metrics.items())
        return f"History({self.epochs} epochs, final loss {self.loss[-1]:.4g}{', ' + last if last else ''})"


def _batches(
    n: int, batch_size: int | None, order: list[int], shuffle: bool, generator: Any
) -> Iterator[list[int]]:
    if batch_size is None or batch_size >= n:
        yield order
        return
    if shuffle:
        generator.shuffle(order)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


def _train_on_batch(
    model: Module,
    samples: list[Sequence[float | Value]],
    targets: list[Any],
    loss_fn: Callable[..., Value],
    l2: float,
    optimizer: optim.Optimizer,
) -> tuple[float, list[Number]]:
    """One step: forward, loss, backward, update. Returns the loss and the outputs as numbers,
    so the batch's graph is freed on return rather than kept alive through the next forward."""
    outputs = [model(x) for x in samples]
    loss = loss_fn(outputs, targets)
    if l2:
        loss = loss + losses.l2(model.parameters(), l2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data, [out.data if isinstance(out, Value) else [o.data for o in out] for out in outputs]


def _threshold(loss_fn: Callable[..., Value], model: Module) -> float:
    """Where accuracy splits one output into 0 and 1: 0.5 for a probability (bce) or a 0/1
    regression (mse, mae), 0 for a logit (bce_with_logits). For a loss of one's own, the
    model's output activation says which: 0.5 after a sigmoid, else 0 (linear, tanh)."""
    if loss_fn in _PROBABILITY_LOSSES:
        return 0.5
    if loss_fn in _LOGIT_LOSSES:
        return 0.0
    return 0.5 if _output_activation(model) in _PROBABILITY_OUTPUTS else 0.0


def _output_activation(model: Module) -> str | None:
    if isinstance(model, MLP):
        return model.output_activation
    if isinstance(model, (Layer, Neuron)):
        return model.activation
    return None  # a Module of one's own: unknown


def _metric(metric: str | Metric, loss_fn: Callable[..., Value], model: Module) -> tuple[str, Metric]:
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    function = lookup(METRICS, metric, "metric", "metrics", callables=True)
    if function is accuracy:
        return metric, functools.partial(accuracy, threshold=_threshold(loss_fn, model))
    return metric, function


def _check_sequence(samples: object, name: str) -> None:
    """fit indexes X and y and takes their len: a list, a tuple or a numpy array, not a generator."""
    if isinstance(samples, (str, bytes)) or not (
        hasattr(samples, "__len__") and hasattr(samples, "__getitem__")
    ):
        raise TypeError(
            f"fit: {name} must be a sequence (a list, a tuple or a numpy array), got "
            f"{type(samples).__name__}; pass a generator or iterator as list({name})"
        )


def _check_optimizer(optimizer: object, model: Module) -> None:
    """An Optimizer instance holding at least one of the model's parameters, or TypeError /
    ValueError saying what was given (checked before any forward pass)."""
    if not isinstance(optimizer, optim.Optimizer):
        given = (
            f"the class {optimizer.__name__} itself"
            if isinstance(optimizer, type)
            else f"{type(optimizer).__name__} {optimizer!r:.40}"
        )
        raise TypeError(
            "fit: optimizer must be an nn.optim.Optimizer made with the model's parameters, "
            f"e.g. optim.Adam(model.parameters()), got {given}"
        )
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for p in optimizer.params):
        raise ValueError(
            "fit: the optimizer holds none of the model's parameters, so training would change "
            "nothing (was it made with another model's parameters()?)"
        )


def fit(
    model: Module,
    X: Sequence[Sequence[float | Value]],
    y: Sequence[Any],
    loss: str | Callable[..., Value] = "mse",
    optimizer: optim.Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    metrics: Sequence[str | Metric] = DEFAULT_METRICS,
    progress: bool = True,
    *,
    l2: float = 0.0,
    shuffle: bool = True,
    seed: Seed = None,
) -> History:
    """Train ``model`` on samples ``X`` with targets ``y``; returns the ``History``.

    ``loss`` is a name from ``nn.losses`` (``"mse"``, ``"bce"``, ``"hinge"``, …) or a
    function of (outputs, targets); ``l2`` > 0 adds the penalty α·Σ w². ``optimizer``
    defaults to ``SGD(model.parameters(), lr=0.1)``. ``batch_size=None`` trains on the
    full batch, in order; otherwise each epoch takes mini-batches, shuffled with ``seed``
    when ``shuffle``. An epoch's loss is the sample-weighted mean of its batch losses and
    its metrics are measured on the outputs the batches computed (before each step).

    ``metrics`` are names from ``METRICS`` or functions ``metric(outputs, targets)``, each
    recorded per epoch. The default, ``("accuracy",)``, applies where accuracy means
    something: with ``"bce"``, ``"bce_with_logits"``, ``"cross_entropy"``, ``"hinge"`` or a
    loss function of your own. With a regression loss (``"mse"``, ``"mae"``) the default
    measures nothing and the history holds only the loss (an accuracy of real-valued
    targets would read 0); ask for ``metrics=("accuracy",)`` explicitly when mse trains 0/1
    targets. With one output per sample and 0/1 targets, accuracy predicts 1 above a
    threshold: 0.5 with ``"bce"``, ``"mse"`` or ``"mae"`` (a probability or a 0/1 value), 0
    with ``"bce_with_logits"`` (a logit); with a loss function of your own it follows the
    model's output activation, 0.5 after a sigmoid and 0 otherwise (linear, tanh, or a
    Module that is not an MLP, Layer or Neuron). Where that is wrong, pass
    ``functools.partial(nn.train.accuracy, threshold=...)`` as a metric.

    ``X`` and ``y`` are sequences (lists, tuples, numpy arrays; a generator is a TypeError:
    pass ``list(X)``). ``optimizer`` must be an ``nn.optim.Optimizer`` holding some of the
    model's parameters; ``l2`` a number ≥ 0; ``metrics`` a list or tuple. Every argument is
    checked before the first forward pass. ``epochs=0`` is allowed, as in Keras: it trains
    nothing and returns an empty ``History``.

    ``progress=True`` shows a tqdm bar with the running loss and the metrics (a widget in
    Jupyter, text in a terminal); ``progress=False`` is silent.
    """
    if isinstance(model, Perceptron):
        raise TypeError(
            "a Perceptron learns by the perceptron rule, not by gradients (step′ = 0): "
            "use perceptron.fit(X, y)"
        )
    _check_sequence(X, "X")
    _check_sequence(y, "y")
    if len(X) != len(y):
        raise ValueError(f"fit: {len(X)} samples but {len(y)} targets")
    if len(X) == 0:
        raise ValueError("fit: needs at least one sample")
    count(epochs, "fit: epochs", minimum=0)
    if batch_size is not None:
        count(batch_size, "fit: batch_size")
    l2 = number(l2, "fit: l2", 0.0)
    loss_fn = losses.get(loss)
    if isinstance(metrics, (str, bytes)) or not isinstance(metrics, Iterable):
        shown = "None" if metrics is None else f"{type(metrics).__name__} {metrics!r:.40}"
        raise TypeError(
            f"fit: metrics must be a list or tuple of metric names or functions, got {shown}; "
            "for one metric write metrics=('accuracy',), for none metrics=()"
        )
    if metrics is DEFAULT_METRICS and loss_fn in _REGRESSION_LOSSES:
        metrics = ()  # not asked for, and meaningless for real-valued targets
    named_metrics = [_metric(metric, loss_fn, model) for metric in metrics]
    if optimizer is None:
        optimizer = optim.SGD(model.parameters(), lr=0.1)
    _check_optimizer(optimizer, model)
    generator = rng(seed)
    order = list(range(len(X)))
    history = History(metrics={name: [] for name, _ in named_metrics})

    epoch_range: Any = range(epochs)
    if progress:
        from tqdm.auto import tqdm  # only needed for the bar; auto picks a widget in Jupyter

        epoch_range = tqdm(epoch_range, desc="fit", unit="epoch")
    for _ in epoch_range:
        total = 0.0
        outputs: list[Number] = []
        targets: list[Any] = []
        for batch in _batches(len(X), batch_size, order, shuffle, generator):
            batch_targets = [y[i] for i in batch]
            batch_loss, batch_outputs = _train_on_batch(
                model, [X[i] for i in batch], batch_targets, loss_fn, l2, optimizer
            )
            total += batch_loss * len(batch)
            outputs += batch_outputs
            targets += batch_targets
        history.loss.append(total / len(X))
        for name, metric in named_metrics:
            history.metrics[name].append(metric(outputs, targets))
        if progress:
            summary = {name: f"{values[-1]:.4g}" for name, values in history.metrics.items()}
            epoch_range.set_postfix(loss=f"{history.loss[-1]:.4g}", **summary, refresh=False)
    if progress:
        epoch_range.close()
    return history
