"""Practice mode: the backward pass, asking before it tells (issue 9: to be written)."""

from __future__ import annotations

from typing import Any


class Quiz:
    def __init__(self, root: Any) -> None:
        raise NotImplementedError("Quiz: not written yet (issue 9)")
