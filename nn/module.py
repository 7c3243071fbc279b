"""``Module``: what every model shares: its parameters by name, their gradients, and its file.

A model file is JSON::

    {"format": "chainrule.nn", "version": 1,
     "architecture": {"type": "MLP", "nin": 2, "nouts": [16, 16, 1], ...},
     "parameters": {"layers.0.neurons.0.w.0": 0.23, ...},
     "optimizer": {"parameters": [...names...], "state": {...}}}     (only if saved with one)

Floats are written with Python's shortest round-trip repr, so save → load gives back the
exact same bits. Saving is atomic and loading checks everything before it changes anything.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar

import autograd
from autograd import Value
from autograd.files import write_atomically

from ._checks import finite

FORMAT = "chainrule.nn"
VERSION = 1
"""The model-file format version this library writes and reads."""


def _registered(value: object) -> bool:
    """A Module, or a leaf Value (a weight); a Value some op made (an activation) is not."""
    return isinstance(value, Module) or (isinstance(value, Value) and value.is_leaf)


def _attributes(module: object) -> list[tuple[str, Any]]:
    """The public attributes that are Modules or leaf Values, a list or tuple of them by index.

    Only leaves, as PyTorch registers only Parameters: activations a ``forward`` keeps on the
    model (``self.hidden = self.l1(x)``) are results of ops, not parameters, so
    ``parameters()`` and the state dict keep their shape from call to call."""
    found: list[tuple[str, Any]] = []
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        if _registered(value):
            found.append((name, value))
        elif isinstance(value, (list, tuple)) and value and all(_registered(v) for v in value):
            found.extend((f"{name}.{i}", v) for i, v in enumerate(value))
    return found


_P = ParamSpec("_P")
_R = TypeVar("_R", covariant=True)


class _Forward(Protocol[_P, _R]):
    """Anything with a ``forward``: how ``Module.__call__`` takes its argument and result types."""

    def forward(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...


class ModelFileError(ValueError):
    """A model file that cannot be loaded: not JSON, another format version, another
    architecture, missing or extra parameters, a value that is not a finite number.
    The message names the file and what is wrong; the model is left untouched."""


class Stateful(Protocol):
    """What ``save``/``load`` need from an optimizer (``nn.optim.Optimizer`` has it)."""

    @property
    def params(self) -> list[Value]: ...

    def state_dict(self) -> dict[str, Any]: ...

    def check_state_dict(self, state: Mapping[str, Any]) -> None: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


class Module:
    """Base of every model: a tree of modules whose leaves own parameters (Values).

    PyTorch's habits hold: ``parameters()``, ``named_parameters()``, ``zero_grad()``,
    ``state_dict()`` / ``load_state_dict()``; ``save(path)`` / ``load(path)`` add a file.
    Dotted names index lists from 0, like Python: ``layers.0.neurons.3.w.1`` is
    ``model.layers[0].neurons[3].w[1]`` (whose node label is the notes' ``w2``).

    A model of one's own is written as in PyTorch: set its layers (Modules, or lists of
    them) and any Values of its own as attributes in ``__init__``, and define
    ``forward(x)``; calling the model runs it, and its parameters are found by attribute,
    in the order they were set. Only leaf Values are parameters: activations that
    ``forward`` stores on the model are not.
    """

    def __call__(self: _Forward[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """``model(x)`` runs ``forward(x)``, as in PyTorch: nn's own modules define ``forward``
        too, so a subclass that overrides it is what calling the model runs. Typed as its
        ``forward``: ``MLP(...)(x)`` is a ``Value | list[Value]``, ``Neuron(...)(x)`` a ``Value``."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the model computes: a subclass defines it, as in PyTorch."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define `def forward(self, x): ...`, as in PyTorch"
        )

    # ------------------------------------------------------------------ subclasses may provide

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with its stable dotted name, in a fixed order.

        By default, found by attribute as PyTorch registers them: each attribute that is a
        leaf Value (made as ``Value(...)``, as weights are), a Module, or a list or tuple of
        either, in the order they were set (names starting with ``_`` are private); a Value
        reached twice is listed once. A Value an op made, such as an activation ``forward``
        keeps on the model, is not a parameter (PyTorch registers only Parameters)."""
        found: list[tuple[str, Value]] = []
        seen: set[Value] = set()
        for name, item in _attributes(self):
            pairs = item.named_parameters() if isinstance(item, Module) else [("", item)]
            for inner, p in pairs:
                if p not in seen:
                    seen.add(p)
                    found.append((f"{name}.{inner}" if inner else name, p))
        return found

    def children(self) -> list[tuple[str, Module]]:
        """The sub-modules worth printing, with their dotted names (by default, found by
        attribute as ``named_parameters`` finds them)."""
        return [(name, item) for name, item in _attributes(self) if isinstance(item, Module)]

    def architecture(self) -> dict[str, Any]:
        """The constructor's arguments that fix the shapes, as JSON-friendly values."""
        return {"type": type(self).__name__}

    def describe(self) -> str:
        """The shape and activation for the one-line repr, e.g. ``2 → 16 → 1, relu``."""
        return ""

    # ------------------------------------------------------------------ shared

    def parameters(self) -> list[Value]:
        """Every parameter (weights, biases, learned slopes), the list an optimizer takes."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward (leaves accumulate).

        To 0.0, not None: PyTorch's ``zero_grad(set_to_none=False)``, not its default (see
        ``nn.optim.Optimizer.zero_grad`` for where that shows)."""
        autograd.zero_grad(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``, which must name exactly this model's parameters,
        each a finite number. Checks all of it first: on ValueError nothing has changed."""
        values = _checked_parameters(self, state)
        for name, p in self.named_parameters():
            p.data = values[name]

    def save(self, path: str | os.PathLike[str], *, optimizer: Stateful | None = None) -> None:
        """Write the model (and, if given, the optimizer's state) to ``path`` as JSON.

        Atomic: the file is written beside the target, flushed to disk and renamed over it,
        so a failed or interrupted save leaves the last good file as it was.
        """
        text = json.dumps(self._document(optimizer), ensure_ascii=False, allow_nan=False, indent=1)
        write_atomically(path, (text + "\n").encode("utf-8"))

    def load(self, path: str | os.PathLike[str], *, optimizer: Stateful | None = None) -> None:
        """Read parameters (and, if given, the optimizer's state) saved by ``save``.

        Everything is checked before any weight changes: JSON syntax, format and version,
        architecture, parameter names, every value a finite number, the optimizer's state.
        Raises ``ModelFileError`` naming the file and the problem; the model is untouched.
        """
        name = os.fspath(path)
        with open(name, "rb") as file:
            raw = file.read()
        try:
            values, optimizer_state = self._parse(raw, optimizer)
        except ValueError as error:
            raise ModelFileError(f"{name}: {error}") from None
        for param_name, p in self.named_parameters():
            p.data = values[param_name]
        if optimizer is not None and optimizer_state is not None:
            optimizer.load_state_dict(optimizer_state)

    # ------------------------------------------------------------------ printing

    def __repr__(self) -> str:
        count = len(self.parameters())
        size = f"{count} parameter{'' if count == 1 else 's'}"
        description = self.describe()
        return (
            f"{type(self).__name__}({description}; {size})"
            if description
            else f"{type(self).__name__}({size})"
        )

    def __str__(self) -> str:
        """The module tree, PyTorch style: one line per module, children indented."""
        return "\n".join(self._tree_lines(""))

    def _tree_lines(self, indent: str) -> Iterator[str]:
        yield repr(self)
        for name, child in self.children():
            lines = child._tree_lines(indent + "  ")
            yield f"{indent}  ({name}): {next(lines)}"
            yield from lines

    # ------------------------------------------------------------------ the file

    def _document(self, optimizer: Stateful | None) -> dict[str, Any]:
        named = self.named_parameters()
        for name, p in named:
            if not math.isfinite(p.data):
                raise ValueError(f"cannot save: parameter {name} is {p.data!r}, not a finite number")
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "architecture": self.architecture(),
            "parameters": {name: p.data for name, p in named},
        }
        if optimizer is not None:
            document["optimizer"] = {
                "parameters": _names_in_model(self, optimizer.params),
                "state": optimizer.state_dict(),
            }
        return document

    def _parse(
        self, raw: bytes, optimizer: Stateful | None
    ) -> tuple[dict[str, float], Mapping[str, Any] | None]:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ModelFileError(f"not UTF-8 text ({error.reason} at byte {error.start})") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ModelFileError(
                f"not valid JSON (truncated or corrupt?): {error.msg} at line {error.lineno} "
                f"column {error.colno}"
            ) from None
        except RecursionError:  # json's decoder recurses once per nested [ or {
            raise ModelFileError(
                "not valid JSON for a model file: lists or objects nested too deeply"
            ) from None
        except ValueError as error:  # e.g. an int of more digits than Python converts (4300)
            raise ModelFileError(f"not valid JSON for a model file: {error}") from None
        if not isinstance(document, dict):
            raise ModelFileError(f"expected a JSON object at the top, got {_json_type(document)}")
        if document.get("format") != FORMAT:
            raise ModelFileError(f"not a chainrule model file (its 'format' is {document.get('format')!r})")
        version = document.get("version")
        if version != VERSION or isinstance(version, bool):
            raise ModelFileError(f"format version {version!r}; this chainrule reads version {VERSION}")
        architecture = document.get("architecture")
        expected = self.architecture()
        if architecture != expected:
            raise ModelFileError(f"architecture differs: {_difference(architecture, expected)}")
        values = _checked_parameters(self, document.get("parameters"))
        if optimizer is None:
            return values, None
        saved = document.get("optimizer")
        if not isinstance(saved, dict):
            raise ModelFileError("no optimizer state in the file (it was saved without optimizer=...)")
        names = _names_in_model(self, optimizer.params)
        if saved.get("parameters") != names:
            raise ModelFileError("the optimizer's parameters differ from those whose state the file holds")
        state = saved.get("state")
        if not isinstance(state, dict):
            raise ModelFileError(f"optimizer state must be a JSON object, got {_json_type(state)}")
        try:
            optimizer.check_state_dict(state)
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"optimizer state: {error}") from None
        return values, state


def _checked_parameters(module: Module, state: object) -> dict[str, float]:
    """``state`` as name → float if it names exactly the module's parameters with finite numbers."""
    if not isinstance(state, Mapping):
        raise ValueError(f"parameters must be a mapping of name → number, got {_json_type(state)}")
    names = [name for name, _ in module.named_parameters()]
    missing = [name for name in names if name not in state]
    extra = [name for name in state if name not in set(names)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing ({_some(missing)})")
        if extra:
            parts.append(f"{len(extra)} unexpected ({_some(extra)})")
        raise ValueError(
            f"parameters do not match the model's {len(names)}: {'; '.join(parts)}; "
            f"got {len(state)} parameters"
        )
    values = {}
    for name in names:
        value = state[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"parameter {name} is {_json_type(value)} {value!r}, not a number")
        values[name] = finite(value, f"parameter {name}")
    return values


def _names_in_model(module: Module, params: Sequence[Value]) -> list[str]:
    name_of = {id(p): name for name, p in module.named_parameters()}
    names = []
    for p in params:
        if id(p) not in name_of:
            raise ValueError(f"the optimizer holds {p!r}, which is not a parameter of this model")
        names.append(name_of[id(p)])
    return names


def _some(names: Sequence[str], shown: int = 3) -> str:
    listed = ", ".join(names[:shown])
    return listed + (", …" if len(names) > shown else "")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _difference(found: object, expected: Mapping[str, Any]) -> str:
    if not isinstance(found, dict):
        return f"the file has {found!r}, the model is {expected!r}"
    keys = sorted(set(found) | set(expected), key=str)
    return "; ".join(
        f"{key}: file {found.get(key)!r}, model {expected.get(key)!r}"
        for key in keys
        if found.get(key) != expected.get(key)
    )
