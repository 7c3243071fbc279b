"""Neuron, Layer, MLP, Perceptron: the nodes they make, their names, sizes, defaults and init."""

from __future__ import annotations

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from micrograd import nn as micrograd_nn

import nn
from autograd import Value, scope
from nn import MLP, Layer, Neuron, Perceptron, data


def made_nodes(root: Value) -> list[Value]:
    """The op nodes behind root, parents before children (a walk over the public ``parents``)."""
    order: list[Value] = []
    seen: set[Value] = set()

    def visit(node: Value) -> None:  # recursion is fine for these few-layer test graphs
        if node in seen:
            return
        seen.add(node)
        for parent in node.parents:
            visit(parent)
        if not node.is_leaf:
            order.append(node)

    visit(root)
    return order


def test_a_neuron_is_exactly_three_labelled_nodes() -> None:
    neuron = Neuron(3, "sigmoid", seed=0)
    out = neuron([1.0, 2.0, 3.0])
    nodes = made_nodes(out)
    assert [node.op.name for node in nodes] == ["dot", "add", "sigmoid"]  # type: ignore[union-attr]
    assert [node.label for node in nodes] == ["Σwx", "z", "o"]
    weighted, z, o = nodes
    assert weighted.parents == (*neuron.w, *weighted.parents[3:])
    assert [x.label for x in weighted.parents[3:]] == ["x1", "x2", "x3"]
    assert z.parents == (weighted, neuron.b)
    assert o.parents == (z,)


def test_a_linear_neuron_outputs_z_itself() -> None:
    out = Neuron(2, "linear", seed=0)([1.0, 2.0])
    assert [node.label for node in made_nodes(out)] == ["Σwx", "z"]


def labels_by_neuron(out: Value) -> dict[str, list[str]]:
    """The labels of the op nodes behind out, grouped by the scope of the neuron that made them."""
    grouped: dict[str, list[str]] = {}
    for node in made_nodes(out):
        grouped.setdefault(node.scope, []).append(node.label)
    return grouped


def test_an_mlp_labels_its_nodes_as_the_notes_name_them() -> None:
    """Neuron j of layer l (from 1) makes Σlj, zlj, olj: the notes' O₁₁ … O₃₁."""
    model = MLP(2, [2, 2, 1], activation="sigmoid", seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    assert labels_by_neuron(out) == {
        "layers.0.neurons.0": ["Σ11", "z11", "o11"],
        "layers.0.neurons.1": ["Σ12", "z12", "o12"],
        "layers.1.neurons.0": ["Σ21", "z21", "o21"],
        "layers.1.neurons.1": ["Σ22", "z22", "o22"],
        "layers.2.neurons.0": ["Σ31", "o31"],  # linear: z is the output, labelled as one
    }
    first = model.layers[0].neurons[0]
    assert [p.label for p in first.parameters()] == ["w11.1", "w11.2", "b11"]  # w11.k: of input k
    assert [p.label for p in model.layers[2].neurons[0].parameters()] == ["w31.1", "w31.2", "b31"]


def test_a_layer_alone_is_layer_one_unless_numbered() -> None:
    out = Layer(3, 2, "tanh", seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list)
    assert [o.label for o in out] == ["o11", "o12"]
    numbered = Layer(3, 2, "tanh", seed=0, number=4)
    assert [p.label for p in numbered.neurons[1].parameters()] == ["w42.1", "w42.2", "w42.3", "b42"]
    with pytest.raises(ValueError, match="number must be at least 1"):
        Layer(3, 2, number=0)


def test_labels_stay_unambiguous_from_ten_layers_or_neurons_on() -> None:
    """o1,12 is neuron 12 of layer 1 and o11,2 neuron 2 of layer 11: a comma once either reaches 10."""
    model = MLP(2, [12] + [2] * 9 + [1], activation="tanh", seed=0)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    first, tenth = model.layers[0], model.layers[9]
    assert [n.b.label for n in first.neurons[8:]] == ["b19", "b1,10", "b1,11", "b1,12"]
    assert [w.label for w in tenth.neurons[1].w] == ["w10,2.1", "w10,2.2"]
    assert [w.label for w in model.layers[1].neurons[0].w[9:]] == ["w21.10", "w21.11", "w21.12"]
    assert out.label == "o11,1"
    labels = [node.label for node in made_nodes(out)] + [p.label for p in model.parameters()]
    assert len(model.parameters()) == 12 * 3 + 2 * 13 + 8 * 2 * 3 + 3
    assert len(labels) == len(set(labels)) == 3 * (12 + 9 * 2) + 2 + len(model.parameters())
    assert labels_by_neuron(out)["layers.0.neurons.11"] == ["Σ1,12", "z1,12", "o1,12"]


def test_labels_are_made_once_not_at_every_call() -> None:
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    first, second = made_nodes(model([1.0, 2.0])), made_nodes(model([0.5, -1.0]))  # type: ignore[arg-type]
    assert [a.label for a in first] == [b.label for b in second]
    assert all(a.label is b.label for a, b in zip(first, second))  # the same string objects


def test_the_notes_forward_pass_z_equals_sum_of_x_times_w_plus_b() -> None:
    neuron = Neuron(3, "sigmoid")
    for w, value in zip(neuron.w, (0.01, 0.02, 0.03)):
        w.data = value
    neuron.b.data = 0.01
    out = neuron([95, 4, 4])
    z = 95 * 0.01 + 4 * 0.02 + 4 * 0.03 + 0.01  # the notes' step 1 (they write 1.151; it is 1.16)
    assert out.parents[0].data == pytest.approx(z, abs=1e-12)
    assert out.data == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-12)


def test_nodes_and_parameters_carry_the_scope_of_their_neuron() -> None:
    model = MLP(2, [3, 2, 1], seed=0)
    out = model([0.5, -1.0])
    for node in made_nodes(out):
        layer, neuron = node.scope.split(".")[1], node.scope.split(".")[3]
        assert node.scope == f"layers.{layer}.neurons.{neuron}"
    assert {node.scope for node in made_nodes(out)} == {
        *(f"layers.0.neurons.{j}" for j in range(3)),
        *(f"layers.1.neurons.{j}" for j in range(2)),
        "layers.2.neurons.0",
    }
    w = model.layers[1].neurons[0].w[2]
    assert (w.scope, w.label) == ("layers.1.neurons.0", "w21.3")


def test_calling_inside_a_scope_nests_the_names() -> None:
    model = MLP(2, [2, 1], seed=0)
    with scope("model"):
        out = model([1.0, 2.0])
    assert out.scope == "model.layers.1.neurons.0"


def test_named_parameters_are_stable_dotted_paths_to_the_attributes() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    named = dict(model.named_parameters())
    assert named["layers.0.neurons.3.w.1"] is model.layers[0].neurons[3].w[1]
    assert named["layers.0.neurons.3.w.1"].label == "w14.2"  # lists index from 0, the notes' labels from 1
    assert named["layers.2.neurons.0.b"] is model.layers[2].neurons[0].b
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert len(set(map(id, model.parameters()))) == len(model.parameters())


def test_micrograd_defaults_relu_hidden_linear_output_and_337_parameters() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]
    # (2·16 + 16) + (16·16 + 16) + (16·1 + 1) weights and biases
    assert len(model.parameters()) == 48 + 272 + 17
    assert len(model.parameters()) == len(micrograd_nn.MLP(2, [16, 16, 1]).parameters())


def test_same_weights_give_micrograds_outputs_and_gradients() -> None:
    ours = MLP(2, [4, 4, 1], seed=3)
    theirs = micrograd_nn.MLP(2, [4, 4, 1])
    for p, q in zip(ours.parameters(), theirs.parameters()):
        q.data = p.data
    X, y = data.moons(8, seed=2, signed=True)
    our_loss = sum((1 + -t * ours(x)).relu() for x, t in zip(X, y))
    their_loss = sum((1 + -t * theirs(x)).relu() for x, t in zip(X, y))
    our_loss.backward()
    their_loss.backward()
    assert our_loss.data == pytest.approx(their_loss.data, abs=1e-12)
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [q.grad for q in theirs.parameters()], abs=1e-12
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-2, 2), min_size=2, max_size=2),
    st.integers(0, 10**6),
    st.sampled_from(["tanh", "sigmoid", "swish", "softplus"]),
)
def test_every_parameter_gradient_matches_central_differences(
    x: list[float], seed: int, activation: str
) -> None:
    model = MLP(2, [3, 2, 1], activation, seed=seed)
    loss = (model(x) - 0.3) ** 2  # type: ignore[operator]
    loss.backward()
    for p in model.parameters():
        original = p.data
        p.data = original + 1e-6
        up = ((model(x) - 0.3) ** 2).data  # type: ignore[operator]
        p.data = original - 1e-6
        down = ((model(x) - 0.3) ** 2).data  # type: ignore[operator]
        p.data = original
        assert p.grad == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-7)


def test_one_output_is_a_value_several_are_a_list() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)


def test_inputs_may_be_numbers_or_values_and_values_are_used_as_given() -> None:
    x = [Value(1.0, "a"), Value(2.0, "b")]
    neuron = Neuron(2, seed=0)
    out = neuron(x)
    assert out.data == neuron([1.0, 2.0]).data
    out.backward()
    assert [v.grad for v in x] == [w.data if out.data > 0 else 0.0 for w in neuron.w]


def test_a_wrong_number_of_inputs_is_named() -> None:
    with pytest.raises(ValueError, match=r"MLP\(2 → 3 → 1.*takes 2 inputs, got 3"):
        MLP(2, [3, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="takes 2 inputs, got 1"):
        Neuron(2, seed=0)([1.0])
    with pytest.raises(TypeError, match="list of numbers or Values, got str"):
        Layer(2, 2, seed=0)("ab")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Neuron(0), "nin must be at least 1"),
        (lambda: Neuron(2.5), "nin must be an int"),  # type: ignore[arg-type]
        (lambda: MLP(2, []), "nouts must be a non-empty list"),
        (lambda: MLP(2, [3, 0]), r"nouts\[1\] must be at least 1"),
        (lambda: Neuron(2, "relux"), "unknown activation 'relux'; known activations: sigmoid"),
        (lambda: Neuron(2, "softmax"), "use Layer"),
    ],
)
def test_bad_sizes_and_names_raise_clear_errors(build, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_softmax_layer_outputs_probabilities_labelled_s() -> None:
    layer = Layer(2, 3, "softmax", seed=0)
    out = layer([0.3, -0.8])
    assert sum(p.data for p in out) == pytest.approx(1.0, abs=1e-15)
    assert [p.label for p in out] == ["s1", "s2", "s3"]
    assert all(neuron.activation == "linear" for neuron in layer.neurons)
    model = MLP(2, [4, 3], output_activation="softmax", seed=0)
    assert all(p.scope == "layers.1" for p in model([1.0, 1.0]))  # type: ignore[union-attr]


def test_prelu_gives_every_neuron_a_learnable_slope() -> None:
    layer = Layer(2, 3, "prelu", seed=0)
    named = dict(layer.named_parameters())
    slopes = [named[f"neurons.{j}.alpha"] for j in range(3)]
    assert len(layer.parameters()) == 3 * (2 + 1 + 1)
    assert all(a.data == 0.25 for a in slopes)
    assert [a.label for a in slopes] == ["α11", "α12", "α13"]
    assert Neuron(2, "prelu", seed=0).alpha.label == "α"  # type: ignore[union-attr]
    neuron = layer.neurons[0]
    neuron.b.data = -10.0  # z < 0 so the output is α·z and ∂o/∂α = z
    out = neuron([0.1, 0.1])
    out.backward()
    z = out.parents[0]
    assert neuron.alpha is not None and neuron.alpha.grad == z.data


def test_a_callable_activation_is_used_as_given() -> None:
    def cube(z: Value) -> Value:
        return z**3

    neuron = Neuron(1, cube, seed=0)
    out = neuron([2.0])
    assert neuron.activation == "cube"
    assert out.data == pytest.approx((2.0 * neuron.w[0].data) ** 3)


# ---------------------------------------------------------------------- initialisation


def weights(model: nn.Module) -> list[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_same_seed_same_weights_different_seed_different_weights(init: str) -> None:
    assert weights(MLP(3, [5, 2], init=init, seed=7)) == weights(MLP(3, [5, 2], init=init, seed=7))
    assert weights(MLP(3, [5, 2], init=init, seed=7)) != weights(MLP(3, [5, 2], init=init, seed=8))
    shared = random.Random(7)
    assert weights(MLP(3, [5, 2], init=init, seed=shared)) == weights(MLP(3, [5, 2], init=init, seed=7))


def test_init_does_not_touch_the_global_random_state() -> None:
    random.seed(123)
    expected = random.random()
    random.seed(123)
    MLP(4, [8, 1])  # seed=None: a fresh generator, not the global one
    assert random.random() == expected


def test_biases_start_at_zero_and_uniform_weights_lie_in_minus_one_one() -> None:
    model = MLP(3, [8, 8, 1], seed=1)
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            assert p.data == 0.0
        else:
            assert -1.0 <= p.data <= 1.0


def test_xavier_bound_and_he_spread_follow_their_formulas() -> None:
    xavier = Layer(30, 20, init="xavier", seed=0)
    bound = math.sqrt(6 / (30 + 20))
    ws = [w.data for n in xavier.neurons for w in n.w]
    assert max(map(abs, ws)) <= bound and max(map(abs, ws)) > 0.9 * bound
    he = Layer(50, 80, init="he", seed=0)
    ws = [w.data for n in he.neurons for w in n.w]
    # 4000 draws of N(0, 2/50): the sample deviation lies within 5% of √(2/50) with overwhelming odds
    assert statistics.stdev(ws) == pytest.approx(math.sqrt(2 / 50), rel=0.05)
    assert abs(statistics.mean(ws)) < 0.02


def test_unknown_init_and_bad_seed_are_named() -> None:
    with pytest.raises(ValueError, match="unknown init 'glorot'; known initialisers: uniform, xavier, he"):
        MLP(2, [2], init="glorot")
    with pytest.raises(TypeError, match=r"seed must be an int, a random\.Random or None, got str"):
        MLP(2, [2], seed="1")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- printing


def test_reprs_give_sizes_and_activations_like_a_module_tree() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    assert repr(model) == "MLP(2 → 16 → 16 → 1, relu; 337 parameters)"
    assert str(model).splitlines() == [
        "MLP(2 → 16 → 16 → 1, relu; 337 parameters)",
        "  (layers.0): Layer(2 → 16, relu; 48 parameters)",
        "  (layers.1): Layer(16 → 16, relu; 272 parameters)",
        "  (layers.2): Layer(16 → 1, linear; 17 parameters)",
    ]
    assert (
        repr(MLP(3, [4, 1], "tanh", "sigmoid", seed=0))
        == "MLP(3 → 4 → 1, tanh, sigmoid output; 21 parameters)"
    )
    assert repr(Neuron(2, seed=0)) == "Neuron(2 inputs, relu; 3 parameters)"
    assert repr(Neuron(1, "prelu", seed=0)) == "Neuron(1 input, prelu; 3 parameters)"
    assert repr(Perceptron(2)) == "Perceptron(2 inputs, step; 3 parameters)"


# ---------------------------------------------------------------------- the perceptron


def test_perceptron_learns_the_notes_pass_fail_table() -> None:
    X, y = data.pass_fail()
    perceptron = Perceptron(2)
    result = perceptron.fit(X, y)
    assert result.converged and result.mistakes[-1] == 0 and result.epochs == len(result.mistakes)
    assert [perceptron.predict(x) for x in X] == y
    assert "converged" in str(result)


def test_perceptron_reports_that_xor_does_not_converge() -> None:
    X, y = data.xor()
    result = Perceptron(2).fit(X, y, epochs=200)
    assert not result.converged
    assert result.epochs == 200 and min(result.mistakes) > 0
    assert "did not converge" in str(result) and "linearly separable" in str(result)


def test_one_step_of_the_perceptron_rule_by_hand() -> None:
    perceptron = Perceptron(2)  # w = 0, b = 0: z = 0, so ŷ = step(0) = 0
    perceptron.fit([[110.0, 4.0]], [1], lr=0.5, epochs=1)
    # y − ŷ = 1: w ← w + η·(y − ŷ)·x, b ← b + η·(y − ŷ)
    assert [w.data for w in perceptron.w] == [55.0, 2.0]
    assert perceptron.b.data == 0.5


def test_perceptron_labels_must_be_zero_or_one() -> None:
    with pytest.raises(ValueError, match=r"labels must be 0 or 1, got -1 at index 0"):
        Perceptron(2).fit([[1.0, 2.0]], [-1])
    with pytest.raises(ValueError, match="2 samples but 1 labels"):
        Perceptron(2).fit([[1.0, 2.0], [0.0, 1.0]], [1])


def test_numpy_rows_and_tuples_are_inputs_too() -> None:
    np = pytest.importorskip("numpy")  # installed with torch; only this convenience needs it
    model = MLP(2, [3, 1], seed=0)
    expected = model([0.5, -1.5]).data  # type: ignore[union-attr]
    assert model(np.array([0.5, -1.5])).data == expected  # type: ignore[union-attr]
    assert model((0.5, -1.5)).data == expected  # type: ignore[union-attr]
    assert model(iter([0.5, -1.5])).data == expected  # type: ignore[union-attr]


def test_a_model_called_on_a_batch_says_to_call_it_per_sample() -> None:
    model = MLP(2, [4, 1], seed=0)
    for batch in (
        [[0.1, 0.2], [0.3, 0.4]],
        [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
        np.array([[0.1, 0.2], [0.3, 0.4]]),
    ):
        with pytest.raises(
            TypeError, match=r"got a batch of \d samples: call it on each, \[model\(x\) for x in X\]"
        ):
            model(batch)
    assert isinstance(model(np.array([0.1, 0.2])), Value)  # one numpy row is one sample
