"""A small multilayer perceptron in NumPy with explicit, readable backpropagation.

Dimension letters: N batch, D input features, H hidden width (per layer), K outputs.
Vocabulary: z is a layer's pre-activation, a its output (a[0] is the input), and dz, da, dW, db
are gradients of the loss. forward() returns the output and a Trace of every z and a; backward()
turns a Trace into Grads; updating the parameters is the optimiser's job (optim.py).
A gated hidden layer of width H has a pre-activation of width 2H (value and gate halves).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import _gemm
from ._buffers import Buffers
from .activation_spec import specs
from .activations import Activation, _compiled
from .activations import functions as F
from .errors import ConfigError
from .heads import HEADS, Head  # noqa: F401  (HEADS: callers import the names of the heads from here)
from .heads import head as head_record

# The training path adds the bias to z and writes these activations' outputs, and their derivatives from the output,
# into reused arrays; each computes exactly what the registry record does (np.tanh, max(z, 0); 1 - a*a, a (1 - a),
# [a > 0]), so the results are bit-identical (tests/core/test_buffers.py). Each takes (z, bias, out): z += bias, then
# out = f(z).
_BIAS_OUTPUT_INTO = {
    F.tanh: F.add_bias_tanh_into,  # one pass where the compiled float64 kernel runs (what F.tanh runs then)
    F.relu: lambda z, bias, out: np.maximum(np.add(z, bias, out=z), 0, out=out),
}


def _one_minus_square(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.multiply(a, a, out=out)
    return np.subtract(1, out, out=out)


def _times_one_minus(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    np.subtract(1, a, out=out)
    return np.multiply(a, out, out=out)


_POOL_FROM = 16384  # elements (128 kB in float64): smaller arrays come from the allocator's own free lists

_SLOPE_FROM_OUTPUT_INTO = {
    F.tanh: _one_minus_square,
    F.sigmoid: _times_one_minus,
    F.relu: lambda a, out: np.greater(a, 0, out=out),  # True/False written as 1.0/0.0
}
_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
# The same slopes multiplied into da in one compiled pass that also sums the result over the batch (the layer's db),
# bit for bit the passes above and np.add.reduce (the kernels' names in activations._numba_kernels); used when the
# compiled kernels are (activations._compiled).
_TIMES_SLOPE_KERNEL = {F.tanh: "times_tanh_slope", F.sigmoid: "times_sigmoid_slope", F.relu: "times_relu_slope"}


def _times_slope_compiled(fn, a: np.ndarray, da: np.ndarray, db: np.ndarray) -> bool:
    """da *= f'(z), f' from the output a, and db = da summed over the rows, in one compiled pass; False (nothing done)
    where there is no kernel for fn, the compiled kernels are off, or the arrays do not suit them ((N, H) and (H,),
    C-contiguous, one float dtype)."""
    name = _TIMES_SLOPE_KERNEL.get(fn)
    if name is None or a.dtype not in _FLOAT_DTYPES or da.dtype != a.dtype or db.dtype != a.dtype or a.ndim != 2 or \
            da.shape != a.shape or db.shape != a.shape[1:] or not (a.flags.c_contiguous and da.flags.c_contiguous and
                                                               db.flags.c_contiguous and da.flags.writeable and
                                                               db.flags.writeable):
        return False
    kernels = _compiled.kernels()
    if kernels is None:
        return False
    getattr(kernels, name)(a, da, db)
    return True


INITS = ("playground", "standard", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal",
         "orthogonal", "normal", "unit_norm")


def init_weights(scheme: str, fan_in: int, fan_out: int, rng: np.random.Generator, sigma: float = 0.1) -> np.ndarray:
    """A (fan_in, fan_out) weight matrix drawn by ``scheme``.

    playground      U(-0.5, 0.5), TensorFlow Playground's choice
    standard        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), the heuristic Glorot & Bengio (2010) start from
    xavier_uniform  U(-r, r), r = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio's normalized init)
    xavier_normal   N(0, 2 / (fan_in + fan_out))
    he_uniform      U(-r, r), r = sqrt(6 / fan_in) (He et al., 2015)
    he_normal       N(0, 2 / fan_in)
    lecun_normal    N(0, 1 / fan_in) (LeCun et al., 1998; SELU's companion)
    orthogonal      a (semi-)orthogonal matrix from a QR decomposition (Saxe et al., 2014)
    normal          N(0, sigma^2)
    unit_norm       each unit's incoming weights N(0, 1), then scaled to norm 1 (Hendrycks & Gimpel's GELU runs)
    """
    shape = (fan_in, fan_out)
    if scheme == "playground":
        return rng.uniform(-0.5, 0.5, shape)
    if scheme == "standard":
        r = 1 / math.sqrt(fan_in)
        return rng.uniform(-r, r, shape)
    if scheme == "xavier_uniform":
        r = math.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-r, r, shape)
    if scheme == "xavier_normal":
        return rng.normal(0, math.sqrt(2 / (fan_in + fan_out)), shape)
    if scheme == "he_uniform":
        r = math.sqrt(6 / fan_in)
        return rng.uniform(-r, r, shape)
    if scheme == "he_normal":
        return rng.normal(0, math.sqrt(2 / fan_in), shape)
    if scheme == "lecun_normal":
        return rng.normal(0, math.sqrt(1 / fan_in), shape)
    if scheme == "orthogonal":
        big, small = max(shape), min(shape)
        q, r = np.linalg.qr(rng.normal(size=(big, small)))
        q *= np.sign(np.diag(r))  # make the draw uniform over orthogonal matrices
        return q if fan_in >= fan_out else q.T
    if scheme == "normal":
        return rng.normal(0, sigma, shape)
    if scheme == "unit_norm":
        w = rng.normal(size=shape)
        return w / np.linalg.norm(w, axis=0, keepdims=True)  # a unit's incoming weights are a column
    raise ConfigError("init", f"unknown initialiser {scheme!r}; allowed: {', '.join(INITS)}")


def _check_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low or \
            (high is not None and value > high):
        allowed = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ConfigError(name, f"must be a whole number {allowed}; got {value!r}")


# Training holds about this many copies of the parameters: the values, their gradients, the step's rollback copy and
# up to two optimiser moments (Adam).
PARAMETER_COPIES = 5


def machine_memory() -> int | None:
    """Physical memory in bytes, where the system says (POSIX sysconf); None where it does not."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _check_fits_in_memory(config: NetworkConfig) -> None:
    """Refuse a network whose parameters alone could not be trained in this machine's memory."""
    memory = machine_memory()
    n = config.n_parameters
    need = n * np.dtype(config.dtype).itemsize * PARAMETER_COPIES
    if memory is not None and need > memory:
        raise ConfigError("layers", f"{n:,} parameters need about {need / 2**30:,.1f} GiB to train ({PARAMETER_COPIES} "
                                    f"copies: values, gradients, optimiser state), more than this machine's "
                                    f"{memory / 2**30:,.1f} GiB; use fewer or narrower layers, or dtype float32")


def parse_layers(text: str | Sequence[int]) -> tuple[int, ...]:
    """'4,2' -> (4, 2); an empty string means no hidden layer."""
    if not isinstance(text, str):
        return tuple(int(v) for v in text)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError("layers", f"a comma list of widths such as 4,2; got {text!r}") from None


@dataclass(frozen=True)
class NetworkConfig:
    """Shape and initialisation of an MLP.

    hidden: widths of the hidden layers; activations: one per hidden layer (or one for all), each a registry
    name, name(param=value, ...), {"name": ..., "params": {...}}, (name, {param: value}) or an ActivationSpec;
    stored as ActivationSpec (activation_spec.py). head: the name of the output and its loss, one of HEADS
    (regression, tanh_mse, sigmoid_mse, logistic, softmax), each a record in heads.py.
    """

    input_dim: int
    hidden: tuple[int, ...] = (4, 2)
    activations: tuple = ("tanh",)
    head: str = "tanh_mse"
    output_dim: int = 1
    init: str = "xavier_uniform"
    init_sigma: float = 0.1  # for init="normal"
    bias_init: float = 0.0
    dtype: str = "float64"

    def __post_init__(self) -> None:
        hidden = tuple(self.hidden)
        object.__setattr__(self, "hidden", hidden)
        acts = specs(self.activations)  # each checked by its registry record, naming the layer
        if len(acts) == 1 and len(hidden) != 1:
            acts = acts * len(hidden)  # one name for every layer (none at all without hidden layers)
        object.__setattr__(self, "activations", acts)
        _check_int("input_dim", self.input_dim, 1)
        for i, w in enumerate(hidden):
            _check_int(f"layers[{i}]", w, 1)
        if len(acts) != len(hidden):
            raise ConfigError("activations", f"give one activation per hidden layer ({len(hidden)}) or one for "
                                             f"all; got {len(acts)}")
        head = head_record(self.head)  # ConfigError("head") for an unknown name
        _check_int("output_dim", self.output_dim, 1)
        if head.single_output and self.output_dim != 1:
            raise ConfigError("output_dim", f"the {head.name} head has one output; got {self.output_dim}")
        if head.is_classifier and not head.single_output and self.output_dim < 2:
            raise ConfigError("output_dim", f"{head.name} needs at least 2 classes")
        if self.init not in INITS:
            raise ConfigError("init", f"unknown initialiser {self.init!r}; allowed: {', '.join(INITS)}")
        if self.dtype not in ("float64", "float32"):
            raise ConfigError("dtype", f"float64 or float32; got {self.dtype!r}")
        for name, value in (("init_sigma", self.init_sigma), ("bias_init", self.bias_init)):
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(name, f"must be a finite number; got {value!r}")
        _check_fits_in_memory(self)

    @property
    def n_parameters(self) -> int:
        """Weights and biases in all; a gated layer's pre-activation is twice its width."""
        acts = self.resolved_activations()
        widths = [self.input_dim, *self.hidden, self.output_dim]
        total = 0
        for l in range(len(widths) - 1):
            fan_out = widths[l + 1] * (2 if l < len(acts) and acts[l].is_gated else 1)
            total += (widths[l] + 1) * fan_out
        return total

    def resolved_activations(self) -> list[Activation]:
        return [spec.resolve() for spec in self.activations]


@dataclass
class Trace:
    """What forward() saw: zs[l] and outs[l + 1] (z and a) for each layer l; outs[0] is the input.

    derivs[l] is f'(zs[l]) for hidden layer l, computed in the same pass as its output, or None where
    backward() reads it from the output (tanh, sigmoid, ReLU) or forward() was asked not to keep it.
    """

    zs: list[np.ndarray]
    outs: list[np.ndarray]
    derivs: list[np.ndarray | None] = field(default_factory=list)


@dataclass
class Grads:
    """Loss gradients: dW[l], db[l] for every layer, dz[l] the back-propagated signal at layer l."""

    dW: list[np.ndarray]
    db: list[np.ndarray]
    dz: list[np.ndarray]
    loss: float
    # every dW then every db, in the order of MLP.flat_parameters; dW and db are views of it (None: not made)
    flat: np.ndarray | None = None
    # layers whose db the backward pass has already summed (with the layer above's slope, in one pass)
    db_done: set[int] = field(default_factory=set, repr=False, compare=False)


@dataclass
class MLP:
    """Parameters, activation records and output head of a network; see the module docstring for the conventions."""

    config: NetworkConfig
    weights: list[np.ndarray]  # W[l]: (fan_in, fan_out), fan_out doubled for a gated layer
    biases: list[np.ndarray]  # b[l]: (fan_out,)
    activations: list[Activation] = field(repr=False)  # f of each hidden layer: registry records
    # arrays reused from one training step to the next, only once nothing else refers to them (_buffers.py)
    _buffers: Buffers = field(default_factory=Buffers, init=False, repr=False, compare=False)

    @classmethod
    def create(cls, config: NetworkConfig, rng: np.random.Generator) -> MLP:
        dtype = np.dtype(config.dtype)
        fs = config.resolved_activations()
        widths = [config.input_dim, *config.hidden, config.output_dim]
        weights, biases = [], []
        for l in range(len(widths) - 1):
            fan_in = widths[l]
            fan_out = widths[l + 1] * (2 if l < len(fs) and fs[l].is_gated else 1)
            weights.append(init_weights(config.init, fan_in, fan_out, rng, config.init_sigma).astype(dtype, copy=False))
            biases.append(np.full(fan_out, config.bias_init, dtype=dtype))
        return cls(config, weights, biases, fs)

    @property
    def head(self) -> Head:
        """The output head's record: output, loss and gradient, predictions (heads.py)."""
        return head_record(self.config.head)

    @property
    def _widest(self) -> int:
        """The widest layer's output (fan_out), which sizes the largest per-example array of a step."""
        return max(w.shape[1] for w in self.weights)

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def parameters(self) -> list[np.ndarray]:
        return [*self.weights, *self.biases]

    def flat_parameters(self) -> np.ndarray:
        """All parameters as one vector that the weight and bias arrays are views of.

        Made on first use by copying the parameters into one buffer and rebinding weights and biases to
        views of it; the optimiser then updates every parameter in a few whole-vector operations.
        """
        flat = getattr(self, "_flat", None)
        if flat is None or any(p.base is not flat for p in self.parameters()):
            params = self.parameters()
            flat = np.concatenate([p.ravel() for p in params])
            views, offset = [], 0
            for p in params:
                views.append(flat[offset:offset + p.size].reshape(p.shape))
                offset += p.size
            self.weights[:] = views[:self.n_layers]
            self.biases[:] = views[self.n_layers:]
            self._flat = flat
        return flat

    def copy(self) -> MLP:
        return MLP(self.config, [w.copy() for w in self.weights], [b.copy() for b in self.biases], self.activations)

    def astype(self, dtype) -> MLP:
        """A copy with parameters in ``dtype`` (the playground draws its surfaces in float32)."""
        return MLP(self.config, [w.astype(dtype) for w in self.weights], [b.astype(dtype) for b in self.biases],
                   self.activations)

    def forward(self, x: np.ndarray, derivatives: bool = True) -> tuple[np.ndarray, Trace]:
        """Return the head's output (probabilities for classification heads) and the trace.

        With ``derivatives`` (for a backward pass), each hidden layer's f'(z) is computed with its output in
        one pass that shares their common parts (the GELU family's normal tail, a sigmoid's exponential).
        """
        a = np.asarray(x, dtype=self.weights[0].dtype)
        # training a wide layer: reuse last step's arrays (below _POOL_FROM elements a fresh array costs less)
        pool = self._buffers if derivatives and a.ndim == 2 and a.shape[0] * self._widest >= _POOL_FROM else None
        trace = Trace([], [a], [])
        for l in range(self.n_layers):
            self.forward_layer(trace, l, derivatives, pool)
        return self.head.output(trace.zs[-1]), trace

    def forward_layer(self, trace: Trace, l: int, derivatives: bool = True, pool: Buffers | None = None) -> None:
        """Layer l of the forward pass (forward()'s loop body): its z and output appended to ``trace``, whose
        last output is the layer's input, and with ``derivatives`` f'(z) too (None where backward takes it
        from the output). The playground's evaluation runs it a layer at a time."""
        a, w = trace.outs[-1], self.weights[l]
        z = _gemm.matmul(a, w, None if pool is None else pool.get((a.shape[0], w.shape[1]), w.dtype))
        # z: (N, fan_out)
        f = self.activations[l] if l < len(self.activations) else None
        into = _BIAS_OUTPUT_INTO.get(f.fn) if f is not None and derivatives and pool is not None and not f.params \
            else None
        if into is not None:
            a = into(z, self.biases[l], pool.get(z.shape, z.dtype))  # z += b and a = f(z); f' from a in backward
            trace.derivs.append(None)
            trace.zs.append(z)
            trace.outs.append(a)
            return
        z += self.biases[l]
        if f is None:  # the last layer's z: logits
            a = z
        elif derivatives:
            a, df = f.forward_and_derivative_array(z)
            trace.derivs.append(df)
        else:
            a = f.forward_array(z)
        trace.zs.append(z)
        trace.outs.append(a)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x, derivatives=False)[0]

    def backward(self, trace: Trace, y: np.ndarray) -> Grads:
        """Backpropagate the head's loss through the trace; y holds the targets (see NetworkConfig)."""
        loss, dz = self.head.loss_and_grad(trace.zs[-1], y)  # dz: (N, K)
        pool = self._buffers if dz.ndim == 2 and dz.shape[0] * self._widest >= _POOL_FROM else None
        grads = self.gradient_arrays(loss, dz.dtype, pool)
        for l in range(self.n_layers - 1, -1, -1):
            dz = self.backward_layer(trace, grads, l, dz, pool)
        return grads

    def gradient_arrays(self, loss: float, dtype, pool: Buffers | None = None) -> Grads:
        """backward()'s set-up: Grads whose dW and db are views of one vector laid out like flat_parameters(),
        which the optimiser then uses as it is (no concatenation of every layer's gradient on each step)."""
        size = sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))
        flat = np.empty(size, dtype=dtype) if pool is None else pool.get((size,), dtype)
        dW, db, offset = [], [], 0
        for w in self.weights:
            dW.append(flat[offset:offset + w.size].reshape(w.shape))
            offset += w.size
        for b in self.biases:
            db.append(flat[offset:offset + b.size])
            offset += b.size
        return Grads(dW, db, [None] * self.n_layers, loss, flat)

    def backward_layer(self, trace: Trace, grads: Grads, l: int, dz: np.ndarray,
                       pool: Buffers | None = None) -> np.ndarray | None:
        """Layer l of the backward pass (backward()'s loop body, from the last layer down): given dL/dz of layer
        l, write its dW and db into ``grads`` and return dL/dz of layer l - 1 (None below the first layer)."""
        grads.dz[l] = dz
        _gemm.matmul(trace.outs[l].T, dz, grads.dW[l])  # (fan_in, fan_out)
        if l not in grads.db_done:
            np.add.reduce(dz, axis=0, out=grads.db[l])
        if l == 0:
            return None
        w = self.weights[l]
        da = _gemm.matmul(dz, w.T, None if pool is None else pool.get((dz.shape[0], w.shape[0]), dz.dtype))
        # da: (N, width of layer l)
        f = self.activations[l - 1]  # the hidden layer whose output is outs[l]
        df = trace.derivs[l - 1] if l - 1 < len(trace.derivs) else None  # f'(zs[l - 1])
        if df is None:
            from_output = pool is not None and not f.params and f.deriv_from_output is not None
            if from_output and not f.is_gated and _times_slope_compiled(f.fn, trace.outs[l], da, grads.db[l - 1]):
                grads.db_done.add(l - 1)
                return da  # (N, H): da *= f'(z), and layer l - 1's db, in one pass
            slope_into = _SLOPE_FROM_OUTPUT_INTO.get(f.fn) if from_output else None
            if slope_into is not None:  # f'(z) from the output, the record's formula, into a reused array
                out = trace.outs[l]
                df = slope_into(out, pool.get(out.shape, out.dtype))
            else:
                df = f.derivative_array(trace.zs[l - 1], trace.outs[l])
        if f.is_gated:
            return np.concatenate([da, da], axis=1) * df  # (N, 2H)
        da *= df  # da is this call's own array
        return da  # (N, H)


def forward_with_dropout(net: MLP, x: np.ndarray, rate: float,
                         rng: np.random.Generator) -> tuple[np.ndarray, Trace]:
    """A training forward pass with inverted dropout on every hidden layer's output; MLP.backward takes its trace.

    Each hidden unit is kept with probability 1 - rate and its output multiplied by 1 / (1 - rate), so the expected
    output is forward()'s and evaluation uses forward() unchanged (Srivastava et al., 2014). The mask is folded
    into the trace: outs[l + 1] holds the dropped output and derivs[l] holds f'(z) times the same mask, so
    backward() computes the dropped network's gradients as it is. Gated layers are not supported.
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ConfigError("dropout", f"a rate in [0, 1); got {rate!r}")
    if any(f.is_gated for f in net.activations):
        raise ConfigError("dropout", "gated layers have no dropout here; use ungated activations")
    a = np.asarray(x, dtype=net.weights[0].dtype)
    zs, outs, derivs = [], [a], []
    for l in range(net.n_layers):
        z = _gemm.matmul(a, net.weights[l])  # (N, fan_out)
        z += net.biases[l]
        if l == len(net.activations):  # logits: never dropped
            a = z
        else:
            f = net.activations[l]
            a, df = f.forward_and_derivative_array(z)
            if df is None:
                df = f.derivative_array(z, a)  # from the output, before the output is dropped
            if rate > 0:
                mask = (rng.random(a.shape) >= rate).astype(a.dtype) / a.dtype.type(1 - rate)  # (N, H)
                a = a * mask
                df = df * mask
            derivs.append(df)
        zs.append(z)
        outs.append(a)
    return net.head.output(zs[-1]), Trace(zs, outs, derivs)


# --- the output heads' records, by name (heads.py); these few functions keep the old calls working -----------

def head_output(head: str, logits: np.ndarray) -> np.ndarray:
    """The network's output from the last layer's z (heads.Head.output)."""
    return head_record(head).output(logits)


def head_loss_and_grad(head: str, logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss over the batch and its gradient with respect to the logits, (N, K) (heads.Head.loss_and_grad)."""
    return head_record(head).loss_and_grad(logits, y)


def chance_loss(head: str, t: np.ndarray) -> float:
    """The loss of the best constant prediction on targets ``t`` (heads.Head.chance_loss)."""
    return head_record(head).chance_loss(np.asarray(t))


def targets_for_head(head: str, labels: np.ndarray) -> np.ndarray:
    """Class labels 0/1 (or class indices, or regression values) as the head trains on them (heads.Head.targets)."""
    return head_record(head).targets(np.asarray(labels))
