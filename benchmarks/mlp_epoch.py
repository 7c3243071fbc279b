"""W1: the engines that run micrograd's moons epoch, each from the same ``Problem``.

Each engine offers ``loss_and_gradients()`` (the loss and ∂L/∂p in micrograd's parameter
order, for the equality check) and ``epoch()`` (zero the gradients, forward, backward,
one SGD step; the graph is dropped when it returns, so freeing it is part of the time).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any, Protocol

import autograd
from autograd import Value

from .floats import HandWrittenFloats, HandWrittenFloatsDense
from .problem import Problem


class Engine(Protocol):
    name: str

    def __init__(self, problem: Problem) -> None: ...

    def loss_and_gradients(self) -> tuple[float, list[float]]: ...

    def epoch(self) -> None: ...


# ----------------------------------------------------------------------------- this project


class ThisProject:
    """chainrule as a user writes it: ``nn.MLP``, ``nn.losses.hinge`` + ``l2``, ``nn.optim.SGD``.

    A neuron is ``dot`` → ``+ b`` → ReLU, three nodes; the weights are copied in.
    """

    name = "this project"

    def __init__(self, problem: Problem) -> None:
        import nn

        self.problem = problem
        self.model = nn.MLP(len(problem.xs[0]), [len(layer) for layer in problem.layers])
        for layer, weights in zip(self.model.layers, problem.layers):
            for neuron, (ws, b) in zip(layer.neurons, weights):
                for w, value in zip(neuron.w, ws):
                    w.data = value
                neuron.b.data = b
        self.parameters = self.model.parameters()
        self.optimizer = nn.optim.SGD(self.parameters, lr=problem.learning_rate)
        self._losses = nn.losses

    def loss(self) -> Value:
        p = self.problem
        scores: list[Any] = [self.model(x) for x in p.xs]  # one output neuron: each score is a Value
        return self._losses.hinge(scores, p.ys) + self._losses.l2(self.parameters, p.alpha)

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.data, [w.grad for w in self.parameters]

    def epoch(self) -> None:
        self.optimizer.zero_grad()
        self.loss().backward()
        self.optimizer.step()


class ThisProjectEngineOnly:
    """The same network on ``autograd`` alone (``dot`` → ``+ b`` → ReLU, no ``nn``): what ``nn`` adds."""

    name = "this project, autograd only"

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.layers = [[([Value(w) for w in ws], Value(b)) for ws, b in layer] for layer in problem.layers]
        self.parameters = [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def _model(self, x: Sequence[Value]) -> Value:
        last = len(self.layers) - 1
        a = list(x)
        for i, layer in enumerate(self.layers):
            a = [autograd.dot(ws, a) + b for ws, b in layer]
            if i < last:
                a = [v.relu() for v in a]
        return a[0]

    def loss(self) -> Value:
        p = self.problem
        scores = [self._model([Value(v) for v in x]) for x in p.xs]
        losses = [(1 - y * s).relu() for y, s in zip(p.ys, scores)]
        data_loss = autograd.sum(losses) / len(losses)
        return data_loss + p.alpha * autograd.dot(self.parameters, self.parameters)

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        autograd.zero_grad(self.parameters)
        loss = self.loss()
        loss.backward()
        return loss.data, [w.grad for w in self.parameters]

    def epoch(self) -> None:
        autograd.zero_grad(self.parameters)
        self.loss().backward()
        rate = self.problem.learning_rate
        for w in self.parameters:
            w.data -= rate * w.grad


class _OpByOpNeuron:
    """micrograd's ``nn.Neuron``, line for line, on chainrule's Value."""

    def __init__(self, ws: list[float], b: float, nonlin: bool) -> None:
        self.w = [Value(w) for w in ws]
        self.b = Value(b)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value]) -> Value:
        act = builtins.sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class ThisProjectOpByOp:
    """chainrule fed micrograd's graph: ``sum(w*x for ...)``, 2n + 2 nodes per neuron, no ``dot``."""

    name = "this project, op by op"

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        last = len(problem.layers) - 1
        self.layers = [
            [_OpByOpNeuron(ws, b, nonlin=i != last) for ws, b in layer]
            for i, layer in enumerate(problem.layers)
        ]
        self.parameters = [p for layer in self.layers for n in layer for p in (*n.w, n.b)]

    def loss(self) -> Value:
        p = self.problem
        scores = []
        for x in p.xs:
            a: list[Value] = list(map(Value, x))
            for layer in self.layers:
                a = [n(a) for n in layer]
            scores.append(a[0])
        losses = [(1 + -y * s).relu() for y, s in zip(p.ys, scores)]
        data_loss = builtins.sum(losses) * (1.0 / len(losses))
        return data_loss + p.alpha * builtins.sum(w * w for w in self.parameters)  # type: ignore[return-value]

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        autograd.zero_grad(self.parameters)
        loss = self.loss()
        loss.backward()
        return loss.data, [w.grad for w in self.parameters]

    def epoch(self) -> None:
        autograd.zero_grad(self.parameters)
        self.loss().backward()
        rate = self.problem.learning_rate
        for w in self.parameters:
            w.data -= rate * w.grad


# ----------------------------------------------------------------------------- micrograd


class Micrograd:
    """micrograd 0.1.0's own MLP and its demo notebook's loss, weights copied in."""

    name = "micrograd 0.1.0"

    def __init__(self, problem: Problem) -> None:
        from micrograd.engine import Value as MicroValue
        from micrograd.nn import MLP

        self.problem = problem
        self._value = MicroValue
        self.model = MLP(problem.layers[0][0][0].__len__(), [len(layer) for layer in problem.layers])
        for layer, weights in zip(self.model.layers, problem.layers):
            for neuron, (ws, b) in zip(layer.neurons, weights):
                for w, value in zip(neuron.w, ws):
                    w.data = value
                neuron.b.data = b

    def loss(self) -> Any:
        p = self.problem
        inputs = [list(map(self._value, x)) for x in p.xs]
        scores = list(map(self.model, inputs))
        losses = [(1 + -y * s).relu() for y, s in zip(p.ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + p.alpha * sum(w * w for w in self.model.parameters())

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        self.model.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.data, [float(w.grad) for w in self.model.parameters()]

    def epoch(self) -> None:
        self.model.zero_grad()
        self.loss().backward()
        rate = self.problem.learning_rate
        for w in self.model.parameters():
            w.data -= rate * w.grad


# ----------------------------------------------------------------------------- PyTorch


class TorchScalar:
    """PyTorch driven like micrograd: one 0-dim float64 tensor per scalar, op by op."""

    name = "PyTorch, scalar tensors"

    def __init__(self, problem: Problem) -> None:
        import torch

        self.torch = torch
        self.problem = problem

        def scalar(v: float) -> Any:
            return torch.tensor(v, dtype=torch.float64, requires_grad=True)

        self.layers = [[([scalar(w) for w in ws], scalar(b)) for ws, b in layer] for layer in problem.layers]
        self.parameters = [p for layer in self.layers for ws, b in layer for p in (*ws, b)]

    def loss(self) -> Any:
        torch, p = self.torch, self.problem
        last = len(self.layers) - 1
        scores = []
        for x in p.xs:
            a = [torch.tensor(v, dtype=torch.float64) for v in x]
            for i, layer in enumerate(self.layers):
                a = [sum((wi * xi for wi, xi in zip(ws, a)), b) for ws, b in layer]
                if i < last:
                    a = [v.relu() for v in a]
            scores.append(a[0])
        losses = [(1 + -y * s).relu() for y, s in zip(p.ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + p.alpha * sum(w * w for w in self.parameters)

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        for w in self.parameters:
            w.grad = None
        loss = self.loss()
        loss.backward()
        return loss.item(), [w.grad.item() for w in self.parameters]

    def epoch(self) -> None:
        for w in self.parameters:
            w.grad = None
        self.loss().backward()
        with self.torch.no_grad():
            for w in self.parameters:
                w -= self.problem.learning_rate * w.grad


class TorchBatched:
    """What a user picks for raw speed: the same float64 network as weight matrices, all points at once."""

    name = "PyTorch, batched tensors"

    def __init__(self, problem: Problem) -> None:
        import torch

        self.torch = torch
        self.problem = problem
        f64 = torch.float64
        self.weights: list[Any] = [
            torch.tensor([ws for ws, _ in layer], dtype=f64, requires_grad=True) for layer in problem.layers
        ]
        self.biases: list[Any] = [
            torch.tensor([b for _, b in layer], dtype=f64, requires_grad=True) for layer in problem.layers
        ]
        self.xs = torch.tensor(problem.xs, dtype=f64)
        self.ys = torch.tensor(problem.ys, dtype=f64)

    def loss(self) -> Any:
        torch = self.torch
        a = self.xs
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            a = a @ w.T + b
            if i < len(self.weights) - 1:
                a = torch.relu(a)
        data_loss = torch.relu(1 - self.ys * a[:, 0]).mean()
        penalty = sum((w * w).sum() + (b * b).sum() for w, b in zip(self.weights, self.biases))
        return data_loss + self.problem.alpha * penalty

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        torch = self.torch
        for p in (*self.weights, *self.biases):
            p.grad = None
        loss = self.loss()
        loss.backward()
        grads = [
            torch.cat([w.grad, b.grad[:, None]], dim=1).flatten() for w, b in zip(self.weights, self.biases)
        ]
        return loss.item(), torch.cat(grads).tolist()

    def epoch(self) -> None:
        for p in (*self.weights, *self.biases):
            p.grad = None
        self.loss().backward()
        with self.torch.no_grad():
            for p in (*self.weights, *self.biases):
                p -= self.problem.learning_rate * p.grad


ENGINES: tuple[type[Engine], ...] = (
    ThisProject,
    ThisProjectEngineOnly,
    ThisProjectOpByOp,
    Micrograd,
    TorchScalar,
    TorchBatched,
    HandWrittenFloats,
    HandWrittenFloatsDense,
)


def max_difference(a: tuple[float, list[float]], b: tuple[float, list[float]]) -> float:
    """The largest absolute difference between two engines' losses and gradients; inf if a
    NaN is on either side (``max`` would pass over it: ``max(0.0, nan)`` is 0.0)."""
    (loss_a, grads_a), (loss_b, grads_b) = a, b
    if len(grads_a) != len(grads_b):
        raise ValueError(f"{len(grads_a)} gradients against {len(grads_b)}")
    differences = [abs(loss_a - loss_b), *(abs(x - y) for x, y in zip(grads_a, grads_b))]
    return math.inf if any(math.isnan(d) for d in differences) else max(differences)
