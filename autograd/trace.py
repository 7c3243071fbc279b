"""Chain-rule tracing and step-by-step backprop (issue 4: to be written)."""

from __future__ import annotations

from typing import Any


class ChainRule:
    """∂root/∂wrt as the sum over paths of products of local derivatives."""


class Step:
    """One node's edges applied during backprop."""


class Backprop:
    """A stepper over backprop_steps for notebooks and the REPL."""

    def __init__(self, root: Any) -> None:
        raise NotImplementedError("Backprop: not written yet (issue 4)")


def chain_rule(root: Any, wrt: Any, max_paths: int = 256) -> ChainRule:
    raise NotImplementedError("chain_rule: not written yet (issue 4)")


def backprop_steps(root: Any) -> Any:
    raise NotImplementedError("backprop_steps: not written yet (issue 4)")


def forward_steps(root: Any) -> Any:
    raise NotImplementedError("forward_steps: not written yet (issue 4)")
