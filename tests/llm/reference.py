"""An independent Llama forward pass for the tests: float64, one position and one head at a time, in Hugging
Face's layout (W_q, W_k rows unpermuted, rotary embedding by rotate_half on the two halves of each head)."""

from __future__ import annotations

import numpy as np


def _rms(x, w, eps):
    return x / np.sqrt((x * x).mean() + eps) * w


def _rotate(v, t, base):
    """Hugging Face's rotary embedding of one head's vector v at position t."""
    E = v.size
    inv = base ** (-np.arange(0, E, 2) / E)
    cos = np.cos(np.concatenate([t * inv, t * inv]))
    sin = np.sin(np.concatenate([t * inv, t * inv]))
    rotated = np.concatenate([-v[E // 2:], v[:E // 2]])
    return v * cos + rotated * sin


def reference_logits(m, ids, act=lambda z: z / (1 + np.exp(-z)), record=None):
    W = {k: v.astype(np.float64) for k, v in m.hf.items()}
    H, K, D = m.n_head, m.n_head_kv, m.d_model
    E, G = D // H, m.n_head // m.n_head_kv
    xs = [W["token_embd.weight"][i].copy() for i in ids]
    for layer in range(m.n_layer):
        p = f"blk.{layer}."
        keys, values, outs = [], [], []
        for t, x in enumerate(xs):
            h = _rms(x, W[p + "attn_norm.weight"], m.eps)
            q = (W[p + "attn_q.weight"] @ h).reshape(H, E)
            k = (W[p + "attn_k.weight"] @ h).reshape(K, E)
            v = (W[p + "attn_v.weight"] @ h).reshape(K, E)
            keys.append(np.stack([_rotate(k[j], t, m.rope_base) for j in range(K)]))
            values.append(v)
            heads = []
            for head in range(H):
                qh = _rotate(q[head], t, m.rope_base)
                kv = head // G
                scores = np.array([qh @ keys[s][kv] for s in range(t + 1)]) / np.sqrt(E)
                weights = np.exp(scores - scores.max())
                weights /= weights.sum()
                heads.append(sum(weights[s] * values[s][kv] for s in range(t + 1)))
            outs.append(x + W[p + "attn_output.weight"] @ np.concatenate(heads))
        new = []
        for x in outs:
            h = _rms(x, W[p + "ffn_norm.weight"], m.eps)
            z = W[p + "ffn_gate.weight"] @ h
            if record is not None:
                record(layer, z)
            new.append(x + W[p + "ffn_down.weight"] @ (act(z) * (W[p + "ffn_up.weight"] @ h)))
        xs = new
    return np.stack([W["token_embd.weight"] @ _rms(x, W["output_norm.weight"], m.eps) for x in xs])
