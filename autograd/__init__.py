"""chainrule's engine: scalar reverse-mode autodiff where every chain-rule step can be seen.

>>> from autograd import Value
>>> x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> round(w.grad, 4)  # ∂y/∂w = (1 − tanh²(x·w + b)) · x
1.0019
"""

from . import ops
from .check import GradcheckError, gradcheck
from .draw import draw, save_graph
from .graph import edges
from .modes import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from .ops import OPS, Op
from .quiz import Quiz
from .trace import Backprop, ChainRule, Step, backprop_steps, chain_rule, forward_steps
from .value import Value, dot, log_softmax, logsumexp, softmax, zero_grad
from .value import sum as sum  # an attribute of the package, not in __all__: see below

__version__ = "0.1.0"

# Not ``sum``: ``from autograd import *`` must not replace the builtin (``autograd.sum`` stays).
__all__ = [
    "OPS",
    "AnomalyError",
    "Backprop",
    "ChainRule",
    "GradcheckError",
    "Op",
    "Quiz",
    "Step",
    "Value",
    "backprop_steps",
    "chain_rule",
    "detect_anomaly",
    "dot",
    "draw",
    "edges",
    "enable_grad",
    "forward_steps",
    "gradcheck",
    "is_grad_enabled",
    "log_softmax",
    "logsumexp",
    "no_grad",
    "ops",
    "save_graph",
    "scope",
    "softmax",
    "zero_grad",
]
