"""Module: parameters by name, state dicts, and model files that survive crashes and corruption."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import autograd
import nn
from autograd import Value
from nn import MLP, Layer, ModelFileError, Module, Neuron, Perceptron, data, fit, optim
from nn.layers import Inputs


def snapshot(model: nn.Module) -> list[tuple[str, float]]:
    return [(name, p.data) for name, p in model.named_parameters()]


@pytest.fixture
def saved(tmp_path: Path) -> tuple[MLP, Path]:
    model = MLP(2, [3, 2, 1], seed=1)
    path = tmp_path / "model.json"
    model.save(path)
    return model, path


def test_save_then_load_gives_back_the_exact_bits(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    other = MLP(2, [3, 2, 1], seed=2)
    assert snapshot(other) != snapshot(model)
    other.load(path)
    assert snapshot(other) == snapshot(model)  # exact equality, not approx
    document = json.loads(path.read_text())
    assert (document["format"], document["version"]) == ("chainrule.nn", 1)
    assert document["architecture"] == {
        "type": "MLP",
        "nin": 2,
        "nouts": [3, 2, 1],
        "activation": "relu",
        "output_activation": "linear",
    }
    assert list(document["parameters"]) == [name for name, _ in model.named_parameters()]


@pytest.mark.parametrize(
    "build",
    [lambda: Neuron(3, "tanh", seed=4), lambda: Layer(2, 3, "prelu", seed=4), lambda: Perceptron(2)],
    ids=["neuron", "layer", "perceptron"],
)
def test_every_module_round_trips(tmp_path: Path, build: Callable[[], nn.Module]) -> None:
    model = build()
    for i, p in enumerate(model.parameters()):
        p.data = 0.1 * i - 0.25
    model.save(tmp_path / "m.json")
    other = build()
    other.load(tmp_path / "m.json")
    assert snapshot(other) == snapshot(model)


def edit(change: Callable[[dict[str, Any]], Any]) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        document = json.loads(text)
        change(document)
        return json.dumps(document)

    return rewrite


def set_parameter(value: Any) -> Callable[[str], str]:
    return edit(lambda d: d["parameters"].__setitem__("layers.1.neurons.0.w.1", value))


def replace_first_value(literal: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        document = json.loads(text)
        first = next(iter(document["parameters"]))
        document["parameters"][first] = "PLACEHOLDER"
        return json.dumps(document).replace('"PLACEHOLDER"', literal)

    return rewrite


CORRUPTIONS: list[tuple[str, Callable[[str], str | bytes], str]] = [
    ("truncated", lambda text: text[: len(text) // 2], "not valid JSON"),
    ("empty", lambda text: "", "not valid JSON"),
    ("not json", lambda text: "weights: 1, 2, 3", "not valid JSON"),
    ("not utf-8", lambda text: b"\xff\xfe\x00garbage", "not UTF-8 text"),
    # json.loads recurses per bracket: this depth raises RecursionError, not JSONDecodeError
    ("nested too deeply", lambda text: "[" * 100_000 + "]" * 100_000, "not valid JSON .*nested too deeply"),
    # Python refuses to read an int of over 4300 digits (a ValueError that is no JSONDecodeError)
    ("an integer of 5000 digits", replace_first_value("1" * 5000), "not valid JSON .*4300 digits"),
    ("a list", lambda text: "[1, 2, 3]", "expected a JSON object at the top, got a list"),
    ("another format", edit(lambda d: d.__setitem__("format", "keras")), "not a chainrule model file"),
    (
        "version 2",
        edit(lambda d: d.__setitem__("version", 2)),
        "format version 2; this chainrule reads version 1",
    ),
    ("version as text", edit(lambda d: d.__setitem__("version", "1")), "format version '1'"),
    ("no version", edit(lambda d: d.pop("version")), "format version None"),
    ("version true", edit(lambda d: d.__setitem__("version", True)), "format version True"),
    (
        "another architecture",
        edit(lambda d: d["architecture"].__setitem__("nouts", [4, 2, 1])),
        r"architecture differs: nouts: file \[4, 2, 1\], model \[3, 2, 1\]",
    ),
    (
        "another activation",
        edit(lambda d: d["architecture"].__setitem__("activation", "tanh")),
        "activation: file 'tanh', model 'relu'",
    ),
    (
        "a missing parameter",
        edit(lambda d: d["parameters"].pop("layers.2.neurons.0.b")),
        r"1 missing \(layers.2.neurons.0.b\); got 19 parameters",
    ),
    (
        "an extra parameter",
        edit(lambda d: d["parameters"].__setitem__("layers.3.neurons.0.b", 0.0)),
        r"1 unexpected \(layers.3.neurons.0.b\)",
    ),
    (
        "too few parameters",
        edit(lambda d: d.__setitem__("parameters", dict(list(d["parameters"].items())[:14]))),
        r"parameters do not match the model's 20: 6 missing .*; got 14 parameters",
    ),
    ("parameters as a list", edit(lambda d: d.__setitem__("parameters", [1.0])), "got a list"),
    (
        "a string number",
        set_parameter("0.5"),
        "parameter layers.1.neurons.0.w.1 is a string '0.5', not a number",
    ),
    ("null", set_parameter(None), "parameter layers.1.neurons.0.w.1 is null None, not a number"),
    ("a boolean", set_parameter(True), "is a boolean True, not a number"),
    ("a list value", set_parameter([0.5]), r"is a list \[0.5\], not a number"),
    ("NaN", replace_first_value("NaN"), "parameter layers.0.neurons.0.w.0 is nan, not a finite number"),
    ("Infinity", replace_first_value("-Infinity"), "is -inf, not a finite number"),
    ("an overflowing literal", replace_first_value("1e999"), "is inf, not a finite number"),
    (
        "an integer too large for a float",  # JSON reads 10**400 as an exact int; float() overflows
        set_parameter(10**400),
        "parameter layers.1.neurons.0.w.1 is an integer too large for a float, not a finite number",
    ),
]


@pytest.mark.parametrize(("kind", "corrupt", "message"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_a_corrupt_file_is_rejected_and_the_model_is_untouched(
    saved: tuple[MLP, Path], kind: str, corrupt: Callable[[str], str | bytes], message: str
) -> None:
    _, path = saved
    bad = corrupt(path.read_text())
    if isinstance(bad, bytes):
        path.write_bytes(bad)
    else:
        path.write_text(bad)
    target = MLP(2, [3, 2, 1], seed=9)
    before = snapshot(target)
    with pytest.raises(ModelFileError, match=message) as caught:
        target.load(path)
    assert str(caught.value).startswith(str(path))
    assert snapshot(target) == before
    assert isinstance(caught.value, ValueError)


def test_a_model_file_of_another_type_is_rejected(tmp_path: Path) -> None:
    Layer(2, 3, seed=0).save(tmp_path / "layer.json")
    with pytest.raises(ModelFileError, match=r"architecture differs: .*type: file 'Layer', model 'MLP'"):
        MLP(2, [3], seed=0).load(tmp_path / "layer.json")


# ---------------------------------------------------------------------- saving atomically


def files_in(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_save_keeps_the_last_good_file(
    saved: tuple[MLP, Path], monkeypatch: pytest.MonkeyPatch, failing: str, error: BaseException
) -> None:
    model, path = saved
    good = path.read_bytes()
    for p in model.parameters():
        p.data += 1.0

    def boom(*args: object, **kwargs: object) -> None:
        raise error

    if failing == "write":  # half the text reaches the temporary file, then the write fails
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, descriptor: int, *args: Any, **kwargs: Any) -> None:
                self.file = real_fdopen(descriptor, *args, **kwargs)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.file.close()

            def write(self, text: str) -> None:
                self.file.write(text[: len(text) // 2])
                self.file.flush()
                raise error

        monkeypatch.setattr(os, "fdopen", HalfWriter)
    else:
        monkeypatch.setattr(os, failing, boom)
    with pytest.raises(type(error)):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == good
    assert files_in(path.parent) == ["model.json"]  # no temporary file left behind


def test_saving_a_nan_weight_fails_before_touching_the_file(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    good = path.read_bytes()
    model.layers[0].neurons[1].b.data = float("nan")
    with pytest.raises(ValueError, match=r"cannot save: parameter layers\.0\.neurons\.1\.b is nan"):
        model.save(path)
    assert path.read_bytes() == good
    assert files_in(path.parent) == ["model.json"]


def test_save_replaces_the_file_and_keeps_its_permissions(saved: tuple[MLP, Path]) -> None:
    model, path = saved
    os.chmod(path, 0o600)
    model.layers[0].neurons[0].b.data = 0.125
    model.save(str(path))
    assert json.loads(path.read_text())["parameters"]["layers.0.neurons.0.b"] == 0.125
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert files_in(path.parent) == ["model.json"]


@pytest.fixture
def set_umask() -> Iterator[Callable[[int], int]]:
    """Set the process umask for one test, restoring the original afterwards."""
    original = os.umask(0o022)  # os.umask both sets and returns: the only way to read it
    os.umask(original)
    try:
        yield os.umask
    finally:
        os.umask(original)


posix_permissions = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits and umask")


@posix_permissions
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)], ids=oct)
def test_a_new_model_file_gets_the_permissions_the_umask_gives(
    tmp_path: Path, set_umask: Callable[[int], int], umask: int, mode: int
) -> None:
    set_umask(umask)
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=1).save(path)
    assert os.stat(path).st_mode & 0o777 == mode  # as open(path, "w") would give: 0o666 less the umask
    assert files_in(tmp_path) == ["model.json"]


@posix_permissions
@pytest.mark.parametrize("mode", [0o600, 0o664], ids=oct)
def test_a_replaced_model_file_keeps_its_permissions_whatever_the_umask(
    saved: tuple[MLP, Path], set_umask: Callable[[int], int], mode: int
) -> None:
    model, path = saved
    os.chmod(path, mode)
    set_umask(0o027)
    model.save(path)
    assert os.stat(path).st_mode & 0o777 == mode
    assert files_in(path.parent) == ["model.json"]


# ---------------------------------------------------------------------- resuming training


RESUMABLE = [
    ("sgd", lambda ps: optim.SGD(ps, lr=0.2)),
    ("sgd-schedule-momentum", lambda ps: optim.SGD(ps, lr=lambda k: 0.3 / (1 + k), momentum=0.9)),
    ("nesterov", lambda ps: optim.SGD(ps, lr=0.05, momentum=0.5, nesterov=True)),
    ("adagrad", lambda ps: optim.Adagrad(ps, lr=0.1)),
    ("rmsprop", lambda ps: optim.RMSprop(ps, lr=0.01)),
    ("adam", lambda ps: optim.Adam(ps, lr=0.05)),
]


@pytest.mark.parametrize("make", [m for _, m in RESUMABLE], ids=[n for n, _ in RESUMABLE])
def test_save_load_and_continue_is_bit_identical_to_training_straight_through(tmp_path: Path, make) -> None:
    X, y = data.moons(20, seed=5, signed=True)

    def train(model: MLP, optimizer: optim.Optimizer, epochs: int) -> list[float]:
        return fit(model, X, y, "hinge", optimizer, epochs=epochs, progress=False, l2=1e-4).loss

    straight = MLP(2, [6, 1], seed=3)
    straight_optimizer = make(straight.parameters())
    straight_losses = train(straight, straight_optimizer, 8)

    first = MLP(2, [6, 1], seed=3)
    first_optimizer = make(first.parameters())
    first_losses = train(first, first_optimizer, 4)
    first.save(tmp_path / "checkpoint.json", optimizer=first_optimizer)

    resumed = MLP(2, [6, 1], seed=99)  # other weights, a fresh optimizer: the file must restore both
    resumed_optimizer = make(resumed.parameters())
    resumed.load(tmp_path / "checkpoint.json", optimizer=resumed_optimizer)
    resumed_losses = train(resumed, resumed_optimizer, 4)

    assert first_losses + resumed_losses == straight_losses
    assert snapshot(resumed) == snapshot(straight)
    assert resumed_optimizer.state_dict() == straight_optimizer.state_dict()


def test_loading_optimizer_state_checks_it_before_changing_anything(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    adam = optim.Adam(model.parameters())
    model.save(tmp_path / "plain.json")
    model.save(tmp_path / "adam.json", optimizer=adam)
    target = MLP(2, [3, 1], seed=1)
    target_adam = optim.Adam(target.parameters())
    before, state = snapshot(target), target_adam.state_dict()
    with pytest.raises(ModelFileError, match="no optimizer state in the file"):
        target.load(tmp_path / "plain.json", optimizer=target_adam)
    with pytest.raises(ModelFileError, match="optimizer state: it belongs to a 'Adam', not a SGD"):
        target.load(tmp_path / "adam.json", optimizer=optim.SGD(target.parameters()))
    with pytest.raises(ModelFileError, match="the optimizer's parameters differ"):
        target.load(tmp_path / "adam.json", optimizer=optim.Adam(target.parameters()[:4]))
    document = json.loads((tmp_path / "adam.json").read_text())
    document["optimizer"]["state"]["buffers"]["v"][2] = -1e999
    (tmp_path / "broken.json").write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"buffer v\[2\] is -inf, not a finite number"):
        target.load(tmp_path / "broken.json", optimizer=target_adam)
    assert snapshot(target) == before and target_adam.state_dict() == state


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda state: state["buffers"]["m"].__setitem__(1, 10**400),
            r"buffer m\[1\] is an integer too large for a float, not a finite number",
        ),
        (lambda state: state.__setitem__("steps", 10**400), r"steps must be an int in \[0, 2\*\*53\]"),
        (lambda state: state.__setitem__("steps", 2**53 + 1), r"steps must be an int in \[0, 2\*\*53\]"),
        (lambda state: state.__setitem__("steps", -1), r"steps must be an int in \[0, 2\*\*53\], got -1"),
    ],
    ids=["a huge buffer value", "a huge step count", "steps past 2**53", "negative steps"],
)
def test_optimizer_numbers_that_no_float_holds_are_a_model_file_error(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    model = MLP(2, [3, 1], seed=0)
    adam = optim.Adam(model.parameters())
    model.save(tmp_path / "adam.json", optimizer=adam)
    document = json.loads((tmp_path / "adam.json").read_text())
    change(document["optimizer"]["state"])
    (tmp_path / "broken.json").write_text(json.dumps(document))
    target = MLP(2, [3, 1], seed=1)
    target_adam = optim.Adam(target.parameters())
    before, state = snapshot(target), target_adam.state_dict()
    with pytest.raises(ModelFileError, match=message):
        target.load(tmp_path / "broken.json", optimizer=target_adam)
    assert snapshot(target) == before and target_adam.state_dict() == state


def test_a_step_count_of_2_to_the_53_loads_and_steps() -> None:
    # the bound is where a float stops counting exactly; Adam's 1 − β**t is then 1 to the last bit
    adam = optim.Adam([autograd.Value(1.0)], lr=0.5)
    adam.load_state_dict({**adam.state_dict(), "steps": 2**53})
    adam.params[0].grad = 2.0
    adam.step()
    # m = 0.1·2 = 0.2, v = 0.001·4 = 0.004, no bias correction left: w = 1 − 0.5·0.2/(√0.004 + 1e-8)
    assert adam.params[0].data == pytest.approx(1 - 0.5 * 0.2 / (0.004**0.5 + 1e-8), rel=1e-15)


def test_saving_an_optimizer_of_other_parameters_is_refused(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="not a parameter of this model"):
        model.save(tmp_path / "m.json", optimizer=optim.SGD(MLP(2, [3, 1], seed=0).parameters()))
    assert files_in(tmp_path) == []


# ---------------------------------------------------------------------- state dicts


def test_state_dict_round_trips_and_a_bad_one_changes_nothing() -> None:
    model, other = MLP(2, [2, 1], seed=0), MLP(2, [2, 1], seed=1)
    other.load_state_dict(model.state_dict())
    assert snapshot(other) == snapshot(model)
    before = snapshot(other)
    bad = {**model.state_dict(), "layers.0.neurons.0.w.0": 1.0, "layers.1.neurons.0.b": float("inf")}
    with pytest.raises(ValueError, match=r"parameter layers\.1\.neurons\.0\.b is inf, not a finite number"):
        other.load_state_dict(bad)
    assert snapshot(other) == before
    with pytest.raises(ValueError, match=r"layers\.1\.neurons\.0\.b is an integer too large for a float"):
        other.load_state_dict({**bad, "layers.1.neurons.0.b": 10**400})
    assert snapshot(other) == before


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_is_autograds(monkeypatch: pytest.MonkeyPatch) -> None:
    # one definition of "zero the gradients": Module.zero_grad hands its parameters to autograd's
    calls: list[list[autograd.Value]] = []
    real = autograd.zero_grad

    def spy(values: list[autograd.Value]) -> None:
        calls.append(list(values))
        real(values)

    monkeypatch.setattr(autograd, "zero_grad", spy)
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()  # type: ignore[union-attr]
    model.zero_grad()
    assert calls == [model.parameters()]
    assert all(p.grad == 0.0 for p in model.parameters())


# ---------------------------------------------------------------------- a model of one's own


class TwoLayers(Module):
    """A model written as in PyTorch: layers as attributes, forward(x)."""

    def __init__(self) -> None:
        self.hidden = Layer(2, 3, seed=0)
        self.heads = [Layer(3, 1, activation="linear", seed=1), Layer(3, 1, activation="linear", seed=2)]
        self.scale = Value(2.0)
        self._cache: list[Value] = [Value(9.0)]  # private: not a parameter

    def forward(self, x: list[float]) -> Value:
        h = self.hidden(x)
        return self.scale * (self.heads[0](h) + self.heads[1](h))  # type: ignore[operator]


def test_a_model_of_ones_own_finds_its_parameters_by_attribute_as_pytorch_does() -> None:
    model = TwoLayers()
    names = [name for name, _ in model.named_parameters()]
    expected = (
        [f"hidden.{n}" for n, _ in model.hidden.named_parameters()]
        + [f"heads.0.{n}" for n, _ in model.heads[0].named_parameters()]
        + [f"heads.1.{n}" for n, _ in model.heads[1].named_parameters()]
        + ["scale"]
    )
    assert names == expected and len(names) == 9 + 4 + 4 + 1
    assert [name for name, _ in model.children()] == ["hidden", "heads.0", "heads.1"]
    out = model([0.5, -1.0])
    out.backward()
    assert all(p.backward_ran for p in model.parameters())
    assert "18 parameters" in repr(model)


def test_a_shared_value_is_one_parameter_and_a_model_without_forward_says_what_to_write() -> None:
    class Tied(Module):
        def __init__(self) -> None:
            self.w = Value(1.0)
            self.again = self.w

    assert [name for name, _ in Tied().named_parameters()] == ["w"]
    with pytest.raises(NotImplementedError, match=r"Tied has no forward\(\): define `def forward\(self, x\)"):
        Tied()([1.0])


def test_a_model_of_ones_own_saves_and_loads(tmp_path: Path) -> None:
    model, twin = TwoLayers(), TwoLayers()
    for p in model.parameters():
        p.data += 0.5
    model.save(tmp_path / "own.json")
    twin.load(tmp_path / "own.json")
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]


# ---------------------------------------------------------------------- forward, as in PyTorch


def test_the_built_in_modules_have_forward_and_calling_them_runs_it() -> None:
    x = [0.5, -1.0]
    for model in (MLP(2, [3, 1], seed=0), Layer(2, 3, seed=0), Neuron(2, seed=0), Perceptron(2, init="he")):
        called, forwarded = model(x), model.forward(x)
        if isinstance(called, list):
            assert isinstance(forwarded, list)
            assert [v.data for v in called] == [v.data for v in forwarded]
        else:
            assert isinstance(forwarded, Value) and called.data == forwarded.data


def test_a_subclass_overriding_forward_is_what_calling_it_runs() -> None:
    class Scaled(MLP):
        def forward(self, x: Inputs) -> Value:
            out = super().forward(x)
            assert isinstance(out, Value)
            return out * 10

    model = Scaled(2, [3, 1], seed=0)
    plain = MLP(2, [3, 1], seed=0)
    out, expected = model([0.5, -1.0]), plain([0.5, -1.0])
    assert isinstance(out, Value) and isinstance(expected, Value)
    assert out.data == pytest.approx(10 * expected.data) and expected.data != 0

    class Flipped(Neuron):
        def forward(self, x: Inputs) -> Value:
            return -super().forward(x)

    neuron = Flipped(2, "linear", seed=0)
    assert neuron([0.5, -1.0]).data == -Neuron(2, "linear", seed=0)([0.5, -1.0]).data != 0


# ---------------------------------------------------------------------- only leaves are parameters


class KeepsActivations(Module):
    """A model that keeps its activations on itself, as people do to inspect them."""

    def __init__(self) -> None:
        self.l1 = Layer(2, 2, seed=0)
        self.l2 = Layer(2, 1, activation="linear", seed=1)
        self.hidden: list[Value] = []
        self.out: Value | None = None

    def forward(self, x: list[float]) -> Value:
        hidden = self.l1(x)
        assert isinstance(hidden, list)
        self.hidden = hidden
        out = self.l2(hidden)
        assert isinstance(out, Value)
        self.out = out
        return out


def test_activations_kept_on_the_model_are_not_parameters() -> None:
    model = KeepsActivations()
    before = model.named_parameters()
    assert len(before) == 6 + 3
    state = model.state_dict()
    model([0.5, -1.0]).backward()
    model([1.0, 2.0])
    assert model.named_parameters() == before
    assert model.state_dict().keys() == state.keys()
    assert "9 parameters" in repr(model)
