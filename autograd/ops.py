"""Every op of the engine: its forward value and its local derivatives, side by side.

An op's *rule* takes plain floats and returns ``(value, locals)``: the output and,
for each input, the local derivative ∂output/∂input. ``Value`` turns that into a
graph node; backward, tracing and drawing read the stored locals and never the
rules. The ``OPS`` table at the end gives each rule its name, arity, the symbol
drawn in pictures and its derivative as formula text.

Conventions at kinks are PyTorch's: relu′(0) = 0, abs′(0) = 0, step′ = 0
everywhere, leaky_relu′(0) = slope, prelu′(0) = alpha.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import mul as _mul
from typing import Any

Locals = tuple[float, ...]
Rule = tuple[float, Locals]


def _overflow(op: str, x: float) -> OverflowError:
    return OverflowError(f"{op}: result too large to represent for input {x!r}")


# ----------------------------------------------------------------------------- binary


def add(a: float, b: float) -> Rule:
    """a + b; ∂/∂a = 1, ∂/∂b = 1."""
    return a + b, (1.0, 1.0)


def sub(a: float, b: float) -> Rule:
    """a − b; ∂/∂a = 1, ∂/∂b = −1."""
    return a - b, (1.0, -1.0)


def mul(a: float, b: float) -> Rule:
    """a · b; ∂/∂a = b, ∂/∂b = a."""
    return a * b, (b, a)


def div(a: float, b: float) -> Rule:
    """a / b; ∂/∂a = 1/b, ∂/∂b = −a/b²."""
    if b == 0:
        raise ZeroDivisionError(f"div: division by zero: {a!r} / {b!r}")
    q = a / b
    return q, (1.0 / b, -q / b)


def _check_power(op: str, base: float, exponent: float) -> None:
    if base == 0 and exponent < 0:
        raise ValueError(f"{op}: 0 cannot be raised to the negative power {exponent!r}")
    if base < 0 and not float(exponent).is_integer():
        raise ValueError(
            f"{op}: negative base {base!r} to the non-integer power {exponent!r} is not a real number"
        )


def _power(op: str, base: float, exponent: float) -> float:
    _check_power(op, base, exponent)
    try:
        return float(base**exponent)
    except OverflowError:
        raise OverflowError(f"{op}: {base!r} ** {exponent!r} is too large to represent") from None


def pow(a: float, b: float) -> Rule:  # noqa: A001 - the op's own name
    """a ** b with both a Value; ∂/∂a = b·a^(b−1), ∂/∂b = a^b · ln a.

    Each local is the rule of the one-Value op it would be with the other input held
    fixed, ``power`` (x ** n) for ∂/∂a and ``exponential`` (base ** x) for ∂/∂b, so the
    edge cases are theirs and PyTorch's: ∂(0 ** 0)/∂a = 0, ∂(0 ** b)/∂b = 0.
    """
    if a < 0:
        raise ValueError(
            f"pow: negative base {a!r} with a Value exponent has no real derivative with "
            "respect to the exponent; use a plain number as the exponent"
        )
    out, (d_base,) = power(a, b)
    _, (d_exponent,) = exponential(b, a)
    return out, (d_base, d_exponent)


def prelu(x: float, alpha: float) -> Rule:
    """PReLU: x if x > 0 else α·x, with a learnable slope α; ∂/∂x = 1 or α, ∂/∂α = 0 or x."""
    if x > 0:
        return x, (1.0, 0.0)
    return alpha * x, (alpha, x)


# ----------------------------------------------------------------------------- unary


def neg(x: float) -> Rule:
    """−x; ∂/∂x = −1."""
    return -x, (-1.0,)


def absolute(x: float) -> Rule:
    """|x|; ∂/∂x = sign(x), 0 at 0."""
    return abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


def power(x: float, n: float) -> Rule:
    """x ** n for a plain number n; ∂/∂x = n·x^(n−1)."""
    out = _power("pow", x, n)
    if n == 0:
        return out, (0.0,)
    if x == 0 and n < 1:
        return out, (math.copysign(math.inf, x),)  # x^n's slope at ±0 for n < 1, signed as in PyTorch
    try:
        slope = n * _power("pow", x, n - 1)
    except OverflowError:  # x^(n−1) alone overflows though x^n fits (tiny x, n < 0): ±inf, as PyTorch
        slope = n * out / x
    return out, (slope,)


def exponential(x: float, base: float) -> Rule:
    """base ** x for a plain number base ≥ 0; ∂/∂x = base^x · ln base, 0 for base 0 (PyTorch's)."""
    if base < 0:
        raise ValueError(f"pow: the base of a Value exponent must be >= 0, got {base!r}")
    out = _power("pow", base, x)
    return out, (out * math.log(base) if base else 0.0,)


def exp(x: float) -> Rule:
    """e^x; ∂/∂x = e^x."""
    try:
        out = math.exp(x)
    except OverflowError:
        raise _overflow("exp", x) from None
    return out, (out,)


def log(x: float) -> Rule:
    """ln x for x > 0; ∂/∂x = 1/x."""
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x!r}")
    return math.log(x), (1.0 / x,)


def sqrt(x: float) -> Rule:
    """√x for x ≥ 0; ∂/∂x = 1/(2√x), infinite at ±0 (signed) as in PyTorch."""
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x!r}")
    out = math.sqrt(x)
    return out, (0.5 / out if out else math.copysign(math.inf, out),)


def tanh(x: float) -> Rule:
    """tanh x; ∂/∂x = 1 − tanh²x."""
    t = math.tanh(x)
    return t, (1.0 - t * t,)


def _sigmoid(x: float) -> float:
    e = math.exp(-abs(x))  # never overflows
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


def sigmoid(x: float) -> Rule:
    """σ(z) = 1 / (1 + e^(−z)); dσ/dz = σ(1 − σ), never above 0.25."""
    s = _sigmoid(x)
    return s, (s * (1.0 - s),)


def relu(x: float) -> Rule:
    """ReLU: max(0, x); ∂/∂x = 1 for x > 0, else 0 (0 at the kink, as PyTorch)."""
    if x <= 0:  # not `x > 0`: a NaN must pass through, with slope 1, as in PyTorch
        return 0.0, (0.0,)
    return x, (1.0,)


def leaky_relu(x: float, slope: float) -> Rule:
    """Leaky ReLU: x if x > 0 else slope·x; ∂/∂x = 1 or slope (slope at 0)."""
    if x > 0:
        return x, (1.0,)
    return slope * x, (slope,)


def elu(x: float, alpha: float) -> Rule:
    """ELU: x if x > 0 else α(e^x − 1); ∂/∂x = 1 or α·e^x."""
    if x <= 0:  # not `x > 0`: a NaN takes the identity branch, slope 1, as in PyTorch
        e = math.exp(x)
        return alpha * (e - 1.0), (alpha * e,)
    return x, (1.0,)


def swish(x: float) -> Rule:
    """Swish (SiLU): x·σ(x); ∂/∂x = σ(x)(1 + x(1 − σ(x)))."""
    s = _sigmoid(x)
    return x * s, (s * (1.0 + x * (1.0 - s)),)


def softplus(x: float) -> Rule:
    """softplus: ln(1 + e^x), computed as max(x, 0) + ln(1 + e^(−|x|)); ∂/∂x = σ(x)."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))), (_sigmoid(x),)


def step(x: float) -> Rule:
    """Heaviside step with threshold 0: 1 if x > 0 else 0; its derivative is 0 everywhere."""
    return (1.0 if x > 0 else 0.0), (0.0,)


# ----------------------------------------------------------------------------- many inputs


def total(*xs: float) -> Rule:
    """Σ xᵢ as one node; ∂/∂xᵢ = 1."""
    return sum(xs), (1.0,) * len(xs)


def dot(*ws_then_xs: float) -> Rule:
    """z = Σ wᵢxᵢ as one node, inputs w₁…wₙ then x₁…xₙ; ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ."""
    n = len(ws_then_xs) // 2
    ws, xs = ws_then_xs[:n], ws_then_xs[n:]
    return sum(map(_mul, ws, xs)), xs + ws


def logsumexp(*xs: float) -> Rule:
    """ln Σ e^(xₖ), computed minus the max; ∂/∂xᵢ = softmax(x)ᵢ."""
    m = max(xs)
    if math.isinf(m):  # x − m would be inf − inf; PyTorch's: the max itself, slope NaN at the max
        return m, tuple(math.nan if x == m else 0.0 for x in xs)
    es = [math.exp(x - m) for x in xs]
    s = sum(es)
    return m + math.log(s), tuple(e / s for e in es)


def softmax(*xs: float) -> list[Rule]:
    """sᵢ = e^(xᵢ) / Σₖ e^(xₖ) for every i; ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)."""
    m = max(xs)
    es = [math.exp(x - m) for x in xs]
    s = sum(es)
    probs = tuple(e / s for e in es)
    return [
        (p, tuple(p * ((1.0 if i == j else 0.0) - q) for j, q in enumerate(probs)))
        for i, p in enumerate(probs)
    ]


def log_softmax(*xs: float) -> list[Rule]:
    """ln sᵢ = xᵢ − ln Σₖ e^(xₖ) for every i; ∂/∂xⱼ = δᵢⱼ − sⱼ."""
    if math.isinf(max(xs)):  # no probabilities exist: all NaN, as PyTorch (logsumexp's own answer is not)
        return [(math.nan, tuple(math.nan for _ in xs)) for _ in xs]
    lse, probs = logsumexp(*xs)
    return [
        (x - lse, tuple((1.0 if i == j else 0.0) - q for j, q in enumerate(probs))) for i, x in enumerate(xs)
    ]


# ----------------------------------------------------------------------------- the table

Names = Sequence[str]
Params = dict[str, float]
Formula = Callable[[int, Names, str, Params], str]


def _fmt(x: float) -> str:
    return f"{x:g}"


def _operand(name: str) -> str:
    """A name as an operand of a formula: ``o1·w4`` becomes ``(o1·w4)``."""
    return f"({name})" if any(c in name for c in " +−-*/·^") else name


def _fill(template: str, names: Names, out: str, params: Params) -> str:
    """{x}/{a}/{b} name the inputs, {out} the output, ⟨p⟩ a bound number such as the exponent."""
    a = _operand(names[0]) if names else "x"
    b = _operand(names[1]) if len(names) > 1 else "b"
    text = template.format(x=a, a=a, b=b, out=_operand(out))
    for key, value in params.items():
        text = text.replace(f"⟨{key}⟩", _fmt(value))
    return text


def _per_input(*templates: str) -> Formula:
    return lambda i, names, out, params: _fill(templates[i], names, out, params)


def _power_formula(i: int, names: Names, out: str, params: Params) -> str:
    """n·x^(n−1), written as the notes would: ``2·e`` rather than ``2·e^1``."""
    n = params.get("n", 2.0)
    if n in (0.0, 1.0):
        return _fmt(n)
    x = _operand(names[0]) if names else "x"
    exponent = n - 1
    power = x if exponent == 1 else f"{x}^{_fmt(exponent)}" if exponent > 0 else f"{x}^({_fmt(exponent)})"
    return f"{_fmt(n)}·{power}"


def _dot_formula(i: int, names: Names, out: str, params: Params) -> str:
    n = len(names) // 2
    return names[i + n] if i < n else names[i - n]


def _softmax_formula(j: int, names: Names, out: str, params: Params) -> str:
    i = int(params.get("index", 0))
    return f"{out}(1 − s{j + 1})" if i == j else f"−{out}·s{j + 1}"


def _log_softmax_formula(j: int, names: Names, out: str, params: Params) -> str:
    i = int(params.get("index", 0))
    return f"1 − s{j + 1}" if i == j else f"−s{j + 1}"


def _show_template(template: str) -> Callable[[Names, Params], str]:
    return lambda names, params: _fill(template, names, "", params)


def _show_sum(names: Names, params: Params) -> str:
    return " + ".join(names)


def _show_dot(names: Names, params: Params) -> str:
    n = len(names) // 2
    return " + ".join(f"{_operand(w)}·{_operand(x)}" for w, x in zip(names[:n], names[n:]))


def _show_softmax(names: Names, params: Params) -> str:
    i = int(params.get("index", 0))
    return f"e^{names[i]} / Σₖ e^xₖ"


def _show_log_softmax(names: Names, params: Params) -> str:
    i = int(params.get("index", 0))
    return f"{names[i]} − ln Σₖ e^xₖ"


@dataclass(frozen=True)
class Op:
    """One op of the engine: its rule and how it is named, drawn and written as a formula.

    ``arity`` is the number of inputs, or ``None`` for ops over a list (the tests then
    use ``sample_arity`` inputs). ``params`` are numbers bound into the op (the exponent
    of ``x ** 2``, the slope of leaky ReLU, which output of softmax a node is).
    ``domain`` is where the rule is smooth enough for the finite-difference tests.
    ``switched_off``, for ops that switch inputs on or off (ReLU, step, PReLU's slope):
    given the locals the rule stored, which inputs are off. Such an input receives exactly 0, even
    from an infinite or NaN upstream where 0 × ∞ would be NaN, as PyTorch's ``where``-based
    backward gives (``graph.contribution``); a local that is 0 as a product (PReLU's slope
    α = 0) is not a switch, in PyTorch neither. ``symmetric``: the output is the same with
    the inputs swapped (for ``dot``, the ws with the xs), so pictures need not number them.
    """

    name: str
    symbol_template: str
    rule: Callable[..., Any] = field(repr=False)
    arity: int | None
    derivative: Formula = field(compare=False, repr=False)
    expression: Callable[[Names, Params], str] = field(compare=False, repr=False)
    params: tuple[tuple[str, float], ...] = ()
    multi_output: bool = False
    sample_arity: int = 3
    domain: tuple[float, float] = (-3.0, 3.0)
    switched_off: Callable[..., tuple[bool, ...]] | None = field(default=None, compare=False, repr=False)
    symmetric: bool = False

    @property
    def symbol(self) -> str:
        """What pictures draw for the op: ``+``, ``×``, ``σ``, ``**2``."""
        return _fill(self.symbol_template, (), "", dict(self.params))

    def local_formula(self, i: int, names: Names, out: str) -> str:
        """∂out/∂(input i) as text, e.g. ``σ(1 − σ)`` or ``x1``."""
        return self.derivative(i, names, out, dict(self.params))

    def show(self, names: Names) -> str:
        """The forward formula as text, e.g. ``σ(z)`` or ``a + b``."""
        return self.expression(names, dict(self.params))

    def bind(self, **params: float) -> Op:
        """This op with numbers bound in; cached, so equal numbers share one object."""
        return _bind(self, tuple(sorted(params.items())))

    def __call__(self, *inputs: float) -> Any:
        """Apply the rule to plain floats with this op's bound numbers."""
        return self.rule(*inputs, **{k: v for k, v in self.params if k != "index"})


@lru_cache(maxsize=4096)
def _bind(op: Op, params: tuple[tuple[str, float], ...]) -> Op:
    return replace(op, params=params)


def _op(
    name: str,
    symbol: str,
    rule: Callable[..., Any],
    arity: int | None,
    derivative: Formula,
    expression: str | Callable[[Names, Params], str],
    **extra: Any,
) -> Op:
    show = _show_template(expression) if isinstance(expression, str) else expression
    return Op(name, symbol, rule, arity, derivative, show, **extra)


# Which inputs a switching op turned off, read from the locals its rule stored at forward
# time (the graph's record, never the inputs' data now, which an optimizer may have moved).


def _off_where_slope_is_0(locals_: Sequence[float]) -> tuple[bool, ...]:
    return (locals_[0] == 0.0,)  # ReLU: slope 0 for x ≤ 0; a NaN took slope 1 and passes on


def _always_off(locals_: Sequence[float]) -> tuple[bool, ...]:
    return (True,)


def _slope_off_while_positive(locals_: Sequence[float]) -> tuple[bool, ...]:
    # PReLU stored (1, 0) for x > 0, where α is off; (α, x) for x ≤ 0, products, not switches.
    # (α = 1 at x = 0 stores (1, 0) too: that one point reads as switched off.)
    return (False, locals_[0] == 1.0 and locals_[1] == 0.0)


_POSITIVE = (0.2, 4.0)

OPS: dict[str, Op] = {
    op.name: op
    for op in [
        _op("add", "+", add, 2, _per_input("1", "1"), "{a} + {b}", symmetric=True),
        _op("sub", "−", sub, 2, _per_input("1", "−1"), "{a} − {b}"),
        _op("mul", "×", mul, 2, _per_input("{b}", "{a}"), "{a} · {b}", symmetric=True),
        _op("div", "/", div, 2, _per_input("1/{b}", "−{a}/{b}²"), "{a} / {b}", domain=_POSITIVE),
        _op(
            "pow",
            "**",
            pow,
            2,
            _per_input("{b}·{a}^({b} − 1)", "{a}^{b} · ln {a}"),
            "{a}^{b}",
            domain=_POSITIVE,
        ),
        _op(
            "prelu",
            "PReLU",
            prelu,
            2,
            _per_input("1 if {a} > 0 else {b}", "0 if {a} > 0 else {a}"),
            "PReLU({a}; α = {b})",
            switched_off=_slope_off_while_positive,
        ),
        _op("neg", "neg", neg, 1, _per_input("−1"), "−{x}"),
        _op("abs", "abs", absolute, 1, _per_input("sign({x})"), "|{x}|"),
        _op("pow_const", "**⟨n⟩", power, 1, _power_formula, "{x}^⟨n⟩", params=(("n", 2.0),)),
        _op(
            "exp_base",
            "⟨base⟩**",
            exponential,
            1,
            _per_input("{out}·ln ⟨base⟩"),
            "⟨base⟩^{x}",
            params=(("base", 2.0),),
        ),
        _op("exp", "exp", exp, 1, _per_input("e^{x}"), "e^{x}"),
        _op("log", "log", log, 1, _per_input("1/{x}"), "ln {x}", domain=_POSITIVE),
        _op("sqrt", "√", sqrt, 1, _per_input("1/(2√{x})"), "√{x}", domain=_POSITIVE),
        _op("tanh", "tanh", tanh, 1, _per_input("1 − tanh²"), "tanh({x})"),
        _op("sigmoid", "σ", sigmoid, 1, _per_input("σ(1 − σ)"), "σ({x})"),
        _op(
            "relu",
            "ReLU",
            relu,
            1,
            _per_input("1 if {x} > 0 else 0"),
            "ReLU({x})",
            switched_off=_off_where_slope_is_0,
        ),
        _op(
            "leaky_relu",
            "LeakyReLU",
            leaky_relu,
            1,
            _per_input("1 if {x} > 0 else ⟨slope⟩"),
            "LeakyReLU({x})",
            params=(("slope", 0.01),),
        ),
        _op(
            "elu",
            "ELU",
            elu,
            1,
            _per_input("1 if {x} > 0 else ⟨alpha⟩·e^{x}"),
            "ELU({x})",
            params=(("alpha", 1.0),),
        ),
        _op("swish", "swish", swish, 1, _per_input("σ({x})(1 + {x}(1 − σ({x})))"), "{x}·σ({x})"),
        _op("softplus", "softplus", softplus, 1, _per_input("σ({x})"), "ln(1 + e^{x})"),
        _op("step", "step", step, 1, _per_input("0"), "step({x})", switched_off=_always_off),
        _op("sum", "Σ", total, None, lambda i, names, out, params: "1", _show_sum, symmetric=True),
        _op("dot", "dot", dot, None, _dot_formula, _show_dot, sample_arity=6, symmetric=True),
        _op(
            "logsumexp",
            "logsumexp",
            logsumexp,
            None,
            lambda i, names, out, params: f"softmax({names[i]})",
            "ln Σₖ e^xₖ",
            symmetric=True,
        ),
        _op(
            "softmax",
            "softmax",
            softmax,
            None,
            _softmax_formula,
            _show_softmax,
            multi_output=True,
            params=(("index", 0.0),),
        ),
        _op(
            "log_softmax",
            "log_softmax",
            log_softmax,
            None,
            _log_softmax_formula,
            _show_log_softmax,
            multi_output=True,
            params=(("index", 0.0),),
        ),
    ]
}
"""Every op by name: the one registry that backward, tracing, drawing and the tests read."""
