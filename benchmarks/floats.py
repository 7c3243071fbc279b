"""The W1 epoch written by hand on plain floats: the same loss and gradients, no graph at all.

This is the floor a scalar engine is measured against: what a programmer who derived
the backward pass on paper would write in plain Python. Forward keeps each layer's
inputs and pre-activations; backward applies the chain rule layer by layer.
"""

from __future__ import annotations

from operator import mul

from .problem import Layers, Problem


def loss_and_gradients(
    problem: Problem, layers: Layers, skip_zeros: bool = True
) -> tuple[float, list[float]]:
    """L = mean max(0, 1 − y·s) + α·Σw² and ∂L/∂p for every parameter, in micrograd's order.

    ``skip_zeros`` skips what sends no gradient back (points outside the margin, dead
    ReLUs), as a person writing this by hand would and as this project's backward does (it
    passes over nodes whose gradient is 0); without it the code multiplies those zeros
    through, as micrograd's and PyTorch's backward do.
    """
    last = len(layers) - 1
    n = len(problem.xs)
    grad_ws = [[[0.0] * len(ws) for ws, _ in layer] for layer in layers]
    grad_bs = [[0.0] * len(layer) for layer in layers]
    data_loss = 0.0
    for x, y in zip(problem.xs, problem.ys):
        inputs: list[list[float]] = []
        pre_activations: list[list[float]] = []
        a = x
        for i, layer in enumerate(layers):
            inputs.append(a)
            z = [sum(map(mul, ws, a)) + b for ws, b in layer]
            pre_activations.append(z)
            a = [v if v > 0.0 else 0.0 for v in z] if i < last else z
        margin = 1.0 - y * a[0]
        if margin > 0.0:
            data_loss += margin
        elif skip_zeros:
            continue  # relu′(0) = 0: a point outside the margin sends no gradient back
        grad_a = [-y / n if margin > 0.0 else 0.0]
        for i in range(last, -1, -1):
            if i < last:  # through the ReLU
                grad_a = [g if z > 0.0 else 0.0 for g, z in zip(grad_a, pre_activations[i])]
            a_in = inputs[i]
            grad_in = [0.0] * len(a_in)
            for j, g in enumerate(grad_a):
                if g == 0.0 and skip_zeros:
                    continue
                ws = layers[i][j][0]
                row = grad_ws[i][j]
                for k, ak in enumerate(a_in):
                    row[k] += g * ak
                    grad_in[k] += g * ws[k]
                grad_bs[i][j] += g
            grad_a = grad_in
    penalty = 0.0
    gradients = []
    for layer, layer_grad_ws, layer_grad_bs in zip(layers, grad_ws, grad_bs):
        for (ws, b), grad_w, grad_b in zip(layer, layer_grad_ws, layer_grad_bs):
            for p, g in zip((*ws, b), (*grad_w, grad_b)):
                penalty += p * p
                gradients.append(g + 2.0 * problem.alpha * p)
    return data_loss / n + problem.alpha * penalty, gradients


class HandWrittenFloats:
    """The W1 engine with no engine: weights as lists of floats, the epoch as above."""

    name = "hand-written floats"
    skip_zeros = True

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.layers: Layers = [[(list(ws), b) for ws, b in layer] for layer in problem.layers]

    def loss_and_gradients(self) -> tuple[float, list[float]]:
        return loss_and_gradients(self.problem, self.layers, self.skip_zeros)

    def epoch(self) -> None:
        _, gradients = self.loss_and_gradients()
        rate = self.problem.learning_rate
        flat = iter(gradients)
        for layer in self.layers:
            for j, (ws, b) in enumerate(layer):
                for k in range(len(ws)):
                    ws[k] -= rate * next(flat)
                layer[j] = (ws, b - rate * next(flat))


class HandWrittenFloatsDense(HandWrittenFloats):
    """The same code multiplying zeros through, as micrograd's and PyTorch's backward do (for reference)."""

    name = "hand-written floats, dense"
    skip_zeros = False
