"""The exercises, as data. Values come from the registry and the demonstrations when checked.

To add one, append an Exercise to EXERCISES (or drop a JSON file in the folder given to use_folder,
the CLI's --exercises-dir; see loader.py): a prompt, parts, hints and a solution function. The checker needs no change.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..activations import gelu_gap
from .checker import Exercise, KinkPart, NumberPart, Property, RubricPart, RubricPoint, Slip


def chain_product(per_layer: float, layers: int) -> float:
    """The chain rule's product of one factor per layer: per_layer ** layers."""
    return per_layer**layers


def _relu_d(x: float) -> float:
    return float(activations.get("relu").derivative(x))


def _fmt(v: float) -> str:
    return f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.3e}"


# --- exercise 1: ReLU's derivative ---------------------------------------------------------

EX1 = Exercise(
    key="ex1", title="Exercise 1: ReLU's derivative", section="activations",
    prompt="Compute the derivative of ReLU(x) = max(0, x). What is it at x = 5? At x = -3? At x = 0?",
    # the third box takes words as well as a number: the page's prompt says so (a box that looks numeric drew only
    # numbers, and a number alone there is partly correct)
    part_prompts=("ReLU'(5)", "ReLU'(-3)", "ReLU'(0): a number, or say in words what it is"),
    parts=(
        NumberPart("at x = 5", lambda: _relu_d(5.0), exact=True,
                   slips=(Slip(5.0, "That is ReLU(5), the value. The question asks for the slope there."),)),
        NumberPart("at x = -3", lambda: _relu_d(-3.0), exact=True,
                   slips=(Slip(-3.0, "That is the input itself. For x < 0, ReLU is flat: what is a flat line's "
                                     "slope?"),
                          Slip(1.0, "For x < 0 ReLU outputs a constant 0: its slope is not 1."))),
        KinkPart("at x = 0", slopes=lambda: activations.get("relu").subgradient_at_zero,
                 framework_value=lambda: _relu_d(0.0)),
    ),
    hints=("Sketch max(0, x): it is two straight lines. What is the slope of each?",
           "For x > 0 the function is x; for x < 0 it is the constant 0. At x = 0 the two lines meet at a corner.",
           "At a corner the left and right slopes differ. Does a single derivative exist there? What do "
           "frameworks do in practice?"),
    solution_fn=lambda: (
        f"ReLU'(x) = 1 for x > 0 and 0 for x < 0. So ReLU'(5) = {_relu_d(5.0):g} and ReLU'(-3) = {_relu_d(-3.0):g}. "
        "At x = 0 the derivative is not defined (left slope 0, right slope 1); every value in "
        f"[{activations.get('relu').subgradient_at_zero[0]:g}, {activations.get('relu').subgradient_at_zero[1]:g}] "
        f"is a subgradient, and actlab, PyTorch and TensorFlow return {_relu_d(0.0):g}."),
)

# --- exercise 2: gradient flow through 20 layers -------------------------------------------

_VANISHED_IS_NOT_ZERO = Slip(0.0, "The gradient is tiny, but it is not zero: a product of positive factors stays "
                                  "positive. How tiny is it?")
# f * 20 (a factor times the layer count, which is also the 20 factors added up): one wording for both parts, so
# the teacher's summary counts it as one slip
_TIMES_LAYERS = ("The chain rule multiplies the 20 per-layer factors together: one factor times the layer count "
                 "(the same as adding the factors up) is not their product. Raise the factor to the power 20.")
# one factor too few (19 for 20 layers): one wording for both parts, as _TIMES_LAYERS
_ONE_FACTOR_SHORT = ("You counted 19 factors for 20 layers: each of the 20 layers contributes one factor to the chain "
                     "rule.")
_LAYER_COUNT = Slip(20.0, "20 is the number of layers; the question asks for the gradient that reaches the first one.")

EX2 = Exercise(
    key="ex2", title="Exercise 2: gradient flow", section="vanishing",
    prompt="A 20-layer network uses sigmoid activations, and the average gradient through each layer is 0.2. "
           "What is the gradient at the first layer? What if it used ReLU, with an average gradient of 0.5? "
           "Round as you like: every digit you write must be right.",
    part_prompts=("gradient at layer 1 with sigmoid (0.2 per layer)", "with ReLU (0.5 per layer)"),
    parts=(
        NumberPart("sigmoid, 0.2 per layer", lambda: chain_product(0.2, 20), min_sig_figs=1, slips=(
            _VANISHED_IS_NOT_ZERO, _LAYER_COUNT,
            Slip(lambda: chain_product(0.2, 21), "You counted 21 factors for 20 layers: one factor per layer, so "
                                                 "20 of them."),
            Slip(lambda: chain_product(0.25, 10), "That is the lesson's 10-layer example with sigmoid's largest "
                                                  "slope, 0.25. This network has 20 layers at 0.2 each."),
            Slip(lambda: chain_product(0.2, 19), _ONE_FACTOR_SHORT),
            Slip(lambda: 0.2 * 20, _TIMES_LAYERS),
            Slip(lambda: chain_product(0.25, 20), "0.25 is sigmoid's maximal derivative; the exercise gives the "
                                                  "average per-layer gradient, 0.2."),
            Slip(lambda: chain_product(0.2, -20), "The exponent's sign is flipped: a factor below 1, multiplied "
                                                  "again and again, shrinks."),
            Slip(lambda: chain_product(0.2, 20) * 1e28, "The exponent has lost its minus sign: a factor below 1, "
                                                        "multiplied again and again, shrinks."),
        )),
        NumberPart("ReLU, 0.5 per layer", lambda: chain_product(0.5, 20), min_sig_figs=1, slips=(
            _VANISHED_IS_NOT_ZERO,
            Slip(lambda: chain_product(0.5, 21), "You counted 21 factors for 20 layers: one factor per layer, so "
                                                 "20 of them."),
            _LAYER_COUNT,
            Slip(lambda: chain_product(0.5, 19), _ONE_FACTOR_SHORT),
            Slip(lambda: 0.5 * 20, _TIMES_LAYERS),
            Slip(lambda: 1.0, "ReLU's derivative is 1 on active paths, but the exercise gives an average of 0.5 "
                              "per layer (about half the units are off)."),
            Slip(lambda: chain_product(0.5, 20) / chain_product(0.2, 20),
                 "That is how many times larger the ReLU gradient is than the sigmoid one; the question asks for "
                 "the gradient itself."),
        )),
    ),
    hints=("Backpropagation applies the chain rule: one factor per layer, multiplied together.",
           "With the same factor f in each of n layers, the product is f to the power n.",
           "Compute 0.2 to the power 20 and 0.5 to the power 20."),
    solution_fn=lambda: (
        f"Twenty factors of 0.2: 0.2^20 = {chain_product(0.2, 20):.6g} (about {chain_product(0.2, 20):.3g}). "
        f"With ReLU, 0.5^20 = {chain_product(0.5, 20):.6g} (about {chain_product(0.5, 20):.3g}), which is "
        f"{chain_product(0.5, 20) / chain_product(0.2, 20):.3g} times larger: the first layer of the sigmoid net "
        "learns almost nothing."),
)

# --- exercise 3: why GELU ------------------------------------------------------------------

# the question's claim, as a bare verdict after a copula: "GELU is (not) better", "ReLU is preferred", "it is worse
# than ReLU". A comparison with a qualifier ("better for speed", "better results"), a hedge ("not always better") or
# no copula ("no dead neurons and better results") is no verdict on the question.
_VERDICT_END = (r"(?!-|\s+\w+ed\b|\s+(?:for|at|in|on|when|if|where|with|because|of|to|about|results?|"
                r"performance|accuracy|gradients?)\b)")  # nor "better behaved", "better-suited"
_COPULA = (r"\b(?:is|are|was|were|be|seems?)(?P<neg>n'?t\b| not\b| never\b)?"
           r"(?: (?:also|much|far|clearly|slightly|really|simply|generally|actually|overall|just|still))*")
GELU_PREFERRED = Property(
    has=(rf"{_COPULA} (?:better|preferred|preferable|superior)\b{_VERDICT_END}",),
    lacks=(rf"{_COPULA} (?:worse|inferior)\b{_VERDICT_END}",))


# Each key point as claims (see claims.py): phrases that assert a property of GELU, and phrases that assert its
# opposite. A pattern's group named "neg" is a negation written inside the phrase ("non-zero gradient"). Every
# word is bounded: "aggregates" is no gate, "computed" no cost.
_NEGATIVE_SIDE = r"(?:negative|x ?< ?0|below zero)"
_SLOPE = r"(?:gradients?|derivatives?|slopes?)"
_THERE = rf"(?: (?:for|when|on|at|below|in|with) (?:the |all )?(?:\w+ )?{_NEGATIVE_SIDE}(?: \w+)?)?"  # "... for x < 0"
GELU_POINTS = (
    RubricPoint("smooth", "smooth everywhere (no kink)", Property(
        has=(r"\b(?P<neg>non-?|un)?smooth(?:er|ly|ness|est)?\b", r"\binfinitely differentiable\b",
             r"\b(?P<neg>non-?|not |un)?differentiable\b",
             r"\bcontinuous(?:ly)? (?:first )?(?:derivative|gradient|slope)s?\b", r"\bcurvature\b",
             r"\bsecond derivative\b", r"\bcontinuously differentiable\b",
             r"\b(?:derivative|gradient|slope)s? (?:of (?:\w+ )?)?(?:is|are|stays?|remains?) (?P<neg>not |never )?"
             r"(?:everywhere |always )?continuous\b"),
        lacks=(r"\bkink(?:s|ed|y)?\b", r"\bcorners?\b", r"\bpiecewise(?:[- ]linear)?\b",
               r"\bsharp (?:bend|corner|point|turn|change|transition)\b",
               r"\bdiscontinu\w* (?:derivative|gradient|slope)s?\b", r"\b(?:derivative|gradient|slope)s? (?:\w+ )?"
               r"(?:jumps?|is discontinuous)\b", r"\babrupt\b"))),
    RubricPoint("negative_gradient", "a gradient for negative inputs (no dead units)", Property(
        has=(rf"\b(?:small|some|a|non-?zero|nonzero|little) (?:(?!zero\b)\w+ )?{_SLOPE} (?:\w+ ){{0,2}}?"
             rf"(?:for|with|on|at|when|below|in|to|through) (?:the )?(?:\w+ )?{_NEGATIVE_SIDE}",
             rf"\b{_SLOPE} still (?:flows?|pass(?:es)?|gets? through|reach(?:es)?)\b",
             rf"\b{_SLOPE} (?:flows?|pass(?:es)?|gets? through)(?: \w+){{0,4}} {_NEGATIVE_SIDE}",
             rf"\b{_NEGATIVE_SIDE} (?:inputs?|values?|side|region|x) (?:\w+ ){{0,2}}?(?:gets?|receives?|has|have|"
             rf"produces?|keeps?|gives?) (?:a |some )?(?:small |little )?(?:non-?zero )?{_SLOPE}\b",
             rf"\bnon-?zero (?:\w+ )?(?:for|with|on|at|when|below|in) (?:the )?(?:\w+ )?{_NEGATIVE_SIDE}",
             r"\bkeeps? (?:on )?learning\b", rf"\b(?:lets?|allows?) (?:a |some )?(?:small )?(?:negative|{_SLOPE})\b",
             rf"\b{_SLOPE}\b(?: \w+){{0,6}}? (?:when|where|if|for|with|on|at|below|in) (?:the )?(?:\w+ )?"
             rf"(?:x|inputs?|values?|side|region)? ?(?:is |are )?{_NEGATIVE_SIDE}"),
        lacks=(r"\bdying(?: relu)?(?: (?:problem|issue|units?|neurons?))?\b",
               r"\bdead (?:relu )?(?:units?|neurons?|relus?|activations?)\b",
               r"\b(?:permanently )?(?:inactive|dormant) (?:units?|neurons?)\b",
               r"\b(?:units?|neurons?) (?:\w+ ){0,3}?(?:inactive|dormant|switched off|stop updating)\b",
               r"\b(?:units?|neurons?) (?:can |could |may |might |will |to )?(?:die|dies|died|dying)\b",
               r"\b(?:die|dies|died)\b", rf"\bkills? (?:the )?(?:neurons?|units?|{_SLOPE})\b",
               rf"\b(?P<neg>non-?|not |never )?(?:exactly )?zero {_SLOPE}\b{_THERE}",
               rf"\b(?:an? |the )?{_SLOPE} (?:\w+ ){{0,3}}?(?:is|are|becomes?|stays?|remains?|goes to|of|=) "
               rf"(?P<neg>not |never )?(?:exactly |completely |always |just )?(?:zero|0)\b{_THERE}",
               r"\bstop(?:s|ped)? learning\b",
               rf"\boutputs? (?:exactly )?(?:zero|0) (?:for|on|with) (?:all |every )?{_NEGATIVE_SIDE}",
               r"\bclamp\w* (?:\w+ )?(?:to )?(?:zero|0)\b",
               r"\b(?P<neg>not |never )?(?:completely )?zero(?:e?s)? out\b",
               r"\b(?:gets?|stays?|remains?|are|is|become|becomes) stuck\b",
               r"\bstuck (?:at|outputting) (?:zero|0)\b",
               rf"\b{_NEGATIVE_SIDE} (?:inputs?|values?|side|numbers?) (?:\w+ ){{0,2}}?(?:are|is|get|gets) "
               r"(?P<neg>not |never )?(?:completely |simply |just )?(?:zeroed|killed|set to zero|clipped|"
               r"discarded|thrown away|cut off)\b"))),
    RubricPoint("probabilistic", "the probabilistic gating reading", Property(
        has=(r"\bprobab\w*", r"\b(?:gaussian|normal) (?:cdf|distribution|cumulative)\b", r"\bcdf\b",
             r"\bphi\b", r"φ", r"\bstochastic\w*", r"\bdropout\b",
             # a gate, but not the gated linear units of GEGLU and SwiGLU (another idea)
             r"\bgat(?:e|es|ed|ing)\b(?! (?:gelu|linear|variants?|units?|glus?|ffns?|feed))",
             r"\bweights? (?:the |its )?(?:inputs?|x|values?) by\b", r"\b(?:chance|likelihood)\b",
             r"\bkept\b"),
        contrast=False)),
    RubricPoint("non_monotonic", "the non-monotonic dip", Property(
        has=(r"\bdip(?:s|ping|ped)?\b", r"\bbelow zero\b", r"\bbumps?\b", r"\bgoes (?:slightly )?negative\b",
             r"\bnegative (?:minimum|bump|dip|outputs?|region of the output)\b",
             r"\b(?:small|slight|slightly) negative (?:dip|bump|outputs?|values? (?:out|for))\b",
             r"\boutputs? (?:small |slightly )?negative\b"),
        lacks=(r"\b(?P<neg>non[- ]?|not )?monoton\w*",),
        contrast=False)),
    RubricPoint("empirical", "better results in practice", Property(
        has=(r"\b(?:works?|performs?|did|does|trains?|scales?) (?:\w+ )?better\b",
             r"\bbetter (?:results?|performance|accuracy|perplexity|loss|scores?|in practice|empirically)\b",
             r"\bbetter (?:empirical|experimental|downstream|final|benchmark) (?:results?|performance|accuracy)\b",
             r"\b(?:lower|smaller|better) (?:training |test |validation )?(?:loss|perplexity|error)\b",
             r"\boutperform\w*", r"\bempiric\w*", r"\bstate[- ]of[- ]the[- ]art\b",
             r"\b(?:trains?|converges?|learns?) faster\b",
             r"\b(?:performance|accuracy|quality) (?:gains?|improvements?|boosts?)\b", r"\bmore accurate\b",
             r"\bhigher accuracy\b",
             r"\bimprov\w* (?:\w+ )?(?:results?|performance|accuracy|training|quality|convergence)\b",
             r"\b(?:uses?|used|using|adopt\w*|chose|choose|employ\w*)\b[^.;]{0,40}\b(?:bert|gpt|t5|llama|palm)",
             r"\b(?:bert|gpt|t5|llama|palm)[\w-]*\b[^.;]{0,40}\b(?:uses?|used|adopt\w*|chose|employ\w*)\b"),
        lacks=(r"\b(?:works?|performs?|did|does|trains?) (?:\w+ )?worse\b",
               r"\bworse (?:results?|performance|accuracy|perplexity|loss|in practice)\b",
               r"\bhigher (?:training |test )?(?:loss|perplexity|error)\b"))),
    RubricPoint("cost", "the small extra compute cost", Property(
        has=(r"\bcost(?:s|ly|lier)?\b", r"\bexpensive\b", r"\bslower\b", r"\boverhead\b", r"\berf\b",
             r"\b(?:more|extra|additional|higher) (?:compute|computation|work|flops|operations|time)\b",
             r"\bcomputationally (?:heavier|harder|intensive|demanding)\b", r"\bheavier\b"),
        lacks=(r"\bcheap(?:er|ly)?\b", r"(?<!trains )(?<!converges )(?<!learns )\bfaster\b", r"\bfast enough\b",
               r"\bless (?:expensive|costly|compute|computation)\b",
               r"\bquicker\b"),
        via_approximation=True)),
)


def _gelu_stationary() -> float:
    """Where GELU' = 0: the bottom of GELU's dip, found from the registry's derivative (bisection on [-2, -0.1])."""
    d = activations.get("gelu").derivative
    lo, hi = -2.0, -0.1  # GELU' < 0 at -2 and > 0 at -0.1
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if float(d(mid)) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def _gelu_solution() -> str:
    gelu = activations.get("gelu")
    gap = gelu_gap("gelu_tanh")
    return (
        "ReLU is simpler, but GELU(x) = x Phi(x) has several advantages in transformers: (1) it is smooth "
        "everywhere, with no kink at 0, so its curvature is defined; (2) for negative inputs its gradient is small "
        f"but, unlike ReLU's, not stuck at zero (GELU'(-1) = {float(gelu.derivative(-1.0)):.3f}); it vanishes only "
        f"at the single point x = {_gelu_stationary():.2f}, the bottom of the dip, so units do not die; (3) it reads "
        "as a "
        "probabilistic gate: x is kept with probability Phi(x), like a deterministic version of dropout; (4) it "
        f"dips below zero (minimum {float(gelu(_gelu_stationary())):.4f} at x = {_gelu_stationary():.4f}), a "
        "non-monotonic "
        "shape that can help optimisation; (5) it gave lower loss than ReLU and ELU in the GELU paper, and gated "
        "variants (GEGLU, SwiGLU) were best in Shazeer (2020); (6) the price is a small compute cost, which the tanh "
        f"approximation keeps low (at most {gap.max_abs_error:.2g} from exact).")


EX3 = Exercise(
    key="ex3", title="Exercise 3: why GELU?", section="llm",
    prompt="Why might GELU be preferred over ReLU in transformers, even though ReLU is simpler?",
    part_prompts=("your explanation",),
    parts=(RubricPart("explanation", GELU_POINTS, conclusion=GELU_PREFERRED),),
    hints=("Compare the two graphs near x = 0 and for negative x. What does each do to the gradient there?",
           "GELU(x) = x Phi(x), with Phi the normal CDF. How could Phi(x) be read as a probability?",
           "Think about smoothness, dead units, the probabilistic reading, the small dip below zero, results in "
           "practice, and cost."),
    solution_fn=_gelu_solution,
)

# --- more exercises, one per lesson section ------------------------------------------------

_W1 = np.array([[2.0, 1.0], [0.0, 1.0]])  # (D, H): x W1
_B1 = np.array([1.0, -1.0])
_W2 = np.array([[3.0], [-2.0]])
_B2 = np.array([4.0])


def _composed_bias() -> float:
    from ..experiments.linear_collapse import compose_affine
    from ..network import MLP, NetworkConfig

    net = MLP(NetworkConfig(2, (2,), ("identity",), "regression"), [_W1, _W2], [_B1, _B2],
              [activations.get("identity")])
    return float(compose_affine(net)[1][0])


EX4 = Exercise(
    key="ex4", title="Exercise 4: Linear layers collapse", section="why",
    prompt="A network has two linear layers and no activation: h = x W1 + b1, y = h W2 + b2, with "
           "W1 = [[2, 1], [0, 1]], b1 = [1, -1], W2 = [[3], [-2]], b2 = 4. It equals one layer y = x W + c. "
           "What is c?",
    parts=(NumberPart("c", _composed_bias, exact=True, slips=(
        Slip(4.0, "b2 alone misses the first layer's bias, which also passes through W2."),
        Slip(5.0, "That is b1 W2, the first layer's bias after the second layer; the second layer adds b2 too."))),),
    hints=("Substitute h into y: y = (x W1 + b1) W2 + b2.", "Expand: y = x (W1 W2) + (b1 W2 + b2).",
           "b1 W2 = 1 * 3 + (-1) * (-2)."),
    solution_fn=lambda: f"y = x (W1 W2) + (b1 W2 + b2), so c = b1 W2 + b2 = (3 + 2) + 4 = {_composed_bias():g}. "
                        "Any stack of linear layers is one linear layer.",
)


def _sig_d0() -> float:
    return float(activations.get("sigmoid").derivative(0.0))


EX5 = Exercise(
    key="ex5", title="Exercise 5: Sigmoid's steepest slope", section="vanishing",
    prompt="What is sigma'(0)? (It is also the largest value sigma' ever takes.)",
    parts=(NumberPart("sigma'(0)", _sig_d0, exact=True, slips=(
        Slip(0.5, "0.5 is sigma(0), the value. Use sigma'(x) = sigma(x)(1 - sigma(x))."),
        Slip(1.0, "1 is tanh'(0). For sigmoid use sigma'(x) = sigma(x)(1 - sigma(x))."))),),
    hints=("sigma'(x) = sigma(x) (1 - sigma(x)).", "sigma(0) = 1/2."),
    solution_fn=lambda: f"sigma(0) = 0.5, so sigma'(0) = 0.5 * 0.5 = {_sig_d0():g}, the maximum of sigma'.",
)


def _tanh_over_sigmoid() -> float:
    return activations.get("tanh").deriv_max / activations.get("sigmoid").deriv_max


EX6 = Exercise(
    key="ex6", title="Exercise 6: tanh against sigmoid", section="activations",
    prompt="How many times larger is tanh's maximal derivative than sigmoid's?",
    parts=(NumberPart("ratio", _tanh_over_sigmoid, exact=True, slips=(
        Slip(0.25, "That is the ratio the other way round (sigmoid's over tanh's)."),
        Slip(2.0, "tanh(x) = 2 sigma(2x) - 1: the 2 outside and the 2 inside both scale the slope."))),),
    hints=("tanh'(0) = 1 - tanh(0)^2.", "sigma'(0) = 0.25."),
    solution_fn=lambda: f"tanh' peaks at {activations.get('tanh').deriv_max:g} and sigmoid' at "
                        f"{activations.get('sigmoid').deriv_max:g}: {_tanh_over_sigmoid():g} times larger "
                        "(tanh(x) = 2 sigma(2x) - 1).",
)


def _leaky(x: float) -> tuple[float, float]:
    act = activations.get("leaky_relu")
    return float(act(x)), float(act.derivative(x))


EX7 = Exercise(
    key="ex7", title="Exercise 7: Leaky ReLU for negative inputs", section="activations",
    prompt="With the default slope alpha = 0.01, what are LeakyReLU(-2) and LeakyReLU'(-2)?",
    part_prompts=("LeakyReLU(-2)", "LeakyReLU'(-2)"),
    parts=(
        NumberPart("LeakyReLU(-2)", lambda: _leaky(-2.0)[0], exact=True, slips=(
            Slip(0.0, "That is ReLU(-2). Leaky ReLU lets a small fraction through: alpha * x."),
            Slip(-2.0, "That is x itself, as if alpha were 1: for x < 0 Leaky ReLU multiplies x by alpha."),
            Slip(lambda: _leaky(-2.0)[1], "That is the slope alpha; the value is alpha times x."),
            Slip(0.02, "Check the sign: alpha * x with x = -2 is negative."))),
        NumberPart("LeakyReLU'(-2)", lambda: _leaky(-2.0)[1], exact=True, slips=(
            Slip(0.0, "That is ReLU's slope for x < 0; Leaky ReLU keeps the slope alpha there, which is its "
                      "whole point."),
            Slip(1.0, "1 is the slope for x > 0. For x < 0 the slope is alpha: the alpha is easy to forget."),
            Slip(lambda: _leaky(-2.0)[0], "That is the value at -2; the slope is the factor that multiplies x."))),
    ),
    hints=("For x <= 0, LeakyReLU(x) = alpha x.", "Its slope for x < 0 is the constant alpha."),
    solution_fn=lambda: f"LeakyReLU(-2) = 0.01 * (-2) = {_leaky(-2.0)[0]:g}, and its slope there is "
                        f"{_leaky(-2.0)[1]:g}: never zero, so the unit keeps learning.",
)

EX8 = Exercise(
    key="ex8", title="Exercise 8: GELU against its tanh approximation", section="llm",
    prompt="To two significant figures, what is the largest absolute difference between exact GELU and its "
           "tanh approximation 0.5x(1 + tanh[sqrt(2/pi)(x + 0.044715x^3)])?",
    parts=(NumberPart("max |difference|", lambda: gelu_gap("gelu_tanh").max_abs_error, min_sig_figs=2, slips=(
        Slip(lambda: gelu_gap("quick_gelu").max_abs_error, "That is the sigmoid approximation x sigma(1.702x), "
                                                           "a much cruder one.", rel_tol=0.05),)),),
    hints=("Use the explorer: plot gelu and gelu_tanh together and look at their difference.",
           "The difference peaks near |x| = 2.7; it is a few parts in ten thousand."),
    solution_fn=lambda: f"max |gelu - gelu_tanh| = {gelu_gap('gelu_tanh').max_abs_error:.3g}, reached at "
                        f"x = +-{gelu_gap('gelu_tanh').at_x:.3f}.",
)


def _silu_min() -> tuple[float, float]:
    act = activations.get("silu")
    return act.output_min_at, act.output_range[0]


EX9 = Exercise(
    key="ex9", title="Exercise 9: Swish's dip", section="activations",
    prompt="SiLU/Swish x sigma(x) is non-monotonic: it has a minimum below zero. Where is it (x), and what is "
           "its value? Give 3 significant figures.",
    part_prompts=("x at the minimum", "SiLU at the minimum"),
    parts=(
        NumberPart("x at the minimum", lambda: _silu_min()[0], slips=(
            Slip(lambda: -_silu_min()[0], "Check the sign: the dip is on the negative side."),)),
        NumberPart("minimum value", lambda: _silu_min()[1], slips=(
            Slip(lambda: -_silu_min()[1], "Check the sign: the minimum lies below zero."),)),
    ),
    hints=("At the minimum the derivative sigma(x) + x sigma(x)(1 - sigma(x)) is 0.",
           "It lies between x = -2 and x = -1; the explorer shows it."),
    solution_fn=lambda: f"SiLU' = 0 at x = {_silu_min()[0]:.4f}, where SiLU = {_silu_min()[1]:.4f}.",
)


def _layers_below(threshold: float = 1e-6) -> int:
    m = activations.get("sigmoid").deriv_max
    n = 1
    while m**n >= threshold:
        n += 1
    return n


def _layers_below_unrounded(threshold: float = 1e-6) -> float:
    """The n that solves (max sigma')^n = threshold, before rounding up to whole layers."""
    return float(np.log(threshold) / np.log(activations.get("sigmoid").deriv_max))


EX10 = Exercise(
    key="ex10", title="Exercise 10: How deep until it vanishes?", section="vanishing",
    prompt="Each sigmoid layer multiplies the gradient by at most 0.25. How many layers until that bound "
           "drops below 1e-6?",
    parts=(NumberPart("layers", _layers_below, exact=True, check_factor_of_ten=False, slips=(
        Slip(lambda: _layers_below() - 1, "At one layer fewer the bound 0.25^n is still above 1e-6."),
        Slip(lambda: _layers_below() + 1, "One layer fewer already brings the bound below 1e-6."),
        Slip(lambda: _layers_below_unrounded(), "Layers come in whole numbers: take the smallest whole n for "
                                                "which the bound is below 1e-6.", rel_tol=0.01))),),
    hints=("Solve 0.25^n < 1e-6 for the smallest whole n.", "0.25^n = 4^-n; 4^10 is about a million."),
    solution_fn=lambda: f"0.25^{_layers_below() - 1} = {0.25 ** (_layers_below() - 1):.3g} is still above 1e-6; "
                        f"0.25^{_layers_below()} = {0.25 ** _layers_below():.3g} is below: {_layers_below()} layers.",
)

EXERCISES: tuple[Exercise, ...] = (EX1, EX2, EX3, EX4, EX5, EX6, EX7, EX8, EX9, EX10)
