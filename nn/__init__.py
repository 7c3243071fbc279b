"""chainrule's neural networks: neurons, layers, MLPs and the perceptron, built on ``autograd``."""
