"""A Llama-style causal language model's forward pass, in NumPy or in torch, with its activation swappable.

Dimension letters: T positions, D model width, H query heads, K key-value heads (H/K queries share one), E the
head width D/H, F the feed-forward width, V the vocabulary.

One block: x += Attn(RMSNorm(x)); x += W_down (act(W_gate h) * W_up h) with h = RMSNorm(x). The product inside
the feed-forward is SwiGLU when act is SiLU; ``activation`` replaces SiLU by any elementwise registry entry,
and ``recorder(layer, activation, z)`` receives each block's gate input z = W_gate h, shape (T, F).

Both backends do the matrix products in float32 and call the registry's NumPy function for the activation
(torch hands it a zero-copy view), so a swap means the same function on both paths. Their logits agree to
about 1e-4 relative (the order of float32 sums differs); tests/llm pins the tolerance.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable, Iterator

import numpy as np

from .. import activations
from ..errors import ConfigError
from ._threads import blas_threads
from .gguf_file import LlamaModel

Recorder = Callable[[str, str, np.ndarray], None]
BACKENDS = ("auto", "numpy", "torch")


def resolve_backend(backend: str) -> str:
    """'auto' is torch when it is installed, else NumPy."""
    if backend not in BACKENDS:
        raise ConfigError("backend", f"unknown backend {backend!r}; allowed: {', '.join(BACKENDS)}")
    if backend == "auto":
        return "torch" if importlib.util.find_spec("torch") is not None else "numpy"
    if backend == "torch" and importlib.util.find_spec("torch") is None:
        raise ConfigError("backend", "torch is not installed; use --backend numpy or pip install torch")
    return backend


def elementwise(name: str):
    """The registry entry that replaces SiLU; gated entries (which halve their input) cannot."""
    try:
        act = activations.get(name)
    except ValueError as exc:
        raise ConfigError("activation", str(exc)) from None
    if act.is_gated:
        allowed = [n for n in activations.names() if not activations.get(n).is_gated]
        raise ConfigError("activation", f"{act.name} is gated (it halves its input), so it cannot replace an "
                                        f"elementwise activation; allowed: {', '.join(allowed)}")
    return act


def rope_tables(n_pos: int, head_dim: int, base: float) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of position t times frequency base^(-2i/E), shape (T, E/2)."""
    inv = base ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.arange(n_pos, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


class _NumpyOps:
    name = "numpy"

    @staticmethod
    def tensor(a: np.ndarray):
        return a

    @staticmethod
    def numpy(a) -> np.ndarray:
        return a

    @staticmethod
    def rms_norm(x, w, eps):
        return x / np.sqrt(np.mean(np.square(x), axis=-1, keepdims=True) + eps) * w

    @staticmethod
    def layer_norm(x, w, b, eps):
        mu = x.mean(axis=-1, keepdims=True)
        var = np.square(x - mu).mean(axis=-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w + b

    @staticmethod
    def softmax(s):
        s = s - s.max(axis=-1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=-1, keepdims=True)
        return s

    @staticmethod
    def rope(x, cos, sin):  # x (T, n, E): turn each adjacent pair (x0, x1) by the position's angle
        x0, x1 = x[..., 0::2], x[..., 1::2]
        c, s = cos[:, None, :], sin[:, None, :]
        out = np.empty_like(x)
        out[..., 0::2] = x0 * c - x1 * s
        out[..., 1::2] = x0 * s + x1 * c
        return out

    @staticmethod
    def swapaxes(x, a, b):
        return np.swapaxes(x, a, b)

    @staticmethod
    def permute(x, axes):
        return np.transpose(x, axes)


class _TorchOps:
    name = "torch"

    def __init__(self):
        import torch

        self.torch = torch

    def tensor(self, a: np.ndarray):
        return self.torch.from_numpy(np.ascontiguousarray(a))

    @staticmethod
    def numpy(a) -> np.ndarray:
        return a.numpy()

    def rms_norm(self, x, w, eps):
        return x * self.torch.rsqrt(x.square().mean(-1, keepdim=True) + eps) * w

    def layer_norm(self, x, w, b, eps):
        mu = x.mean(-1, keepdim=True)
        var = (x - mu).square().mean(-1, keepdim=True)
        return (x - mu) * self.torch.rsqrt(var + eps) * w + b

    def softmax(self, s):
        return self.torch.softmax(s, dim=-1)

    def rope(self, x, cos, sin):
        x0, x1 = x[..., 0::2], x[..., 1::2]
        c, s = cos[:, None, :], sin[:, None, :]
        return self.torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)

    @staticmethod
    def swapaxes(x, a, b):
        return x.transpose(a, b)

    @staticmethod
    def permute(x, axes):
        return x.permute(*axes)


# the one model's weights as torch views (zero-copy, made once), beside the weights dict they view: the dict itself
# is kept and compared by identity, since an id() alone can be reused by the next model once the first is freed
_TORCH_WEIGHTS: dict[str, tuple[dict, dict]] = {}


@contextlib.contextmanager
def limited_threads(ops, threads: int) -> Iterator[None]:
    """Run with ``threads`` BLAS or torch threads (see _threads.py for why one is the default)."""
    if ops.name == "torch":
        before = ops.torch.get_num_threads()
        ops.torch.set_num_threads(threads)
        try:
            yield
        finally:
            ops.torch.set_num_threads(before)
        return
    with blas_threads(threads):
        yield


def backend_ops(model, backend: str):
    """The backend's operations and the model's weights as its arrays (any model with a ``weights`` dict)."""
    if resolve_backend(backend) == "numpy":
        return _NumpyOps(), model.weights
    ops = _TorchOps()
    held = _TORCH_WEIGHTS.get("model")
    if held is None or held[0] is not model.weights:  # one model at a time
        held = (model.weights, {k: ops.tensor(v) for k, v in model.weights.items()})
        _TORCH_WEIGHTS["model"] = held
    return ops, held[1]


def forward(model: LlamaModel, ids: list[int] | np.ndarray, *, activation: str = "silu",
            recorder: Recorder | None = None, backend: str = "auto", last_only: bool = False,
            on_layer: Callable[[int, int], None] | None = None, threads: int = 1) -> np.ndarray:
    """Logits for every position (T, V), or for the last one only (1, V) with ``last_only``.

    ``on_layer(done, total)`` is called after each block (progress bars, a job's step, cancellation).
    ``threads`` BLAS threads do the products (see _threads.py for why one is the default).
    """
    ops, W = backend_ops(model, backend)
    with limited_threads(ops, threads):
        return _forward(model, ops, W, ids, activation, recorder, last_only, on_layer)


def _forward(model, ops, W, ids,  # noqa: N803  (W: the weights, as in the formulas)
             activation, recorder, last_only, on_layer) -> np.ndarray:
    cfg = model.config
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or ids.size == 0:
        raise ConfigError("text", "needs at least one token")
    if ids.min() < 0 or ids.max() >= cfg.vocab_size:
        raise ConfigError("text", f"token ids must lie in [0, {cfg.vocab_size})")
    act = elementwise(activation)
    T, H, K, E = ids.size, cfg.n_head, cfg.n_head_kv, cfg.head_dim
    cos, sin = (ops.tensor(a) for a in rope_tables(T, E, cfg.rope_base))
    mask = ops.tensor(np.triu(np.full((T, T), -np.inf, dtype=np.float32), k=1))  # (T, T) causal
    x = ops.tensor(model.weights["token_embd"][ids])  # (T, D)
    scale = np.float32(1.0 / np.sqrt(E))
    for i in range(cfg.n_layer):
        p = f"blk.{i}."
        h = ops.rms_norm(x, W[p + "attn_norm"], cfg.norm_eps)
        q = ops.rope((h @ W[p + "attn_q"]).reshape(T, H, E), cos, sin)  # (T, H, E)
        k = ops.rope((h @ W[p + "attn_k"]).reshape(T, K, E), cos, sin)  # (T, K, E)
        v = (h @ W[p + "attn_v"]).reshape(T, K, E)
        q = ops.permute(q.reshape(T, K, H // K, E), (1, 2, 0, 3))  # (K, G, T, E): G queries per key-value head
        k = ops.swapaxes(k, 0, 1)[:, None]  # (K, 1, T, E)
        v = ops.swapaxes(v, 0, 1)[:, None]
        scores = (q @ ops.swapaxes(k, -1, -2)) * scale + mask  # (K, G, T, T)
        attn = ops.softmax(scores) @ v  # (K, G, T, E)
        attn = ops.swapaxes(attn.reshape(H, T, E), 0, 1).reshape(T, H * E)  # head h = k G + g, as in W_o
        x = x + attn @ W[p + "attn_output"]
        h = ops.rms_norm(x, W[p + "ffn_norm"], cfg.norm_eps)
        z = h @ W[p + "ffn_gate"]  # (T, F): the activation's input
        z_np = ops.numpy(z)
        if recorder is not None:
            recorder(f"{i}", act.name, z_np)
        gated = ops.tensor(act.forward_array(z_np)) * (h @ W[p + "ffn_up"])
        x = x + gated @ W[p + "ffn_down"]
        if on_layer is not None:
            on_layer(i + 1, cfg.n_layer)
    if last_only:
        x = x[-1:]
    x = ops.rms_norm(x, W["output_norm"], cfg.norm_eps)
    head = W["output"] if "output" in W else ops.swapaxes(W["token_embd"], 0, 1)  # tied: (D, V)
    return np.asarray(ops.numpy(x @ head), dtype=np.float32)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def token_nll(logits: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The negative log-likelihood (nats) of each token after the first, given the ones before it."""
    ids = np.asarray(ids)
    lp = log_softmax(logits[:-1])
    return -lp[np.arange(len(ids) - 1), ids[1:]]


def greedy(model: LlamaModel, ids: list[int], n: int, *, backend: str = "auto",
           activation: str = "silu") -> list[int]:
    """The n tokens the model picks one by one (argmax each time), recomputing the whole prefix per step."""
    out = list(ids)
    for _ in range(n):
        logits = forward(model, out, backend=backend, activation=activation, last_only=True)
        out.append(int(np.argmax(logits[-1])))
    return out[len(ids):]
