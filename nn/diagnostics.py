"""Diagnostics: is the gradient reaching the first layers?

The notes' vanishing gradient: ∂L/∂w₁ multiplies one factor σ′(z)·w per layer, and
σ′(z) ≤ 0.25, so in a deep sigmoid network the first layers' gradients shrink toward 0
and they barely learn. ``gradient_flow`` shows it: mean |∂L/∂w| layer by layer.
"""

from __future__ import annotations

from .module import Module


def gradient_flow(model: Module) -> dict[str, float]:
    """Mean |grad| of each layer's parameters (weights, biases, slopes), first layer first.

    Run after ``loss.backward()``. For an MLP the keys are ``layers.0``, ``layers.1``, …;
    any other module is one group under its class name. In a deep sigmoid network the
    first values are orders of magnitude below the last; with ReLU they stay comparable.
    Raises ValueError if no backward has reached the parameters yet.
    """
    groups: dict[str, list[float]] = {}
    reached = False
    for name, p in model.named_parameters():
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "layers" else type(model).__name__
        groups.setdefault(key, []).append(abs(p.grad))
        reached = reached or p.backward_ran
    if not groups:
        raise ValueError(f"gradient_flow: {model!r} has no parameters")
    if not reached:
        raise ValueError(
            "gradient_flow: no backward has reached the parameters yet; call loss.backward() first"
        )
    return {key: sum(values) / len(values) for key, values in groups.items()}
