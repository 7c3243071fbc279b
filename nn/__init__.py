"""chainrule's neural networks: neurons, layers, MLPs and the perceptron, built on ``autograd``.

>>> from nn import MLP
>>> model = MLP(2, [16, 16, 1], seed=0)   # micrograd's: ReLU hidden layers, linear output
>>> model
MLP(2 → 16 → 16 → 1, relu; 337 parameters)
"""

from . import activations, data, diagnostics, init, losses, optim
from .layers import MLP, Layer, Neuron, Perceptron, PerceptronFit
from .module import ModelFileError, Module
from .train import History, fit

__all__ = [
    "MLP",
    "History",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "Perceptron",
    "PerceptronFit",
    "activations",
    "data",
    "diagnostics",
    "fit",
    "init",
    "losses",
    "optim",
]
