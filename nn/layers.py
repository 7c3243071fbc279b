"""Neuron, Layer, MLP and the Perceptron: the notes' networks, node by node.

A neuron makes exactly three nodes per call (two for a linear neuron, whose output is z):
the weighted sum Σ wᵢxᵢ (one ``dot`` node with an edge per weight and input), z = Σ wᵢxᵢ + b,
and the output o = activation(z). In an MLP they are labelled as the notes name them:
neuron j of layer l, both counted from 1 (while scopes count from 0, ``layers.0.neurons.0``,
as PyTorch's module names), labels

- ``Σlj``: the weighted sum (``Σ11``), ``zlj``: z (``z11``), ``olj``: the output (``o11``,
  the notes' O₁₁); a linear neuron's z is its output and is labelled ``olj`` (the network's
  output ``o31``, as the notes' O₃₁);
- ``blj``: the bias, ``wlj.k``: the weight of its k-th input (``w11.2``), ``αlj``: a PReLU slope.

When l or j reaches 10, a comma keeps them apart: ``o1,12``, ``w12,3.1``. A ``Layer`` made
alone is layer 1 unless given ``number``. A ``Neuron`` made alone labels its nodes ``Σwx``,
``z``, ``o`` and its parameters ``w1 … wn``, ``b``, ``α``. Labels are made once, when the
model is built; a call only assigns them. Every node and parameter carries the neuron's
scope, e.g. ``layers.1.neurons.0``, so drawings cluster by it. Inputs given as plain
numbers become leaves labelled ``x1 … xn``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, dot, no_grad, scope, softmax

from . import activations
from . import init as initializers
from ._checks import count
from .init import Initializer, Seed
from .module import Module

Inputs = Sequence[float | Value]
ActivationSpec = str | Callable[[Value], Value]


def _activation_name(activation: ActivationSpec | None) -> str:
    """The activation's name, checked against the table (a callable goes by its __name__)."""
    if activation is None:
        return "linear"
    if callable(activation):
        return getattr(activation, "__name__", type(activation).__name__)
    activations.get(activation)  # raises ValueError listing the known names
    return activation


def _labelled_inputs(
    x: Inputs | Iterable[float | Value], labels: tuple[str, ...], owner: Module
) -> list[Value]:
    """The inputs as Values: numbers become leaves labelled x1 … xn, Values pass as they are.

    Any iterable of numbers works (a list, a tuple, a numpy row)."""
    if type(x) is not list and type(x) is not tuple:
        if isinstance(x, Value):
            x = [x]
        elif isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
            raise TypeError(f"{owner!r} takes a list of numbers or Values, got {type(x).__name__}")
        else:
            x = list(x)
    first: object = x[0] if x else None
    dimensions: object = getattr(first, "ndim", None)  # a numpy row among the samples
    if isinstance(first, (list, tuple)) or (isinstance(dimensions, int) and dimensions > 0):
        # PyTorch's habit of calling a model on a batch: say how it is done here
        raise TypeError(
            f"{owner!r} takes one sample of {len(labels)} numbers or Values, got a batch of "
            f"{len(x)} samples: call it on each, [model(x) for x in X]"
        )
    if len(x) != len(labels):
        raise ValueError(f"{owner!r} takes {len(labels)} inputs, got {len(x)}")
    return [v if isinstance(v, Value) else Value(v, label) for v, label in zip(x, labels)]


def _numbered(layer: int, neuron: int) -> str:
    """The notes' index of neuron ``neuron`` of layer ``layer`` (from 1): ``11``, ``1,12``."""
    return f"{layer}{neuron}" if layer < 10 and neuron < 10 else f"{layer},{neuron}"


class Neuron(Module):
    """One artificial neuron: z = Σ xᵢwᵢ + b, then o = activation(z).

    ``activation`` is a name from ``nn.activations`` (default ``"relu"``, as micrograd)
    or a function of z; ``"prelu"`` gives the neuron a learnable slope α (start 0.25, as
    PyTorch), listed by ``parameters()`` after w and b. Weights come from ``init``
    (``"uniform"``, ``"xavier"``, ``"he"`` or a callable, see ``nn.init``) drawn from
    ``seed``; the bias starts at 0. ``fan_out`` is the size of the neuron's layer, for xavier.
    ``number=(l, j)`` makes it neuron j of layer l (from 1), labelled ``olj``, ``wlj.k``, …
    (see the module's docstring); a Layer passes it.
    """

    def __init__(
        self,
        nin: int,
        activation: ActivationSpec = "relu",
        *,
        init: str | Initializer = "uniform",
        seed: Seed = None,
        fan_out: int = 1,
        number: tuple[int, int] | None = None,
    ) -> None:
        self.nin = count(nin, "nin")
        self.number = number
        name = _activation_name(activation)
        if name in activations.LAYER_WISE:
            raise ValueError(
                f"{name} acts on a whole layer's outputs: use Layer(nin, nout, activation={name!r})"
            )
        generator = initializers.rng(seed)
        draw = initializers.get(init)
        fan_out = count(fan_out, "fan_out")
        if number is None:
            w, b, alpha = [f"w{i}" for i in range(1, nin + 1)], "b", "α"
            labels = ("Σwx", "z", "o")
        else:
            lj = _numbered(count(number[0], "layer number"), count(number[1], "neuron number"))
            w, b, alpha = [f"w{lj}.{i}" for i in range(1, nin + 1)], f"b{lj}", f"α{lj}"
            labels = (f"Σ{lj}", f"z{lj}", f"o{lj}")
        self.w = [Value(draw(nin, fan_out, generator), label) for label in w]
        self.b = Value(0.0, b)
        self.alpha: Value | None = None
        self.activation = name
        # Resolved once here so a call does no lookup by name; None means linear: no node.
        self._activate: Callable[[Value], Value] | None
        if callable(activation):
            self._activate = activation
        elif name == "prelu":
            self.alpha = Value(0.25, alpha)
            self._activate = functools.partial(activations.prelu, alpha=self.alpha)
        elif name == "linear":
            self._activate = None
            if number is not None:  # z is the output: labelled as one, o31 like the notes' O₃₁
                labels = (labels[0], labels[2], labels[2])
        else:
            self._activate = activations.ACTIVATIONS[name]  # type: ignore[assignment]
        # Labels made here, once: a call only assigns them.
        self._sum_label, self._z_label, self._out_label = labels
        # The parameters were made in the scope the layer set up (e.g. layers.1.neurons.0):
        # every call's nodes go there too.
        self._scope = scope(self.b.scope)
        self._input_labels = tuple(f"x{i}" for i in range(1, nin + 1))

    def forward(self, x: Inputs) -> Value:
        """o = activation(Σ xᵢwᵢ + b) for one sample x of ``nin`` numbers or Values."""
        return self._forward(_labelled_inputs(x, self._input_labels, self))

    def _forward(self, x: Sequence[Value]) -> Value:
        # The hot path of training: three nodes, one scope, no lookups or formatting.
        with self._scope:
            weighted = dot(self.w, x)
            weighted.label = self._sum_label
            z = weighted + self.b
            z.label = self._z_label
            if self._activate is None:
                return z
            out = self._activate(z)
            out.label = self._out_label
        return out

    def parameters(self) -> list[Value]:
        extra = [self.alpha] if self.alpha is not None else []
        return [*self.w, self.b, *extra]

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        named.append(("b", self.b))
        if self.alpha is not None:
            named.append(("alpha", self.alpha))
        return named

    def architecture(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "nin": self.nin, "activation": self.activation}

    def describe(self) -> str:
        return f"{self.nin} input{'' if self.nin == 1 else 's'}, {self.activation}"


class Layer(Module):
    """``nout`` neurons reading the same inputs; returns their outputs as a list (or the one
    Value when ``nout == 1``, as micrograd). ``activation="softmax"`` makes the neurons
    linear and applies softmax over their outputs (nodes labelled ``s1 … sk``).

    Its neurons are labelled as neurons 1 … nout of layer ``number`` (default 1; an MLP
    numbers its layers from 1): ``o11``, ``o12``, … (see the module's docstring)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: ActivationSpec = "relu",
        *,
        init: str | Initializer = "uniform",
        seed: Seed = None,
        number: int = 1,
    ) -> None:
        self.nin = count(nin, "nin")
        self.nout = count(nout, "nout")
        self.number = count(number, "number")
        self.activation = _activation_name(activation)
        self._softmax = self.activation == "softmax"
        generator = initializers.rng(seed)
        # `scope("")` adds nothing and yields the scope we are in (e.g. layers.1): this layer's.
        with scope("") as path:
            self._scope = scope(path)
        neuron_activation: ActivationSpec = "linear" if self._softmax else activation
        self.neurons: list[Neuron] = []
        for j in range(nout):
            with scope(f"neurons.{j}"):
                neuron = Neuron(
                    nin,
                    neuron_activation,
                    init=init,
                    seed=generator,
                    fan_out=nout,
                    number=(self.number, j + 1),
                )
            self.neurons.append(neuron)
        self._input_labels = tuple(f"x{i}" for i in range(1, nin + 1))
        self._output_labels = tuple(f"s{k}" for k in range(1, nout + 1))

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The neurons' outputs for one sample x: a list, or the one Value when ``nout == 1``."""
        out = self._forward(_labelled_inputs(x, self._input_labels, self))
        return out[0] if len(out) == 1 else out

    def _forward(self, x: Sequence[Value]) -> list[Value]:
        out = [neuron._forward(x) for neuron in self.neurons]
        if self._softmax:
            with self._scope:
                out = softmax(out)
                for node, label in zip(out, self._output_labels):
                    node.label = label
        return out

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{j}.{name}", p)
            for j, neuron in enumerate(self.neurons)
            for name, p in neuron.named_parameters()
        ]

    def children(self) -> list[tuple[str, Module]]:
        return []  # a layer prints as one line ("16 → 16, relu"), not one per neuron

    def architecture(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation}

    def describe(self) -> str:
        return f"{self.nin} → {self.nout}, {self.activation}"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` is micrograd's, with ReLU hidden
    layers and a linear output. ``output_activation`` (None = linear) sets the last layer's:
    ``"sigmoid"`` for a binary probability, ``"softmax"`` for class probabilities.

    Calling it on one sample (a list of numbers or Values) returns a Value when the last
    layer has one neuron, else a list. One ``seed`` (or ``random.Random``) draws every weight.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: ActivationSpec = "relu",
        output_activation: ActivationSpec | None = None,
        *,
        init: str | Initializer = "uniform",
        seed: Seed = None,
    ) -> None:
        self.nin = count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        self.nouts = [count(n, f"nouts[{i}]") for i, n in enumerate(nouts)]
        self.activation = _activation_name(activation)
        self.output_activation = _activation_name(output_activation)
        generator = initializers.rng(seed)
        sizes = [nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers: list[Layer] = []
        for i in range(len(self.nouts)):
            layer_activation = activation if i < last else (output_activation or "linear")
            with scope(f"layers.{i}"):
                layer = Layer(
                    sizes[i], sizes[i + 1], layer_activation, init=init, seed=generator, number=i + 1
                )
            self.layers.append(layer)
        self._input_labels = tuple(f"x{i}" for i in range(1, nin + 1))

    def forward(self, x: Inputs) -> Value | list[Value]:
        """The last layer's outputs for one sample x: a Value when it has one neuron, else a list."""
        out = _labelled_inputs(x, self._input_labels, self)
        for layer in self.layers:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for neuron in layer.neurons for p in neuron.parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{i}", layer) for i, layer in enumerate(self.layers)]

    def architecture(self) -> dict[str, Any]:
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    def describe(self) -> str:
        sizes = " → ".join(str(n) for n in [self.nin, *self.nouts])
        if len(self.nouts) == 1:
            return f"{sizes}, {self.output_activation}"
        output = "" if self.output_activation == "linear" else f", {self.output_activation} output"
        return f"{sizes}, {self.activation}{output}"


@dataclass(frozen=True)
class PerceptronFit:
    """What ``Perceptron.fit`` did: ``converged`` (an epoch with no mistake), the number of
    ``epochs`` run, and the ``mistakes`` made in each epoch."""

    converged: bool
    epochs: int
    mistakes: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if self.converged:
            return f"converged after {self.epochs} epochs: every sample classified right"
        left = self.mistakes[-1] if self.mistakes else 0
        return (
            f"did not converge in {self.epochs} epochs ({left} mistakes in the last one): "
            "the data may not be linearly separable"
        )


class Perceptron(Neuron):
    """The notes' single-layer binary classifier: ŷ = step(Σ xᵢwᵢ + b), 1 if z > 0 else 0.

    It learns by the perceptron rule, not by gradients (step′ = 0): for each sample,
    w ← w + η(y − ŷ)x and b ← b + η(y − ŷ). It finds a separating line whenever the data
    are linearly separable (the notes' pass/fail table) and never on XOR. Weights start at
    0 (the classic start) unless ``init`` says otherwise.
    """

    def __init__(self, nin: int, *, init: str | Initializer = "zeros", seed: Seed = None) -> None:
        super().__init__(nin, "step", init=init, seed=seed)

    def predict(self, x: Inputs) -> int:
        """ŷ ∈ {0, 1} for one sample, building no graph."""
        with no_grad():
            return int(self(x).data)

    def fit(
        self, X: Sequence[Inputs], y: Sequence[float], *, lr: float = 1.0, epochs: int = 1000
    ) -> PerceptronFit:
        """Apply the perceptron rule sample by sample until an epoch makes no mistake or
        ``epochs`` run out. Labels must be 0 or 1. Returns a ``PerceptronFit``; not
        converging (XOR) is a result, not an error."""
        if len(X) != len(y):
            raise ValueError(f"Perceptron.fit: {len(X)} samples but {len(y)} labels")
        for i, label in enumerate(y):
            if label not in (0, 1):
                raise ValueError(f"Perceptron.fit: labels must be 0 or 1, got {label!r} at index {i}")
        count(epochs, "epochs")
        mistakes: list[int] = []
        for _ in range(epochs):
            wrong = 0
            for x, target in zip(X, y):
                error = target - self.predict(x)
                if error:
                    wrong += 1
                    step = lr * error
                    for w, xi in zip(self.w, x):
                        w.data += step * float(xi)
                    self.b.data += step
            mistakes.append(wrong)
            if wrong == 0:
                return PerceptronFit(True, len(mistakes), mistakes)
        return PerceptronFit(False, len(mistakes), mistakes)

    def architecture(self) -> dict[str, Any]:
        return {"type": "Perceptron", "nin": self.nin}
