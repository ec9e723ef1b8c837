"""A small pre-LayerNorm residual network with bias-free feed-forward blocks, gated or not (for shazeer2020).

Shape: input Linear (D -> d, with bias) -> B blocks h <- h + FFN(LN(h)) -> LN -> Linear head (d -> K) -> softmax.
Dimension letters: N batch, D input, d model width, F feed-forward width, K classes.
  plain FFN:  FFN(u) = f(u W1) W2                  W1 (d, F), W2 (F, d), no biases
  gated FFN:  FFN(u) = (f(u W) * (u V)) W2         W, V (d, F), W2 (F, d), no biases (Shazeer, 2020)
LayerNorm: LN(x) = (x - mean) / sqrt(var + eps) * g + beta over the last axis. The MLP in network.py has no
residual paths or normalisation; keeping them here leaves the lesson's engine as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import activations
from ..network import head_loss_and_grad

EPS = 1e-5
# name -> (activation, gated); the gated variants of Shazeer (2020), with GLU's sigmoid gate and Swish = SiLU
FFNS = {"relu": ("relu", False), "gelu": ("gelu", False), "glu": ("sigmoid", True), "reglu": ("relu", True),
        "geglu": ("gelu", True), "swiglu": ("silu", True)}


@dataclass
class ResidualNet:
    ffn: str
    params: dict[str, np.ndarray]
    blocks: int

    @classmethod
    def create(cls, ffn: str, d_in: int, d: int, d_ff: int, k: int, blocks: int, rng: np.random.Generator,
               dtype: str = "float32") -> ResidualNet:
        """Weights N(0, 1/fan_in), biases 0, LayerNorm gains 1; float32 by default (half the cost of float64)."""
        def normal(fan_in: int, fan_out: int) -> np.ndarray:
            return rng.normal(0, 1 / math.sqrt(fan_in), (fan_in, fan_out)).astype(dtype)

        _, gated = FFNS[ffn]
        p = {"W_in": normal(d_in, d), "b_in": np.zeros(d, dtype), "g_f": np.ones(d, dtype),
             "beta_f": np.zeros(d, dtype), "W_out": normal(d, k), "b_out": np.zeros(k, dtype)}
        for b in range(blocks):
            p[f"g{b}"], p[f"beta{b}"] = np.ones(d, dtype), np.zeros(d, dtype)
            p[f"W1_{b}"] = normal(d, d_ff)
            if gated:
                p[f"V{b}"] = normal(d, d_ff)
            p[f"W2_{b}"] = normal(d_ff, d)
        return cls(ffn, p, blocks)

    def n_parameters(self, ffn_only: bool = True) -> int:
        keys = [k for k in self.params if k.startswith(("W1_", "V", "W2_"))] if ffn_only else list(self.params)
        return sum(self.params[k].size for k in keys)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self._forward(x, derivatives=False)[0]

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Mean softmax cross-entropy and the gradient of every parameter."""
        logits, cache = self._forward(x)
        loss, dlogits = head_loss_and_grad("softmax", logits, y)  # (N, K)
        p, g = self.params, {}
        u_f, ln_f = cache["final"]
        g["W_out"], g["b_out"] = u_f.T @ dlogits, dlogits.sum(axis=0)
        dh = _ln_backward(dlogits @ p["W_out"].T, ln_f, p["g_f"], g, "g_f", "beta_f")  # (N, d)
        for b in reversed(range(self.blocks)):
            u, ln, dfa, fa, gate = cache[b]
            dout = dh  # the residual path passes dh on unchanged; the block adds its own part
            s = fa * gate if gate is not None else fa  # (N, F)
            g[f"W2_{b}"] = s.T @ dout
            ds = dout @ p[f"W2_{b}"].T
            if gate is not None:
                da = ds * gate * dfa
                dgate = ds * fa
                g[f"W1_{b}"], g[f"V{b}"] = u.T @ da, u.T @ dgate
                du = da @ p[f"W1_{b}"].T + dgate @ p[f"V{b}"].T
            else:
                da = ds * dfa
                g[f"W1_{b}"] = u.T @ da
                du = da @ p[f"W1_{b}"].T
            dh = dh + _ln_backward(du, ln, p[f"g{b}"], g, f"g{b}", f"beta{b}")
        g["W_in"], g["b_in"] = cache["x"].T @ dh, dh.sum(axis=0)
        return loss, g

    def _forward(self, x: np.ndarray, derivatives: bool = True):
        p = self.params
        act = activations.get(FFNS[self.ffn][0])
        x = np.asarray(x, dtype=p["W_in"].dtype)
        cache = {"x": x}
        h = x @ p["W_in"] + p["b_in"]  # (N, d)
        for b in range(self.blocks):
            u, ln = _ln(h, p[f"g{b}"], p[f"beta{b}"])
            a = u @ p[f"W1_{b}"]  # (N, F)
            if derivatives:
                fa, dfa = act.forward_and_derivative_array(a)  # one pass for both where the registry fuses them
                if dfa is None:  # relu, sigmoid: the registry reads f' from the output
                    dfa = act.derivative_array(a, fa)
            else:
                fa, dfa = act.forward_array(a), None
            gate = u @ p[f"V{b}"] if f"V{b}" in p else None
            s = fa * gate if gate is not None else fa
            h = h + s @ p[f"W2_{b}"]
            cache[b] = (u, ln, dfa, fa, gate)
        u_f, ln_f = _ln(h, p["g_f"], p["beta_f"])
        cache["final"] = (u_f, ln_f)
        return u_f @ p["W_out"] + p["b_out"], cache


def _ln(x: np.ndarray, gain: np.ndarray, beta: np.ndarray):
    mean = x.mean(axis=1, keepdims=True)
    inv = 1 / np.sqrt(x.var(axis=1, keepdims=True) + EPS)
    xhat = (x - mean) * inv
    return xhat * gain + beta, (xhat, inv)


def _ln_backward(dy: np.ndarray, ln, gain: np.ndarray, grads: dict, g_key: str, b_key: str) -> np.ndarray:
    """dL/dx of LayerNorm from dL/dy; stores the gain's and shift's gradients in ``grads``."""
    xhat, inv = ln
    grads[g_key] = (dy * xhat).sum(axis=0)
    grads[b_key] = dy.sum(axis=0)
    dxhat = dy * gain
    return inv * (dxhat - dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True))


class Adam:
    """Adam (Kingma & Ba, 2015) over a dict of arrays, updated in place."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps, self.t = lr, beta1, beta2, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        c1, c2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for k, g in grads.items():
            m, v = self.m[k], self.v[k]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            params[k] -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
