"""The loss read back from the model's output and its gradient. One part of the Monitor class (interop/torch.py),
kept apart because it is one idea: Monitor inherits it.

Under a cross-entropy of the model's outputs taken as logits against one class per row, the gradient reaching row i
is k_i (p_i - e_y), p_i the softmax of the row and y its target: every entry but the target's is k_i times its
probability, the target's alone is negative. A mean over R rows has k_i = c / R for all rows, c the factor the loss
was multiplied by (1 where s.loss is the cross-entropy itself); a sum over the batch has c = R. So from the output
and its gradient alone, with no target given, the monitor reads each row's target, the batch's cross-entropy and the
factor c, and checks them against s.loss: they must give it back (c times the cross-entropy), or nothing is read. A
loss divided by 1000, or summed over a batch of 64, read 'healthy ... 99.9% below chance' on a model that learned
nothing, and 'not learning ... 1.4 times chance' on one at 98.5% accuracy (W64 walkthrough findings 1 and 2): the
loss given and chance_loss were on different scales.

Anything else (label smoothing, class weights, a loss with other parts, an output that is not the logits) fails the
check and is not read. Where the loss's own autograd graph is a squared error of the output, its gradient there is
2 s (a - t) and the loss s sum (a - t)^2: s = sum(g^2) / (4 L) gives the factor as well (half an MSE read 'healthy ...
49% below chance' at R^2 = 0.0035). The targets read are pooled over the latest reads: where a constant guess of their
frequencies gets well under chance_loss (padding left in a next-token loss, a data set mostly one class), chance_loss
says more learning than there is (W63 finding 3, W65 finding 1).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import torch
from scipy.special import expit
from scipy.stats import beta

from ..reading_record import LossScale, OutputCollapse, TargetSkew
from . import _torch_stats
from ._monitor_head import binary_form, held_with_gradient, squared_error_form

LOSS_READS = 5  # the latest reads kept
READ_FIRST = 3  # every one of a monitor's first sampled steps is read, then every READ_EVERY-th
READ_EVERY = 64
READ_MOST = 1 << 19  # an output with more values is not read (it is copied to the host)
RATIO_TOLERANCE = 1e-3  # how closely each row's entries must follow k (p - e_y), and the loss c times the mean
SCALE_ONE = 0.02  # a factor within this of 1 is the cross-entropy itself
# the outputs' spread (output_spread): the first read's is where it began; a latest under COLLAPSED and COLLAPSE_FALL
# times under that is a collapse (an encoder under a negative cosine between two views: 0.45 at its first step, 0.10
# at step 11, 0.023 at 101, 0.007 at 400; a SimSiam encoder with no stop-gradient or predictor, 0.585 at step 1 to
# 0.062 at 300, W96 walkthrough finding 2; contrastive and triplet encoders that learned read 0.6 to 1). Targets
# around a common offset some 14 times their spread or more read under it too, which the remedy names first
COLLAPSED = 0.07
COLLAPSE_FALL = 5
SPREAD_ROWS = 8
# and of outputs this many or more a row (an embedding): fewer are a choice among a few (a policy's actions, a 2-D
# sample), which may rightly be the same for every input (a policy whose best action is the same in every state read
# 0.0033 against 0.72, W92 walkthrough). Outputs of 3 dimensions at most, whose last is the outputs (rows x outputs, a
# sequence's batch x positions x outputs): an image's (N, C, H, W) has its width there, along which a map that is
# mostly one class points one way without any collapse
SPREAD_OUTPUTS = 8


def read_cross_entropy(z: np.ndarray, g: np.ndarray, loss: float) -> tuple[float, float, int, np.ndarray] | None:
    """From outputs ``z`` (rows of logits) and the gradient ``g`` reaching them (both (rows, classes), float64) and
    the loss they gave: (the factor c, the rows' mean cross-entropy, the rows read, the targets), where loss = c x
    that mean with every row's gradient k (p - e_y) and one k for all rows; None otherwise. A row whose gradient is
    all 0 is a target ignored (not read), or one the model is sure of and right about (its cross-entropy 0 in
    float32): the loss cannot tell the two apart, and the factor taken is the one of the two nearer 1. Where that
    puts those rows in the mean, they are read too, each one's target the class the model is sure of; the targets
    are then every row's, else those of the rows read."""
    nonzero = np.abs(g).sum(axis=1) > 0
    rows, every = int(nonzero.sum()), len(g)
    if rows == 0 or not math.isfinite(loss) or loss <= 0:
        return None
    z_all, z, g = z, z[nonzero], g[nonzero]
    # in the log domain: a blown-up run's logits (5e6 apart) put p_y under float64's range, and -log(p_y) read as the
    # cap of 690 where the loss was 9.75e5 (W104 walkthrough: that step's read failed, the soft read took the batch,
    # and every read after it stayed soft, a hard batch among soft ones)
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    negative = (g < 0).sum(axis=1)
    if (negative > 1).any():
        return None
    # the target: the one negative entry; in a row with none, the class the model is sure of (its p_y rounded to 1
    # in float32, so its gradient there is 0)
    target = np.where(negative == 1, (g < 0).argmax(axis=1), p.argmax(axis=1))
    at = np.arange(rows)
    own = np.zeros_like(p, dtype=bool)
    own[at, target] = True
    rest = np.where(own, 0.0, p).sum(axis=1)  # 1 - p_y, summed from the small entries (no cancellation)
    k = np.where(own, 0.0, g).sum(axis=1) / np.maximum(rest, 1e-300)
    sure = rest > 1e-4  # rows whose k is well read
    if not sure.any():
        return None
    kk = float(np.median(k[sure]))
    if not (kk > 0 and (np.abs(k[sure] / kk - 1) <= RATIO_TOLERANCE).all()):  # one k for every row: a mean or a sum,
        return None  # no class weights
    expected = kk * (p - own)
    if not (np.abs(g - expected) <= RATIO_TOLERANCE * kk * np.maximum(p, 1e-3)).all():
        return None
    summed = float(-log_p[at, target].sum())
    if not (summed > 0 and abs(loss - kk * summed) <= 10 * RATIO_TOLERANCE * loss):
        return None
    c = min(kk * rows, kk * every, key=lambda v: abs(math.log(v)))
    count = rows if c == kk * rows else every
    if count > rows:  # the rows of gradient 0 are in the mean: each one the model is sure of and right about, its
        # target the class it is sure of. Left out, they bias the targets read towards the classes the model gets
        # wrong (W104 walkthrough finding 1: a diverged CNN, 21 to 30 of each batch's 64 rows sure and right, read
        # class 3 as 35% of the 139 targets read, where it was 25% of the 192 the batches held)
        every_target = z_all.argmax(axis=1)
        every_target[nonzero] = target
        target = every_target
    return c, summed / count, count, target


def read_binary_cross_entropy(z: np.ndarray, g: np.ndarray,
                              loss: float) -> tuple[float, float, int, np.ndarray] | None:
    """From outputs ``z`` (rows of logits, one column a label) and the gradient ``g`` reaching them (both (rows,
    labels), float64) and the loss they gave: (the factor c, the mean binary cross-entropy over every output, the
    outputs read, each output's target, 0 or 1), where loss = c x that mean with every output's gradient k (sigmoid(z)
    - t) for one k and targets 0 or 1 (binary_cross_entropy_with_logits, BCEWithLogitsLoss: k = c / outputs); None
    otherwise (soft targets, pos_weight or weights, probabilities instead of logits). An output whose gradient is 0 is
    one the model is sure of and right about (its target the rounded probability)."""
    if not math.isfinite(loss) or loss <= 0 or g.size == 0:
        return None
    # rows whose gradient sums to 0, every one, are a softmax cross-entropy's (k (softmax - one-hot)): a 2-class
    # cross-entropy with every row's logits saturated, which read_cross_entropy cannot read, fits a binary one too
    # (logits of +-636: each row's loss the gap either way), and is no binary cross-entropy's
    if g.shape[1] >= 2 and (np.abs(g.sum(axis=1)) <= 1e-6 * np.abs(g).sum(axis=1)).all():
        return None
    p, q = expit(z), expit(-z)  # sigmoid(z) and 1 - sigmoid(z), each without cancellation
    target = np.where(g < 0, 1, np.where(g > 0, 0, (z > 0).astype(int)))
    rest = np.where(target == 1, q, p)  # |sigmoid(z) - t|
    sure = rest > 1e-4
    if not sure.any():
        return None
    k = np.abs(g[sure]) / rest[sure]
    kk = float(np.median(k))
    if not (kk > 0 and (np.abs(k / kk - 1) <= RATIO_TOLERANCE).all()):
        return None
    if not (np.abs(np.abs(g) - kk * rest) <= RATIO_TOLERANCE * kk * np.maximum(rest, 1e-3)).all():
        return None
    # softplus(z) - t z: the loss of one output, log(1 + e^-|z|) + max(z, 0) - t z
    summed = float((np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0) - target * z).sum())
    if not (summed > 0 and abs(loss - kk * summed) <= 10 * RATIO_TOLERANCE * loss):
        return None
    return kk * g.size, summed / g.size, int(g.size), target


def output_spread(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """How far apart the rows of ``z`` (its last dimension the outputs, the others the rows) point, as 0-d float32
    tensors on its device, read with the step's other figures in its one host transfer: the spread, and how many
    rows it is of. Each row's unit vector (rows with a NaN, an inf or every output 0 left out), the std of each output
    over the rows, their mean times the root of the outputs' count. Directions spread evenly over the sphere give 1
    (each coordinate of a uniform unit vector has variance 1/d), rows that all point one way 0: SimSiam's measure of
    collapse (Chen & He 2021, the std of the l2-normalised output per channel, 1/sqrt(d) when spread), scaled by
    sqrt(d). None for fewer than 2 outputs a row. A contiguous float32 or float64 CPU output is read by the compiled
    pass (_torch_stats_numba.output_spread, in float64) where the kernels are loaded."""
    if z.dim() < 1 or z.shape[-1] < 2:
        return None
    z = z.detach().reshape(-1, z.shape[-1])
    kernels = _torch_stats.kernels()
    if kernels is not None and _torch_stats.readable(z):  # in one compiled pass, as two 0-d tensors all the same
        out = np.empty(2)
        kernels.output_spread(z.numpy(), out)
        both = torch.from_numpy(out)
        return both[0], both[1]
    z = z.float()
    unit = z / z.abs().amax(1, keepdim=True)  # (each row by its largest first: its norm cannot overflow)
    unit = unit / torch.linalg.vector_norm(unit, dim=1, keepdim=True)
    kept = torch.isfinite(unit).all(1, keepdim=True)
    unit = torch.where(kept, unit, torch.nan)
    # two passes: the deviations from the mean, not E[u^2] - E[u]^2, whose float32 difference loses a collapse's
    spread = ((unit - unit.nanmean(0)) ** 2).nanmean(0).sqrt().mean() * math.sqrt(z.shape[1])
    return spread, kept.sum().float()


def target_entropy(counts: np.ndarray) -> float:
    """The cross-entropy the best constant guess gets on a batch whose targets fall in the classes ``counts`` says:
    the entropy of their frequencies, with Miller and Madow's correction for a sample's bias low ((m - 1) / 2n, m
    the classes seen, n the targets)."""
    n = int(counts.sum())
    f = counts[counts > 0] / n
    return float(-(f * np.log(f)).sum()) + (len(f) - 1) / (2 * n)


def labels_entropy_high(counts: np.ndarray) -> float:
    """An upper bound of labels_entropy that the batches read allow: each label's share of 1s anywhere in its 95%
    Clopper-Pearson interval, its entropy at the share in that interval nearest 1/2, averaged over the labels. A rare
    label seen 0 times in 768 rows may be 1 in 500 (W72 walkthrough finding 1: labels each 1 in 0.2% of rows, judged
    against the exact chance_loss 0.0144 the guide's formula gives, read 'far from balanced ... about 0.0101' from
    three batches that held no 1)."""
    out = []
    for zeros, ones in counts.T:
        n = int(zeros + ones)
        low = float(beta.ppf(0.025, ones, n - ones + 1)) if ones > 0 else 0.0
        high = float(beta.ppf(0.975, ones + 1, n - ones)) if ones < n else 1.0
        p = 0.5 if low <= 0.5 <= high else low if low > 0.5 else high
        out.append(0.0 if p in (0.0, 1.0) else float(-(p * math.log(p) + (1 - p) * math.log1p(-p))))
    return float(np.mean(out))


def labels_entropy(counts: np.ndarray) -> float:
    """The binary cross-entropy the best constant guess gets on outputs whose targets ``counts`` says (shape (2,
    labels): each label's 0s and 1s): each label's entropy (target_entropy), averaged over the labels, as the mean
    reduction averages over every output."""
    return float(np.mean([target_entropy(counts[:, j]) for j in range(counts.shape[1])]))


SKEW_READS = 3  # the latest reads whose targets are pooled
SKEW_ROWS = 16  # each with this many targets at least
SKEW_PER_CLASS = 4  # and the pool this many times the classes at least (too few to tell a vocabulary's frequencies)
SKEW_CHANCE = 0.8  # the entropy of the pooled targets' frequencies under this share of chance_loss is said
# and where that entropy is this share of ln C or more (C the outputs' classes), the targets are near balanced over
# the head's own classes: it is chance_loss that fits another head (TargetSkew.balanced)
BALANCED_SHARE = 0.9
# a squared error's chance_loss under this share of what a constant guess of the targets read gets is said: the
# variance of 48 values (3 batches of 16, the fewest read) was over 4 times the whole set's in none of 200,000 normal
# draws, 0.09% of Student t(5) draws, 1.1% of t(3)'s and 2.0% of a log-normal's with sigma 1 (measured here; over 2
# times: 0.002%, 1.5%, 4.7%, 8.3%)
SPREAD_CHANCE = 0.25



class _LossRead:
    _loss_held: list | None = None  # this sampled step's [output, its version, gradient]
    _loss_node = None  # and the autograd node that made it
    # per read: (training step, c, the batch's mean cross-entropy or squared error, rows or outputs read, classes,
    # which of the two, the count of each class's targets where the classes are few enough for SKEW_READS reads to
    # tell their frequencies (else None))
    _loss_reads: deque | None = None
    # the latest cross-entropy read's outputs were probabilities (every row 0 or more, summing to 1: a softmax at the
    # model's end, which the loss applies again): (training step, classes, the read's factor); None where they were
    # logits, or no cross-entropy was read (RunSummary.probabilities_given)
    _probabilities: tuple[int, int, float] | None = None
    # the same of a binary cross-entropy on logits: every output of its latest SIGMOID_GIVEN_READS reads between 0 and
    # 1 (a sigmoid at the model's end, which BCEWithLogitsLoss applies again): (training step, the share of targets
    # that are 1, the read's factor, outputs read); None otherwise (RunSummary.sigmoid_given). _sigmoid_reads: how
    # many binary reads in a row had every output so
    _sigmoid_given: tuple[int, float, float, int] | None = None
    _sigmoid_reads: int = 0
    _loss_first: float | None = None  # the first read's measure (which scale chance_loss is on)
    # the outputs' spread (output_spread) as (training step, spread, rows, outputs): the first read's, and the latest,
    # by part ('' for the model's own output; a part's name where the script drives the model through its parts)
    _spread_first: dict | None = None
    _spread_held: list | None = None  # this sampled step's [(part, output_spread's two tensors, the outputs' count)]
    _spread_latest: dict | None = None
    # the part whose output is not judged for a collapse: of two or more parts, the last to give its first output in
    # a step (SimSiam's predictor, whose output is compared with the encoder's: W97 walkthrough finding 2, its spread
    # from 0.060 to 0.013 in a run whose encoder kept its outputs apart, 0.16 to 0.18)
    _spread_unjudged: str | None = None

    _noted_clipped_logits = False

    def _note_clipped_logits(self, zeros: float) -> None:
        """A cross-entropy read whose logits are all 0 or more, CLIPPED_LOGITS of them or more exactly 0: an
        activation that clips at 0 on the output layer's result, said once (W108 walkthrough finding 8: F.relu on the
        logits read with no word of it, where a softmax before the loss gets a finding)."""
        if zeros < CLIPPED_LOGITS:
            return
        self._noted_clipped_logits = True
        self.notes.append(
            f"the logits given to the cross-entropy at training step {self.step_count + 1:,} are all 0 or more, and "
            f"{zeros:.0%} of them exactly 0: an activation that clips at 0 (a ReLU) acts on the output layer's "
            "result. A logit held at 0 sends no gradient back through it, and no logit can fall below 0 to vote "
            "its class down, so the loss trains the positive logits alone; take that activation off the output "
            "layer: the cross-entropy takes logits of either sign")

    def _hold_output(self, output, part: str = "") -> None:
        """At the end of the model's first forward on a sampled step that is due a read: its output, and a hook that
        keeps the gradient reaching it. Where no read has found the loss's kind, on every sampled step: the spread of
        a small output (SOFT_READ_MOST values or fewer, SPREAD_OUTPUTS a row or more; output_spread), so that it
        follows the run (a collapse comes on after the first reads: W87 walkthrough finding 8). Where the script drives
        the model through its parts, each part's first call in the step gives its spread (``part``: its name), and the
        latest part's output is the one held for the loss (_Hooks._part_ended)."""
        n = self.sampled_steps
        reads = self._loss_reads
        # soft targets read last, on a small output: every sampled step, so that the floor follows the batches (W88
        # walkthrough finding 5: Mixup's floor, 0.05 to 0.63 a batch, was taken from the first 3 reads alone)
        soft = bool(reads) and reads[-1][5] in SOFT_KINDS
        due = n < READ_FIRST or not n % READ_EVERY
        if not due and reads and not soft:  # (the commonest sampled step: the kind known, no read due)
            return
        if not (torch.is_tensor(output) and output.requires_grad and output.is_floating_point()
                and output.dim() >= 1 and 0 < output.numel() <= READ_MOST):
            return
        small = output.numel() <= SOFT_READ_MOST
        held = self._spread_held
        if small and not reads and output.dim() <= 3 and output.shape[-1] >= SPREAD_OUTPUTS and (
                held is None or all(h[0] != part for h in held)):
            spread = output_spread(output)
            if spread is not None:
                self._spread_held = [*(held or ()), (part, spread, output.shape[-1])]
        if not (due or soft and small):
            return
        self._loss_held = held_with_gradient(output)
        self._loss_node = output.grad_fn  # (beside the list, not in it: held_with_gradient says why)

    def _read_loss_back(self, loss: float | None, given) -> None:
        """As the sampled step is collected: the cross-entropy read from the held output and gradient, checked
        against the loss given (read_cross_entropy), or where the loss's autograd graph is a squared error of the
        output (_monitor_head.squared_error_form), its factor read from the gradient (read_squared_error); kept."""
        held, self._loss_held = self._loss_held, None
        node, self._loss_node = self._loss_node, None
        if held is None or held[2] is None or loss is None or held[0]._version != held[1]:
            return
        out, grad = held[0], held[2]
        if grad.shape != out.shape or not grad.is_floating_point():
            return
        classes = out.shape[-1] if out.dim() >= 2 else 1
        z = out.reshape(-1, classes).double().numpy(force=True)
        g = grad.reshape(-1, classes).double().numpy(force=True)
        if not (np.isfinite(z).all() and np.isfinite(g).all()):
            return
        found = read_cross_entropy(z, g, float(loss)) if classes >= 2 else None
        if found is None and out.dim() >= 3 and out.shape[1] >= 2:  # a map's (N, C, H, W) logits, their classes on
            # axis 1, as F.cross_entropy takes them (W95 walkthrough finding 2: a segmentation whose pixels were 97%
            # background read 'healthy ... 72% below chance' against ln 3, predicting the background everywhere)
            across = out.shape[1]
            z1 = out.movedim(1, -1).reshape(-1, across).double().numpy(force=True)
            g1 = grad.movedim(1, -1).reshape(-1, across).double().numpy(force=True)
            found = read_cross_entropy(z1, g1, float(loss))
            if found is not None:
                classes, z, g = across, z1, g1
        positions = 0  # a map's positions a row, each channel's pooled over them (a binary read's)
        if found is None and out.dim() >= 4:  # a map's (N, C, H, W) logits under a binary cross-entropy: its labels
            # are its channels, each pooled over the positions (W95 walkthrough finding 3: a mask of (N, 1, 32, 32)
            # was read as '32 labels a row', its width). Not a 3-D output: (N, T, L), a sequence's labels at each
            # step, has its labels last as often as a 1-D map's (N, C, L) has them first
            across = out.shape[1]
            zm = out.movedim(1, -1).reshape(-1, across).double().numpy(force=True)
            gm = grad.movedim(1, -1).reshape(-1, across).double().numpy(force=True)
            binary = read_binary_cross_entropy(zm, gm, float(loss))
            if binary is not None:
                classes, z, g, positions = across, zm, gm, math.prod(out.shape[2:])
        else:
            binary = read_binary_cross_entropy(z, g, float(loss)) if found is None else None
        if found is not None:
            c, value, rows, target = found
            # (float32 rows of a softmax sum to 1 within a few units in the last place; logits of a whole batch that
            # are each 0 or more and sum to 1 a row are no model's chance)
            self._probabilities = ((self.step_count + 1, classes, c) if classes >= 2 and z.min() >= 0.0
                                   and float(np.abs(z.sum(axis=1) - 1.0).max()) <= PROBABILITY_SUM else None)
            if self._probabilities is None and classes >= 2 and z.min() >= 0.0 and not self._noted_clipped_logits:
                self._note_clipped_logits(float((z == 0.0).mean()))
            counts = np.bincount(target, minlength=classes) if classes * SKEW_PER_CLASS <= SKEW_READS * len(target) \
                else None
            read = (self.step_count + 1, c, value, rows, classes, "cross-entropy", counts)
        elif binary is not None:  # (each label's 0s and 1s: counts[0] and counts[1])
            c, value, outputs, target = binary
            counts = np.stack([(target == 0).sum(axis=0), (target == 1).sum(axis=0)])
            # (logits of a trained or fresh model spread past 0 and 1 on a batch of SIGMOID_GIVEN_MIN outputs or more;
            # W106 walkthrough finding 4: nn.Sigmoid before BCEWithLogitsLoss read 'healthy ... 23% below chance',
            # 94% of the way to the 0.503 it cannot pass)
            inside = z.size >= SIGMOID_GIVEN_MIN and float(z.min()) >= 0.0 and float(z.max()) <= 1.0
            self._sigmoid_reads = self._sigmoid_reads + 1 if inside else 0
            self._sigmoid_given = ((self.step_count + 1, float(target.mean()), c, int(z.size))
                                   if self._sigmoid_reads >= SIGMOID_GIVEN_READS else None)
            read = (self.step_count + 1, c, value, outputs, classes, "binary cross-entropy", counts)
        elif (soft := binary_form(given, node) if torch.is_tensor(given) and given.dim() == 0 else None) is not None:
            found = soft_binary_targets(z, g, float(loss), *soft)
            if found is None:
                return
            value, floor, target = found
            if floor is not None:
                read = (self.step_count + 1, 1.0, value, int(z.size), classes, "soft binary cross-entropy", floor)
            else:  # every target 0 or 1, on probabilities (nn.BCELoss after nn.Sigmoid): each label's 0s and 1s, as
                # a binary cross-entropy on logits gives them (W87 walkthrough finding 6: labels 0.3% 1s read no
                # word of their balance under nn.BCELoss)
                counts = np.stack([(target == 0).sum(axis=0), (target == 1).sum(axis=0)])
                read = (self.step_count + 1, 1.0, value, int(z.size), classes, "binary cross-entropy", counts)
        else:
            form = squared_error_form(given, node, out.numel()) if torch.is_tensor(given) and \
                given.dim() == 0 else None
            found = read_squared_error(g, float(loss)) if form is not None else None
            if found is not None:
                c, value, used = found
                read = (self.step_count + 1, c, value, used, classes, "squared error",
                        squared_targets(z, g, c / used, torch.finfo(out.dtype).eps))
            else:  # soft targets under a cross-entropy (probabilities, smoothed labels): their entropy is the floor
                soft = read_soft_cross_entropy(z, g, float(loss)) if classes >= 2 else None
                if soft is None:
                    return
                value, floor, rows = soft
                read = (self.step_count + 1, 1.0, value, rows, classes, "soft cross-entropy", floor)
        read = (*read, positions)  # (read[7])
        if self._loss_reads and self._loss_reads[-1][5] == f"soft {read[5]}" and abs(read[1] - 1) <= SCALE_ONE:
            # a batch of hard targets among soft ones (CutMix's whole-image batch, a Mixup lambda of 1): a soft read
            # whose targets' entropy is 0, not a new kind of loss that drops the floor (W88 walkthrough finding 6)
            read = (*read[:5], f"soft {read[5]}", 0.0, positions)
        if self._loss_reads is None or self._loss_reads[-1][5] != read[5]:
            self._loss_reads = deque(maxlen=LOSS_READS)
            self._loss_first = read[2]
        self._loss_reads.append(read)

    def _spread_scalars(self) -> list:
        """This sampled step's spread figures (output_spread), sent to the host with the step's others; [] where
        none was taken."""
        held = self._spread_held
        return [] if held is None else [t for h in held for t in h[1]]

    def _track_spread(self, values: list) -> None:
        """The outputs' spread as read on the host (``values``: _spread_scalars'), kept: the first, and the latest,
        as (training step, spread, rows, outputs)."""
        held, self._spread_held = self._spread_held, None
        if held is None or len(values) != 2 * len(held):
            return
        if len(held) >= 2:
            self._spread_unjudged = held[-1][0]
        for k, (part, _, outputs) in enumerate(held):
            spread, rows = values[2 * k], values[2 * k + 1]
            if not (rows >= SPREAD_ROWS and math.isfinite(spread)):
                continue
            read = (self.step_count + 1, float(spread), int(rows), outputs)
            self._spread_first = self._spread_first or {}
            self._spread_latest = self._spread_latest or {}
            self._spread_first.setdefault(part, read)
            self._spread_latest[part] = read

    def _output_collapse(self) -> OutputCollapse | None:
        """RunSummary.output_collapse: where no read found the loss's kind (a cross-entropy or a squared error is
        judged by its loss: their reads say what it is), and the latest spread is under COLLAPSED and COLLAPSE_FALL
        times or more under the first read's, at a later step. (The first alone: a collapse can be well on its way by
        the third sampled step, 0.45 to 0.28 over 3 steps of the encoder COLLAPSED's comment follows.)"""
        if self._loss_reads or not self._spread_latest:
            return None
        found = []
        for part, latest in self._spread_latest.items():
            first = self._spread_first[part]
            if part != self._spread_unjudged and latest[0] > first[0] and latest[1] < COLLAPSED and \
                    latest[1] * COLLAPSE_FALL <= first[1]:
                found.append((latest[1] / first[1], part, first, latest))
        if not found:
            return None
        _, part, first, latest = min(found)  # (the part fallen the furthest)
        return OutputCollapse(latest[1], latest[0], first[1], first[0], latest[2], latest[3], part)

    def _loss_scale(self) -> LossScale | None:
        """RunSummary.loss_scale: where the latest read's factor c is away from 1 and chance_loss is on the
        measure's scale, not the loss's (nearer the first read measure than c times it). One read says it: the check
        that the outputs' gradient is a cross-entropy's and gives the loss back is exact, and a squared error's form
        is the loss's own autograd graph."""
        reads, chance = self._loss_reads, self.chance_loss
        if not reads or chance is None or not chance > 0:
            return None
        step, c, value, rows, classes, kind = reads[-1][:6]
        first = self._loss_first
        if abs(c - 1) <= SCALE_ONE or not first > 0 or \
                abs(math.log(chance / first)) >= abs(math.log(chance / (c * first))):
            return None
        summed = abs(c - rows) <= 0.01 * rows and rows > 1
        return LossScale(c, value, step, rows, classes, summed, kind)

    def _targets_spread(self, latest: list, pooled: tuple, chance: float) -> TargetSkew | None:
        """_targets_skewed's squared error: where a constant guess of each output's mean over the latest reads
        (_pooled_targets) gets a loss (the latest factor c times the outputs' mean variance, the loss's own scale)
        over 1 / SPREAD_CHANCE times chance_loss: chance_loss is below anything a constant guess reaches (W82
        walkthrough finding 5)."""
        guess = latest[-1][1] * pooled[0]
        if not (math.isfinite(guess) and chance < SPREAD_CHANCE * guess):
            return None
        return TargetSkew(0, int(latest[0][4]), 1.0, guess, len(latest), latest[0][0], latest[-1][0], pooled[1],
                          squared=True)

    def _soft_floor_note(self, loss: float | None, chance: float | None) -> str:
        """Where the latest reads found a cross-entropy or a binary cross-entropy against soft targets: their own
        entropy (_loss_floor), under which no model's loss goes, beside the judged ``loss`` and ``chance``; ""
        otherwise, or where that floor is under SOFT_FLOOR_SHARE of chance. W85 walkthrough finding 5: an
        autoencoder's BCE at 0.364 read '48% below chance' while its floor was 0.355."""
        floor = self._loss_floor()
        if floor is None or chance is not None and floor < SOFT_FLOOR_SHARE * chance:
            return ""
        kind = self._loss_reads[-1][5]
        reads = [r for r in self._loss_reads if r[5] == kind]
        steps = (f"the batch read at training step {reads[0][0]:,}" if len(reads) == 1 else
                 f"the {len(reads)} batches read at training steps {reads[0][0]:,} to {reads[-1][0]:,}")
        what = SOFT_KINDS[kind]
        words = (f"the targets are soft ({what}, read back from the outputs and the gradient reaching them): no "
                 f"model's {kind.removeprefix('soft ')} gets under their own entropy, {floor:.3g} over {steps}")
        if loss is not None and math.isfinite(loss) and chance is not None and chance > floor:
            above = loss - floor
            share = (chance - loss) / (chance - floor)
            way = f"{share:.0%}" if share < 0.995 else f"{share:.1%}"  # (not '100%' of a loss above it)
            words += (f"; the judged mean loss, {loss:.3g}, is at it" if above <= 0 else
                      # (at or above chance: no share of the way, which read '-0% of the way from chance (2.3) down
                      # to it' on labels of pure noise, W98 walkthrough finding 8)
                      f"; the judged mean loss, {loss:.3g}, is {above:.2g} above it, and no lower than chance "
                      f"({chance:.3g})" if share < 0.005 else
                      f"; the judged mean loss, {loss:.3g}, is {above:.2g} above it, {way} of the way from chance "
                      f"({chance:.3g}) down to it")
        return words

    def _loss_floor(self) -> float | None:
        """RunSummary.loss_floor: the mean floor of the latest reads, where the latest is of soft targets."""
        kind = self._loss_reads[-1][5] if self._loss_reads else None
        if kind not in SOFT_KINDS:
            return None
        floors = [r[6] for r in self._loss_reads if r[5] == kind]
        return sum(floors) / len(floors)

    def _zero_output_loss(self) -> float | None:
        """RunSummary.zero_output_loss: ln C for the latest read of a cross-entropy over C classes, ln 2 for a binary
        one; None where the latest read is neither, or none was made."""
        reads = self._loss_reads
        if not reads:
            return None
        kind, classes = reads[-1][5], reads[-1][4]
        return math.log(classes) if kind == "cross-entropy" and classes >= 2 else math.log(2) \
            if kind == "binary cross-entropy" else None

    def _chance_guess(self) -> tuple[float, int] | None:
        """RunSummary.chance_guess: (the loss a constant guess of the targets read back gets, the targets read) over
        the latest SKEW_READS reads, where _pooled_targets reads them and the loss is at its measure's own scale (each
        read's factor within SCALE_ONE of 1); None otherwise."""
        latest = self._skew_reads()
        key = (latest[-1][0], len(self._loss_reads), self.chance_loss) if latest else None
        cached = getattr(self, "_guess_cache", None)  # (the reads change on a few sampled steps: not read again)
        if cached is not None and cached[0] == key:
            return cached[1]
        pooled = _pooled_targets(latest) if latest and all(abs(r[1] - 1) <= SCALE_ONE for r in latest) else None
        found = None if pooled is None else (pooled[0], pooled[1])
        self._guess_cache = (key, found)
        return found

    def _skew_reads(self) -> list | None:
        """The latest SKEW_READS loss reads, where as many were made, chance_loss is given and the inputs differ."""
        reads, chance = self._loss_reads, self.chance_loss
        # (batches of one sample repeated hold one target each: no frequencies to read, and said as such)
        if not reads or len(reads) < SKEW_READS or chance is None or not chance > 0 or self._inputs_alike():
            return None
        return list(reads)[-SKEW_READS:]

    def _targets_skewed(self) -> TargetSkew | None:
        """RunSummary.targets_skewed: where a constant guess of the targets pooled over the latest SKEW_READS reads
        (_pooled_targets: their entropy, target_entropy, for a cross-entropy) gets under SKEW_CHANCE of chance_loss:
        chance_loss then says more learning than there is (W65 walkthrough finding 1: 62% of the labels one class, ln
        10 given, read 'healthy ... 40% below chance' on inputs of pure noise, the frequencies' entropy 1.49)."""
        latest = self._skew_reads()
        pooled = None if latest is None else _pooled_targets(latest)
        if pooled is None:
            return None
        chance, kind = self.chance_loss, latest[0][5]
        if kind == "squared error":
            return self._targets_spread(latest, pooled, chance)
        entropy, n, counts = pooled
        # (a binary cross-entropy's rare labels: judged by what the batches read allow at most)
        bound = entropy if kind == "cross-entropy" else labels_entropy_high(counts)
        if not bound < SKEW_CHANCE * chance:
            return None
        if kind == "cross-entropy":
            classes = latest[0][4]
            # (each batch read holding one class alone: batches drawn in order from a set sorted by label)
            alone = all(np.count_nonzero(r[6]) == 1 for r in latest)
            return TargetSkew(int(counts.argmax()), classes, float(counts.max() / n), entropy, len(latest),
                              latest[0][0], latest[-1][0], n, balanced=entropy >= BALANCED_SHARE * math.log(classes),
                              one_class=alone)
        value = int(counts[1].sum() > counts[0].sum())  # the commoner target over every label
        return TargetSkew(value, latest[0][4], float(counts[value].sum() / n), entropy, len(latest), latest[0][0],
                          latest[-1][0], n, binary=True, positions=latest[-1][7])


def _pooled_targets(latest: list) -> tuple[float, int, np.ndarray | None] | None:
    """The targets of ``latest`` loss reads pooled: (the loss a constant guess of them gets on the measure's own
    scale, how many were read, the counts per class, or per label and value, of a cross-entropy's or a binary
    one's). Where every read is of one kind: a cross-entropy's or binary cross-entropy's, over the same classes,
    SKEW_ROWS targets each or more (a binary one's, per label), their targets' counts read (the guess: their entropy,
    target_entropy, or the mean of each label's, labels_entropy); a squared error's, its targets read
    (squared_targets), SKEW_ROWS values each or more, alike in shape (the guess: each output's variance about its own
    mean, their mean). None otherwise."""
    kind = latest[0][5]
    if kind == "squared error":
        stats = [r[6] for r in latest]
        if any(r[5] != kind or r[6] is None or r[6][0].sum() < SKEW_ROWS for r in latest) or \
                len({x.shape for x in stats}) != 1:
            return None
        n, total, squares = sum(stats)
        seen = n > 1
        if not seen.any():
            return None
        mean = total[seen] / n[seen]
        variance = np.maximum(squares[seen] / n[seen] - mean * mean, 0.0)  # each output's, about its own mean
        return float(np.average(variance, weights=n[seen])), int(n.sum()), None
    # (a binary cross-entropy's read counts its outputs: its rows are those over its labels)
    if kind not in ("cross-entropy", "binary cross-entropy") or any(
            r[5] != kind or r[3] < SKEW_ROWS * (r[4] if kind != "cross-entropy" else 1) or r[6] is None
            or r[4] != latest[0][4] for r in latest):
        return None
    counts = sum(r[6] for r in latest)
    entropy = target_entropy(counts) if kind == "cross-entropy" else labels_entropy(counts)
    return entropy, int(counts.sum()), counts


SIGMOID_GIVEN_MIN = 32  # outputs a binary read needs, every one between 0 and 1, to count toward sigmoid_given
SIGMOID_GIVEN_READS = 2  # and binary reads in a row so
PROBABILITY_SUM = 1e-4  # rows of outputs that sum to 1 within this, each 0 or more, are probabilities (a softmax's)
# a cross-entropy's logits all 0 or more with at least this share exactly 0 were cut at 0 (a ReLU on the output
# layer's result: about half of them at a fresh initialisation; a model's own logits are never exactly 0 so often)
CLIPPED_LOGITS = 0.05
SOFT_FLOOR_SHARE = 0.05  # a soft-target floor under this share of chance is not said (_soft_floor_note)
SOFT_READ_MOST = 1 << 16  # an output of soft targets this small or smaller is read on every sampled step
# the reads of soft targets, and what their targets are in words
SOFT_KINDS = {"soft binary cross-entropy": "values between 0 and 1",
              "soft cross-entropy": "each row a spread of probability over the classes, as smoothed labels or a "
                                    "teacher's outputs are"}
SOFT_TOLERANCE = 1e-3  # how far out of [0, 1] a target read back may fall, and the loss given may be from the read one


def soft_binary_targets(z: np.ndarray, g: np.ndarray, loss: float, logits: bool,
                        mean: bool) -> tuple[float, float | None, np.ndarray] | None:
    """Under a binary cross-entropy whose form binary_form read (on logits or on probabilities, a mean or a sum): the
    targets t read back from the outputs z and their gradient g (logits: g = k (sigmoid(z) - t); probabilities: g = k
    (z - t) / (z (1 - z)); k = 1 / the values for a mean, 1 for a sum), checked to lie in [0, 1] and to give the loss
    back; (the mean binary cross-entropy, the targets' binary entropy on the loss's scale, its floor, the targets
    rounded to 0 or 1) where some target lies between 0 and 1; with a floor of None where every one is 0 or 1 (hard
    targets); None where a check fails."""
    n = z.size
    if not n or not math.isfinite(loss):
        return None
    k = 1.0 / n if mean else 1.0
    if logits:
        p, q = expit(z), expit(-z)
        t = p - g / k
    else:
        if (z < 0).any() or (z > 1).any():
            return None
        p, q = z, 1.0 - z
        t = z - g * z * q / k
    if not ((t >= -SOFT_TOLERANCE) & (t <= 1 + SOFT_TOLERANCE)).all():
        return None
    t = np.clip(t, 0.0, 1.0)
    # each value's loss as torch takes it: logs clamped at -100 on probabilities; softplus(z) - t z on logits
    if logits:
        each = np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0) - t * z
    else:
        log_p, log_q = (np.maximum(np.log(np.maximum(v, 1e-300)), -100) for v in (p, q))
        each = -(t * log_p + (1 - t) * log_q)
    if not abs(loss - k * float(each.sum())) <= SOFT_TOLERANCE * max(loss, 1e-12):
        return None
    inside = (t > SOFT_TOLERANCE) & (t < 1 - SOFT_TOLERANCE)
    target = (t >= 0.5).astype(int)
    if not inside.any():
        return float(each.mean()), None, target
    u = t[inside]
    floor = k * float(-(u * np.log(u) + (1 - u) * np.log1p(-u)).sum())  # (on the loss's scale: a mean or a sum)
    return float(each.mean()), floor, target


def read_soft_cross_entropy(z: np.ndarray, g: np.ndarray, loss: float) -> tuple[float, float, int] | None:
    """Under a cross-entropy of logits ``z`` (rows, classes) against soft targets q (each row's probabilities: smoothed
    labels, a teacher's outputs), a mean over the rows or a sum: the gradient is k (softmax(z) - q), k = 1 / the rows
    (a mean; the rows whose gradient is not all 0, where some targets are ignored) or 1 (a sum). The targets read back
    for each k, q = p - g / k, must lie in [0, 1] (each row of g summing to 0) and give the loss back, k times the
    sum of their cross-entropies; no other factor is taken (a KL divergence, or a loss times T^2, fails the check and
    is not read). Returns (the mean cross-entropy, the targets' own entropy on the loss's scale, the rows read) where
    some row is not one class alone, else None."""
    live = np.abs(g).sum(axis=1) > 0
    rows = int(live.sum())
    if rows == 0 or not math.isfinite(loss) or loss <= 0:
        return None
    z, g = z[live], g[live]
    if not (np.abs(g.sum(axis=1)) <= RATIO_TOLERANCE * np.abs(g).sum(axis=1)).all():
        return None  # no cross-entropy of a softmax: each row's gradient sums to 0 there
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    p = np.exp(log_p)
    for k in dict.fromkeys((1.0 / rows, 1.0 / len(live), 1.0)):
        q = p - g / k
        if not ((q >= -SOFT_TOLERANCE) & (q <= 1 + SOFT_TOLERANCE)).all():
            continue
        q = np.clip(q, 0.0, 1.0)
        each = -(q * log_p).sum(axis=1)
        if not abs(loss - k * float(each.sum())) <= SOFT_TOLERANCE * loss:
            continue
        if not (q.max(axis=1) < 1 - SOFT_TOLERANCE).any():
            return None  # one class a row: a hard target's cross-entropy (read_cross_entropy's)
        safe = np.where(q > 0, q, 1.0)
        floor = k * float(-(q * np.log(safe)).sum())
        return float(each.mean()), floor, rows
    return None


def squared_targets(z: np.ndarray, g: np.ndarray, s: float, eps: float) -> np.ndarray | None:
    """Under a loss s sum (a - t)^2 of the outputs z (rows, outputs), whose gradient g is 2 s (a - t): the targets t = a
    - g / (2 s) of the outputs the loss reads (those with a gradient), as each output's count, sum and sum of squares
    over the rows (shape (3, outputs)), in float64; None where none is read, or where the outputs are so large beside
    the targets' spread that the difference loses it: each t carries about eps (the outputs' dtype's) times |a| of
    rounding, and that must be under 1/1000 of their spread (a run blowing up, outputs near 1e11 against targets
    spread by 9.4, read a variance of 4.5e7 where it was 88)."""
    if not s > 0:
        return None
    read = g != 0
    if not read.any():
        return None
    t = np.where(read, z - g / (2 * s), 0.0)
    if not 1e3 * eps * float(np.abs(z[read]).max()) <= float(t[read].std()):
        return None
    return np.stack([read.sum(axis=0), t.sum(axis=0), (t * t).sum(axis=0)]).astype(np.float64)


def read_squared_error(g: np.ndarray, loss: float) -> tuple[float, float, int] | None:
    """For a loss whose autograd graph is s times a sum of squared differences of the outputs and values that need no
    gradient (_monitor_head.squared_error_form): the gradient at each output is 2 s (a - t) and the loss s sum (a -
    t)^2, so s = sum(g^2) / (4 L), and the loss is c = s n times the mean squared error over the n outputs the loss
    reads (those with a gradient). (c, that mean, n); None where nothing is read."""
    used = int((g != 0).sum())
    if not (used and math.isfinite(loss) and loss > 0):
        return None
    c = float((g * g).sum()) / (4 * loss) * used
    if not (c > 0 and math.isfinite(c)):
        return None
    return c, loss / c, used

