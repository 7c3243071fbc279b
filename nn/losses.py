"""Loss functions L(predictions, targets): how wrong the network is, as one Value to backpropagate.

Each takes the predictions (a Value, or a list of them, one per sample) and the targets
(numbers, or Values), and returns the mean over the samples. Mismatched lengths raise
ValueError, and so does a list where one number per sample belongs (a model with several
outputs): the message names the loss and says how to flatten, or to use ``cross_entropy``.
Every node a loss makes carries the scope ``loss``.

- ``mse``: regression, L = mean (ŷ − y)²; ``mae``: mean |ŷ − y|, less swayed by outliers;
- ``bce``: binary classification on probabilities (a sigmoid output);
- ``bce_with_logits``: the same on raw scores z, stable for any z;
- ``cross_entropy``: multiclass, on a list of logits per sample and a class index;
- ``hinge``: micrograd's max-margin loss, targets −1 or +1;
- ``l2``: a penalty α·Σ w² to add to any of them.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence, Sized
from typing import Any

import autograd
from autograd import Value, dot, log_softmax, scope

from ._checks import lookup

Number = int | float
Predictions = Value | Number | Sequence[Value | Number]
Targets = Value | Number | Sequence[Value | Number]
Term = Callable[[Value, Any, int], Value]

_LOG_FLOOR = -100.0
"""bce floors each log-probability at −100, as PyTorch's BCELoss does, so p = 0 or 1 gives a finite loss."""
_EPSILON = 1e-12
"""PyTorch's BCELoss divides its gradient by max(p(1 − p), 1e-12); bce takes the same floor."""


def _as_list(items: object, what: str, name: str) -> list[Any]:
    if _is_number(items):  # one sample, numpy's scalars (np.float32, np.int64) included
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(
            f"{name}: {what} must be a Value, a number or a list of them, got {type(items).__name__}"
        )
    return list(items)


def _is_number(item: object) -> bool:
    # numbers.Real (checked last, it is the slow one) also admits numpy's scalars such as np.int64
    return isinstance(item, (Value, int, float, numbers.Real))


def _class_index(target: object) -> int | None:
    """``target`` as an int if it is a whole number (numpy's np.int64 too), not a truth value."""
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        return None
    return operator.index(target)


def _shape(item: object) -> str:
    """What a non-number item is, for an error: "a list of 2 values", "a str"."""
    if isinstance(item, Sized) and not isinstance(item, (str, bytes)):
        size = len(item)
        return f"a {type(item).__name__} of {size} value{'' if size == 1 else 's'}"
    return f"a {type(item).__name__}"


def _check_one_per_sample(name: str, ys_hat: list[Any], ys: list[Any]) -> None:
    """Every prediction and target must be one Value or number: a list there means several
    outputs per sample, which these losses do not take (they would fail deep in an op)."""
    for what, items in (("prediction", ys_hat), ("target", ys)):
        for i, item in enumerate(items):
            if _is_number(item):
                continue
            if isinstance(item, (str, bytes)) or not isinstance(item, Iterable):
                raise TypeError(f"{name}: {what} {i} must be a Value or a number, got {_shape(item)}")
            raise ValueError(
                f"{name}: {what} {i} is {_shape(item)}; {name} takes one prediction per target, each "
                "a single Value or number. For several outputs per sample, flatten predictions and "
                "targets alike (e.g. [o for out in outputs for o in out]); for class scores with one "
                "class index per sample, use cross_entropy"
            )


def _mean_of(name: str, predictions: Predictions, targets: Targets, term: Term) -> Value:
    """mean over samples of term(ŷᵢ, yᵢ, i), after checking that the two lists pair up."""
    ys_hat = _as_list(predictions, "predictions", name)
    ys = _as_list(targets, "targets", name)
    if len(ys_hat) != len(ys):
        raise ValueError(f"{name}: {len(ys_hat)} predictions but {len(ys)} targets")
    if not ys_hat:
        raise ValueError(f"{name}: needs at least one prediction")
    _check_one_per_sample(name, ys_hat, ys)
    with scope("loss"):
        terms = [
            term(y_hat if isinstance(y_hat, Value) else Value(y_hat, f"ŷ{i + 1}"), y, i)
            for i, (y_hat, y) in enumerate(zip(ys_hat, ys))
        ]
        loss = autograd.sum(terms) / len(terms)
        loss.label = "L"
    return loss


def _number(value: object) -> float:
    return value.data if isinstance(value, Value) else float(value)  # type: ignore[arg-type]


def mse(predictions: Predictions, targets: Targets) -> Value:
    """Mean squared error: L = (1/n) Σ (ŷᵢ − yᵢ)², for regression (a linear output)."""
    return _mean_of("mse", predictions, targets, lambda y_hat, y, i: (y_hat - y) ** 2)


def mae(predictions: Predictions, targets: Targets) -> Value:
    """Mean absolute error: L = (1/n) Σ |ŷᵢ − yᵢ|; its gradient is ±1/n, so outliers weigh less."""
    return _mean_of("mae", predictions, targets, lambda y_hat, y, i: abs(y_hat - y))


def _floored_log(x: float) -> float:
    return max(math.log(x), _LOG_FLOOR) if x > 0.0 else _LOG_FLOOR


def _bce_at_the_clamp(p: Value, y: Any) -> Value:
    """PyTorch's BCELoss term where p(1 − p) < ε: value and gradient, with p kept in the graph.

    Its value c is −[y·max(ln p, −100) + (1 − y)·max(ln(1 − p), −100)] and its gradient g
    is (p − y)/ε, not the derivative of c (−y/p + (1 − y)/(1 − p), unbounded as p nears 0
    or 1, while no log is floored; 0 once one is).
    A node with that value and that gradient is the tangent line c + g·(p − p₀) at the
    current p₀: p − p₀ is 0 with derivative 1, so the node's value is exactly c and its
    ∂/∂p exactly g. A target given as a Value gets PyTorch's ∂/∂y = ln(1 − p) − ln p (not
    floored) the same way, through h·(y − y₀); at p = 0 or 1 exactly, where PyTorch's is
    ±inf (which no node can carry: inf·0 is nan), it gets ±100, the slope of c in y.
    """
    q, target = p.data, _number(y)
    value = -(target * _floored_log(q) + (1.0 - target) * (math.log1p(-q) if q < 1.0 else _LOG_FLOOR))
    slope = (q - target) / _EPSILON
    tangent = value + slope * (p - q)
    if isinstance(y, Value):
        tangent = tangent + _bce_target_slope(q) * (y - target)
    tangent.label = "clamped"
    return tangent


def _bce_target_slope(q: float) -> float:
    """∂/∂y of the clamped term at p = q: PyTorch's ln(1 − p) − ln p, or ±100 at p = 0 or 1."""
    if q == 0.0:
        return -_LOG_FLOOR
    if q == 1.0:
        return _LOG_FLOOR
    return math.log1p(-q) - math.log(q)


def bce(probabilities: Predictions, targets: Targets) -> Value:
    """Binary cross-entropy on probabilities p = σ(z): L = −(1/n) Σ [y ln p + (1 − y) ln(1 − p)].

    For a sigmoid output. Probabilities and targets must lie in [0, 1]. On raw scores,
    ``bce_with_logits`` is more stable.

    Near 0 and 1 it is PyTorch's BCELoss, value and gradient: where p(1 − p) < ε = 1e-12
    (p within about 1e-12 of 0 or 1) each log is floored at −100, so p = 0 or 1 gives a
    large but finite loss (at most 100 per sample), and the gradient there is
    ∂L/∂p = (p − y)/ε per sample (before the 1/n of the mean), PyTorch's, e.g. −1e12 for
    p = 0 and y = 1: p stays in the graph, and a confidently wrong output is pushed back
    hard instead of getting no gradient. Elsewhere it is the formula above, whose gradient
    is (p − y)/(p(1 − p)).

    A target given as a Value gets PyTorch's gradient too, ∂L/∂y = ln(1 − p) − ln p per
    sample, also when it is exactly 0 or 1 (a plain-number 0 or 1 drops its zero-weighted
    log from the graph, a Value does not); only at p = 0 or 1 exactly, where PyTorch's is
    ±inf, it is ±100, the slope of the floored loss in y.
    """

    def term(p: Value, y: Any, i: int) -> Value:
        q = p.data
        if not 0.0 <= q <= 1.0:
            raise ValueError(
                f"bce: probabilities must lie in [0, 1], got {q!r} at index {i} "
                "(for raw scores use bce_with_logits)"
            )
        target = _number(y)
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"bce: targets must lie in [0, 1], got {target!r} at index {i}")
        if q * (1.0 - q) < _EPSILON:  # PyTorch's clamp, tested in the same float expression
            return _bce_at_the_clamp(p, y)
        # a term weighted by a plain 0 is left out, so for y = 1 the graph reads L = −ln p; a
        # target Value stays in the graph, for its gradient ln(1 − p) − ln p (as in PyTorch)
        if not isinstance(y, Value):
            if target == 1.0:
                return -p.log()
            if target == 0.0:
                return -(1.0 - p).log()
        weighted: Value = y * p.log() + (1.0 - y) * (1.0 - p).log()
        return -weighted

    return _mean_of("bce", probabilities, targets, term)


def bce_with_logits(logits: Predictions, targets: Targets) -> Value:
    """Binary cross-entropy on a raw score z (the logit, p = σ(z)), stable for any z.

    −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y·z, and softplus is computed
    without overflow, so z = ±1000 is fine where ln σ(z) would be ln 0. A target given as
    a Value gets PyTorch's gradient ∂L/∂y = −z per sample, also when it is exactly 0 or 1.
    """

    def term(z: Value, y: Any, i: int) -> Value:
        target = _number(y)
        if not 0.0 <= target <= 1.0:
            raise ValueError(f"bce_with_logits: targets must lie in [0, 1], got {target!r} at index {i}")
        if not isinstance(y, Value):  # a target Value stays in the graph, for its gradient −z
            if target == 0.0:
                return z.softplus()
            if target == 1.0:
                return z.softplus() - z
        weighted: Value = y * z
        return z.softplus() - weighted

    return _mean_of("bce_with_logits", logits, targets, term)


def hinge(scores: Predictions, targets: Targets) -> Value:
    """micrograd's max-margin (SVM) loss: L = (1/n) Σ max(0, 1 − yᵢ·scoreᵢ) with yᵢ = −1 or +1.

    A sample scored on the right side by a margin of 1 costs nothing. For 0/1 labels
    use 2y − 1; a score > 0 predicts +1.
    """

    def term(score: Value, y: Any, i: int) -> Value:
        target = _number(y)
        if target == 1.0:
            return (1.0 - score).relu()
        if target == -1.0:
            return (1.0 + score).relu()
        raise ValueError(
            f"hinge: targets must be −1 or +1, got {y!r} at index {i} (for 0/1 labels use 2y − 1)"
        )

    return _mean_of("hinge", scores, targets, term)


def cross_entropy(
    logits: Sequence[Value | Number] | Sequence[Sequence[Value | Number]], targets: int | Sequence[int]
) -> Value:
    """Categorical cross-entropy over logits: L = −(1/n) Σ ln softmax(zᵢ)[yᵢ].

    ``logits``: one list of class scores per sample (or one list for one sample, with an
    int target); ``targets``: the index of each sample's class, an int (numpy's integers
    such as np.int64 too, not a bool). Uses ``log_softmax``, so large scores do not
    overflow. Give it a linear output layer, not a softmax one.
    """
    if _class_index(targets) is not None:
        rows: list[Any] = [logits]
        classes: list[Any] = [targets]
    else:
        rows = _as_list(logits, "logits", "cross_entropy")
        classes = _as_list(targets, "targets", "cross_entropy")
    if len(rows) != len(classes):
        raise ValueError(f"cross_entropy: {len(rows)} predictions but {len(classes)} targets")
    if not rows:
        raise ValueError("cross_entropy: needs at least one prediction")
    with scope("loss"):
        terms = []
        for i, (row, target) in enumerate(zip(rows, classes)):
            if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
                raise TypeError(
                    f"cross_entropy: sample {i}'s logits must be a list of class scores, got "
                    f"{_shape(row)} ({row!r:.40}); pass one list of scores per sample, or for one "
                    "sample its list and an int target: cross_entropy(logits, 3)"
                )
            for j, score in enumerate(row):
                if not _is_number(score):
                    raise ValueError(
                        f"cross_entropy: sample {i}'s class score {j} is {_shape(score)}; each "
                        "sample's logits must be one flat list of Values or numbers"
                    )
            index = _class_index(target)
            if index is None or not 0 <= index < len(row):
                one_hot = (
                    " (for a one-hot target, pass the index of its 1)" if isinstance(target, list) else ""
                )
                raise ValueError(
                    f"cross_entropy: target {target!r} at index {i} is not a class index "
                    f"in 0 … {len(row) - 1}{one_hot}"
                )
            terms.append(-log_softmax(row)[index])
        loss = autograd.sum(terms) / len(terms)
        loss.label = "L"
    return loss


def l2(parameters: Iterable[Value], alpha: float = 1e-4) -> Value:
    """The L2 penalty α·Σ w² (weight decay), to add to a loss: micrograd's demo uses α = 1e-4.

    Σ w² is one ``dot`` node (w · w), whose gradient 2αw pulls every weight toward 0.
    """
    params = list(parameters)
    with scope("loss"):
        penalty = alpha * dot(params, params)
        penalty.label = "L2"
    return penalty


LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "mae": mae,
    "bce": bce,
    "bce_with_logits": bce_with_logits,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}
"""Every loss by name (``l2`` is a penalty, not a loss of predictions and targets)."""


def get(loss: str | Callable[..., Value]) -> Callable[..., Value]:
    """The loss called ``loss`` (or ``loss`` itself if callable); ValueError listing the names."""
    if callable(loss):
        return loss
    return lookup(LOSSES, loss, "loss", "losses", callables=True)
