"""W3: a wide sum z = Σ wᵢ·xᵢ of 10,000 products, then backward.

Written two ways on this project: with Python's ``sum`` (a + node per term: a chain
10,000 nodes deep, which is what micrograd's recursive sort cannot take) and with
``autograd.dot`` (one node with an edge per weight and input). ∂z/∂wᵢ = xᵢ.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from operator import mul

WIDTH = 10_000


def operands(width: int, seed: int = 1) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(width)], [rng.uniform(-1, 1) for _ in range(width)]


def this_project_sum(ws: list[float], xs: list[float]) -> list[float]:
    from autograd import Value

    w_values = [Value(w) for w in ws]
    z = sum(w * Value(x) for w, x in zip(w_values, xs))
    z.backward()  # type: ignore[union-attr]
    return [w.grad for w in w_values]


def this_project_dot(ws: list[float], xs: list[float]) -> list[float]:
    import autograd
    from autograd import Value

    w_values = [Value(w) for w in ws]
    z = autograd.dot(w_values, [Value(x) for x in xs])
    z.backward()
    return [w.grad for w in w_values]


def micrograd_sum(ws: list[float], xs: list[float]) -> list[float]:
    from micrograd.engine import Value

    w_values = [Value(w) for w in ws]
    z = sum(w * Value(x) for w, x in zip(w_values, xs))
    z.backward()
    return [float(w.grad) for w in w_values]


def torch_scalar_sum(ws: list[float], xs: list[float]) -> list[float]:
    import torch

    w_values = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in ws]
    z = sum(w * torch.tensor(x, dtype=torch.float64) for w, x in zip(w_values, xs))
    z.backward()  # type: ignore[union-attr]
    return [float(w.grad) for w in w_values]  # type: ignore[arg-type]


def torch_batched_dot(ws: list[float], xs: list[float]) -> list[float]:
    import torch

    w = torch.tensor(ws, dtype=torch.float64, requires_grad=True)
    z = torch.dot(w, torch.tensor(xs, dtype=torch.float64))
    z.backward()  # type: ignore[no-untyped-call]
    assert w.grad is not None
    grads: list[float] = w.grad.tolist()
    return grads


def hand_written_floats(ws: list[float], xs: list[float]) -> list[float]:
    """z = Σ wᵢxᵢ, and ∂z/∂wᵢ = xᵢ: the gradient is the inputs themselves."""
    _z = sum(map(mul, ws, xs))
    return list(xs)


ENGINES: dict[str, Callable[[list[float], list[float]], list[float]]] = {
    "this project, builtin sum": this_project_sum,
    "this project, autograd.dot": this_project_dot,
    "micrograd 0.1.0, builtin sum": micrograd_sum,
    "PyTorch, scalar tensors, builtin sum": torch_scalar_sum,
    "PyTorch, batched tensors, torch.dot": torch_batched_dot,
    "hand-written floats": hand_written_floats,
}
