"""Activation functions by name: what a neuron applies to z = Σ xᵢwᵢ + b.

Each function takes the neuron's z (a Value) and returns its output o; the derivative
rule lives with the op in ``autograd.ops``, so backward, tracing and drawing see one node.

Which activation when (the lecture notes' advice):

- output layer: ``sigmoid`` for binary classification (a probability, threshold 0.5),
  ``softmax`` for multiclass, ``linear`` for regression;
- hidden layers: ReLU and its family (``relu``, ``leaky_relu``, ``prelu``, ``elu``,
  ``swish``); ``tanh`` is the zero-centred choice among the saturating ones;
- ``step`` is the perceptron's, for learning by the perceptron rule, not by gradients.

``get(name)`` resolves a name through ``ACTIVATIONS``; an unknown name raises ValueError
listing the known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import autograd
from autograd import Value

from ._checks import lookup

Activation = Callable[[Value], Value]


def sigmoid(z: Value) -> Value:
    """σ(z) = 1 / (1 + e^(−z)), in (0, 1); dσ/dz = σ(1 − σ) ≤ 0.25.

    Pro: a clear prediction, a probability read as 1 or 0 with threshold 0.5: the choice
    for a binary classifier's output. Cons: prone to the vanishing gradient (each layer
    multiplies ∂L/∂w₁ by at most 0.25) and its output is not zero-centred (always
    positive, so the next layer's weights all move in the same direction).
    """
    return z.sigmoid()


def tanh(z: Value) -> Value:
    """tanh z, in (−1, 1); derivative 1 − tanh²z ≤ 1.

    Pro over sigmoid: zero-centred, which makes weight updates more efficient. Con: still
    saturates for large |z|, so deep tanh networks still see vanishing gradients.
    """
    return z.tanh()


def relu(z: Value) -> Value:
    """ReLU: max(0, z); derivative 1 for z > 0, else 0 (0 at the kink, as PyTorch).

    Pros: no saturation for z > 0, so gradients pass through deep networks; cheap. Con:
    dead neurons: a neuron whose z stays negative gets gradient 0 and never learns again.
    The default for hidden layers.
    """
    return z.relu()


def leaky_relu(z: Value, slope: float = 0.01) -> Value:
    """Leaky ReLU: z if z > 0 else slope·z; derivative 1 or slope.

    Fixes ReLU's dead neurons: a small slope for z ≤ 0 keeps some gradient flowing.
    """
    return z.leaky_relu(slope)


def prelu(z: Value, alpha: Value) -> Value:
    """Parametric ReLU: z if z > 0 else α·z, where the slope α is learned.

    Leaky ReLU whose slope is a parameter: each neuron gets its own α (listed by
    ``parameters()``), updated by the optimizer like any weight.
    """
    return z.prelu(alpha)


def elu(z: Value, alpha: float = 1.0) -> Value:
    """ELU (exponential linear unit): z if z > 0 else α(e^z − 1); derivative 1 or α·e^z.

    No dead neurons and outputs close to zero-centred; costs an exponential for z ≤ 0.
    """
    return z.elu(alpha)


def swish(z: Value) -> Value:
    """Swish (SiLU): z·σ(z); smooth, not monotonic, works well in deep hidden layers."""
    return z.swish()


def softplus(z: Value) -> Value:
    """softplus: ln(1 + e^z), a smooth ReLU whose derivative is σ(z)."""
    return z.softplus()


def step(z: Value) -> Value:
    """The perceptron's step with threshold 0: 1 if z > 0 else 0.

    Its derivative is 0 everywhere, so gradient descent cannot train it: the perceptron
    learns with its own rule (w ← w + η(y − ŷ)x), see ``nn.Perceptron``.
    """
    return z.step()


def linear(z: Value) -> Value:
    """The identity: the output is z itself (no node); for a regression output."""
    return z


def softmax(outputs: Sequence[Value]) -> list[Value]:
    """Softmax over a layer's outputs: sᵢ = e^(yᵢ) / Σₖ e^(yₖ), probabilities summing to 1.

    For the output layer of a multiclass classifier. It acts on the whole layer, not on
    one neuron, so ``Layer(nin, nout, activation="softmax")`` applies it after the
    layer's linear neurons. For training, prefer a linear output with
    ``losses.cross_entropy``, which applies log_softmax stably.
    """
    return autograd.softmax(outputs)


ACTIVATIONS: dict[str, Callable[..., object]] = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "prelu": prelu,
    "elu": elu,
    "swish": swish,
    "softplus": softplus,
    "step": step,
    "linear": linear,
    "softmax": softmax,
}
"""Every activation by name. ``prelu`` takes the learned α as well; ``softmax`` takes a layer's outputs."""

LAYER_WISE = frozenset({"softmax"})
"""Activations that act on a whole layer's outputs rather than on one neuron's z."""


def get(name: str) -> Callable[..., object]:
    """The activation called ``name``; ValueError listing the known names otherwise."""
    return lookup(ACTIVATIONS, name, "activation", "activations")
