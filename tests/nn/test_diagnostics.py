"""gradient_flow: the notes' vanishing gradient, seen layer by layer."""

from __future__ import annotations

import pytest

from nn import MLP, Neuron, data, diagnostics, losses


def backpropagated(model: MLP) -> MLP:
    X, y = data.moons(20, seed=0)
    losses.mse([model(x) for x in X], y).backward()
    return model


def test_it_is_the_mean_absolute_gradient_of_each_layer() -> None:
    model = backpropagated(MLP(2, [3, 2, 1], seed=0))
    flow = diagnostics.gradient_flow(model)
    assert list(flow) == ["layers.0", "layers.1", "layers.2"]
    for i, layer in enumerate(model.layers):
        grads = [abs(p.grad) for p in layer.parameters()]
        assert flow[f"layers.{i}"] == pytest.approx(sum(grads) / len(grads), rel=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_sigmoid_networks_starve_their_first_layer_and_relu_ones_do_not(seed: int) -> None:
    # σ′ ≤ 0.25 multiplies into ∂L/∂w once per layer: after 8 sigmoid layers the first layer gets
    # a tiny share of the last one's gradient (about 1e-5 to 1e-3 here), while ReLU's slope of 1
    # keeps the layers within a small factor of each other (0.3 to 1.5 here)
    sigmoid = list(
        diagnostics.gradient_flow(backpropagated(MLP(2, [8] * 8 + [1], "sigmoid", seed=seed))).values()
    )
    relu = list(diagnostics.gradient_flow(backpropagated(MLP(2, [8] * 8 + [1], "relu", seed=seed))).values())
    assert sigmoid[0] / sigmoid[-1] < 1e-2
    assert relu[0] / relu[-1] > 1e-1


def test_before_any_backward_it_says_so() -> None:
    with pytest.raises(
        ValueError, match=r"no backward has reached the parameters yet; call loss\.backward\(\) first"
    ):
        diagnostics.gradient_flow(MLP(2, [2, 1], seed=0))


def test_a_module_without_layers_is_one_group() -> None:
    neuron = Neuron(2, seed=0)
    neuron([1.0, 2.0]).backward()
    assert list(diagnostics.gradient_flow(neuron)) == ["Neuron"]
