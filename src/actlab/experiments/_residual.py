"""A small pre-LayerNorm residual network with bias-free feed-forward blocks, gated or not (for shazeer2020).

Shape: input Linear (D -> d, with bias) -> B blocks h <- h + FFN(LN(h)) -> LN -> Linear head (d -> K) -> softmax.
Dimension letters: N batch, D input, d model width, F feed-forward width, K classes.
  plain FFN:  FFN(u) = f(u W1) W2                  W1 (d, F), W2 (F, d), no biases
  gated FFN:  FFN(u) = (f(u W) * (u V)) W2         W, V (d, F), W2 (F, d), no biases (Shazeer, 2020)
LayerNorm: LN(x) = (x - mean) / sqrt(var + eps) * g + beta over the last axis. The MLP in network.py has no
residual paths or normalisation; keeping them here leaves the lesson's engine as it is.

Speed (a training step is small: N = 128, d = 64): every parameter is a view into one flat array and every
gradient a view into another, so Adam makes a few whole-array passes per step instead of a dozen small ones per
parameter; a gated block keeps W and V side by side in one (d, 2F) matrix ("WV"), so u [W V], its gradient and
the signal passed back are one product each instead of two.
"""

from __future__ import annotations

import math

import numpy as np

from .. import activations
from ..network import head_loss_and_grad

EPS = 1e-5
# name -> (activation, gated); the gated variants of Shazeer (2020), with GLU's sigmoid gate and Swish = SiLU;
# bilinear, the product (u W) * (u V) with no activation, is the paper's control for what the gate's f adds
FFNS = {"relu": ("relu", False), "gelu": ("gelu", False), "glu": ("sigmoid", True), "reglu": ("relu", True),
        "geglu": ("gelu", True), "swiglu": ("silu", True), "bilinear": ("identity", True)}


def _layout(d_in: int, d: int, d_ff: int, k: int, blocks: int, gated: bool) -> list[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every parameter in flat order; a gated block's "WV{b}" is W and V side by side."""
    shapes = [("W_in", (d_in, d)), ("b_in", (d,))]
    for b in range(blocks):
        first = (f"WV{b}", (d, 2 * d_ff)) if gated else (f"W1_{b}", (d, d_ff))
        shapes += [(f"g{b}", (d,)), (f"beta{b}", (d,)), first, (f"W2_{b}", (d_ff, d))]
    return shapes + [("g_f", (d,)), ("beta_f", (d,)), ("W_out", (d, k)), ("b_out", (k,))]


def _views(flat: np.ndarray, layout, d_ff: int) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """Named views into ``flat`` (a gated block's WV{b} named by its halves W1_{b} and V{b}), and each block's
    first matrix whole (W1 or WV)."""
    named, first, start = {}, [], 0
    for name, shape in layout:
        view = flat[start:start + math.prod(shape)].reshape(shape)
        start += view.size
        if name.startswith("WV"):
            named[f"W1_{name[2:]}"], named[f"V{name[2:]}"] = view[:, :d_ff], view[:, d_ff:]
            first.append(view)
        else:
            named[name] = view
            if name.startswith("W1_"):
                first.append(view)
    return named, first


class ResidualNet:
    """The parameters (``params``: named views into the flat array ``flat``) and the maths of a training step."""

    def __init__(self, ffn: str, d_in: int, d: int, d_ff: int, k: int, blocks: int, dtype: str = "float32"):
        """Every parameter zero; ``create`` draws the weights."""
        act, self.gated = FFNS[ffn]
        self.ffn, self.blocks, self.d_ff = ffn, blocks, d_ff
        self.activation = activations.get(act)
        layout = _layout(d_in, d, d_ff, k, blocks, self.gated)
        size = sum(math.prod(shape) for _, shape in layout)
        self.flat, self.flat_grad = np.zeros(size, dtype), np.zeros(size, dtype)
        self.params, self._first = _views(self.flat, layout, d_ff)
        self.grads, self._first_grad = _views(self.flat_grad, layout, d_ff)

    @classmethod
    def create(cls, ffn: str, d_in: int, d: int, d_ff: int, k: int, blocks: int, rng: np.random.Generator,
               dtype: str = "float32", init: str = "torch") -> ResidualNet:
        """Draw the weights; LayerNorm gains 1 and shifts 0 (nn.LayerNorm's start); float32 by default.

        init="torch" (the default) draws as PyTorch's nn.Linear does: every weight, and the input layer's and the
        head's biases, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (variance 1/(3 fan_in)). The issue's author wrote
        the model in PyTorch and named no initialisation; measured in PyTorch (bench/torch_reference.py markov),
        these defaults bring the gated units' margins over ReLU nearer the issue's than N(0, 1/fan_in) does.
        init="normal": every weight N(0, 1/fan_in), biases 0 (the earlier draw, kept for that comparison).
        """
        if init not in ("torch", "normal"):
            raise ValueError(f"init must be 'torch' or 'normal'; got {init!r}")
        net = cls(ffn, d_in, d, d_ff, k, blocks, dtype)
        p = net.params

        def draw(key: str, bias: str | None = None) -> None:
            fan_in, fan_out = p[key].shape
            if init == "normal":
                p[key][...] = rng.normal(0, 1 / math.sqrt(fan_in), (fan_in, fan_out))
                return
            bound = 1 / math.sqrt(fan_in)
            p[key][...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            if bias is not None:
                p[bias][...] = rng.uniform(-bound, bound, fan_out)

        draw("W_in", "b_in")
        draw("W_out", "b_out")
        p["g_f"][...] = 1
        for b in range(blocks):
            p[f"g{b}"][...] = 1
            draw(f"W1_{b}")
            if net.gated:
                draw(f"V{b}")
            draw(f"W2_{b}")
        return net

    def n_parameters(self, ffn_only: bool = True) -> int:
        keys = [k for k in self.params if k.startswith(("W1_", "V", "W2_"))] if ffn_only else list(self.params)
        return sum(self.params[k].size for k in keys)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x, derivatives=False)[0]

    def weighted_loss(self, x: np.ndarray, counts: np.ndarray) -> float:
        """The mean softmax cross-entropy of samples given as distinct inputs and counts (see backprop)."""
        return _weighted_cross_entropy(self.logits(x).astype(np.float64), counts)[0]

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Mean softmax cross-entropy and a copy of every parameter's gradient, by name."""
        loss = self.backprop(x, y)
        return loss, {k: g.copy() for k, g in self.grads.items()}

    def backprop(self, x: np.ndarray, y: np.ndarray) -> float:
        """Mean softmax cross-entropy; the gradients go into ``flat_grad`` (named views: ``grads``).

        y holds a class label per row of x, (N,), or counts (N, K): counts[i, j] samples of input i with label j,
        so that a batch with repeated inputs is read once per distinct input (the same loss and gradient).
        """
        logits, cache = self._forward(x)
        if np.ndim(y) == 2:
            loss, dlogits = _weighted_cross_entropy(logits, y)  # (N, K)
        else:
            loss, dlogits = head_loss_and_grad("softmax", logits, y)
        p, g = self.params, self.grads
        u_f, ln_f = cache["final"]
        np.matmul(u_f.T, dlogits, out=g["W_out"])
        np.add.reduce(dlogits, axis=0, out=g["b_out"])
        dh = _ln_backward(dlogits @ p["W_out"].T, ln_f, p["g_f"], g["g_f"], g["beta_f"])  # (N, d)
        F = self.d_ff
        for b in reversed(range(self.blocks)):
            u, ln, s, fa, dfa, gate = cache[b]
            # the residual path passes dh on unchanged; the block adds its own part
            np.matmul(s.T, dh, out=g[f"W2_{b}"])
            ds = dh @ p[f"W2_{b}"].T  # (N, F)
            if gate is not None:
                dz = np.empty((len(ds), 2 * F), ds.dtype)  # (N, 2F): d/d(u W) beside d/d(u V)
                np.multiply(ds, gate, out=dz[:, :F])
                dz[:, :F] *= dfa
                np.multiply(ds, fa, out=dz[:, F:])
            else:
                dz = ds
                dz *= dfa
            np.matmul(u.T, dz, out=self._first_grad[b])
            dh += _ln_backward(dz @ self._first[b].T, ln, p[f"g{b}"], g[f"g{b}"], g[f"beta{b}"])
        np.matmul(cache["x"].T, dh, out=g["W_in"])
        np.add.reduce(dh, axis=0, out=g["b_in"])
        return loss

    def _forward(self, x: np.ndarray, derivatives: bool = True):
        p, act, F = self.params, self.activation, self.d_ff
        x = np.asarray(x, dtype=self.flat.dtype)
        cache = {"x": x}
        h = x @ p["W_in"]  # (N, d)
        h += p["b_in"]
        for b in range(self.blocks):
            u, ln = _ln(h, p[f"g{b}"], p[f"beta{b}"])
            z = u @ self._first[b]  # (N, F), or (N, 2F) for a gated block: [u W, u V]
            a, gate = (z[:, :F], z[:, F:]) if self.gated else (z, None)
            if derivatives:
                fa, dfa = act.forward_and_derivative_array(a)  # one pass for both where the registry fuses them
                if dfa is None:  # relu, sigmoid: the registry reads f' from the output
                    dfa = act.derivative_array(a, fa)
            else:
                fa, dfa = act.forward_array(a), None
            s = fa * gate if gate is not None else fa  # (N, F)
            h += s @ p[f"W2_{b}"]
            cache[b] = (u, ln, s, fa, dfa, gate)
        u_f, ln_f = _ln(h, p["g_f"], p["beta_f"])
        cache["final"] = (u_f, ln_f)
        logits = u_f @ p["W_out"]
        logits += p["b_out"]
        return logits, cache


def _weighted_cross_entropy(logits: np.ndarray, counts: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_ij counts_ij (log sum_k e^z_ik - z_ij) / sum counts, and its gradient with respect to the logits z."""
    total = float(counts.sum())
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    norm = e.sum(axis=1, keepdims=True)  # (N, 1)
    loss = -float(np.vdot(counts, shifted - np.log(norm))) / total
    e *= counts.sum(axis=1, keepdims=True) / norm  # each row's softmax times its number of samples
    e -= counts
    e /= total
    return loss, e


def _ln(x: np.ndarray, gain: np.ndarray, beta: np.ndarray):
    """LayerNorm over the last axis; returns the output and (xhat, 1/std) for the backward pass."""
    d = x.shape[1]
    xc = x - np.add.reduce(x, axis=1, keepdims=True) / d
    inv = np.add.reduce(xc * xc, axis=1, keepdims=True)  # (N, 1): d times the variance, then 1/std
    inv /= d
    inv += EPS
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)
    xc *= inv  # now xhat
    out = xc * gain
    out += beta
    return out, (xc, inv)


def _ln_backward(dy: np.ndarray, ln, gain: np.ndarray, d_gain: np.ndarray, d_beta: np.ndarray) -> np.ndarray:
    """dL/dx of LayerNorm from dL/dy; writes the gain's and shift's gradients into d_gain and d_beta."""
    xhat, inv = ln
    d = dy.shape[1]
    np.add.reduce(dy * xhat, axis=0, out=d_gain)
    np.add.reduce(dy, axis=0, out=d_beta)
    dxhat = dy * gain
    mean_dxhat = np.add.reduce(dxhat, axis=1, keepdims=True) / d
    mean_dxhat_xhat = np.add.reduce(dxhat * xhat, axis=1, keepdims=True) / d
    dxhat -= mean_dxhat
    dxhat -= xhat * mean_dxhat_xhat
    dxhat *= inv
    return dxhat


class Adam:
    """Adam (Kingma & Ba, 2015) over one flat parameter array, updated in place (see ResidualNet.flat)."""

    def __init__(self, params: np.ndarray, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m, self.v, self._tmp = np.zeros_like(params), np.zeros_like(params), np.empty_like(params)

    def step(self, params: np.ndarray, grad: np.ndarray) -> None:
        """params -= lr m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)."""
        self.t += 1
        m, v, tmp = self.m, self.v, self._tmp
        m *= self.beta1
        m += np.multiply(grad, 1 - self.beta1, out=tmp)
        v *= self.beta2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.beta2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp *= 1 / math.sqrt(1 - self.beta2**self.t)  # sqrt(v_hat)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - self.beta1**self.t)
        params -= tmp
