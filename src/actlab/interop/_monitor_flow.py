"""Which weighted module's output feeds which, read from the autograd graph of a sampled step's forward: where one
layer's output reaches the next with no watched activation between, an activation applied by other means may hide.

Part of actlab.torch (interop/torch.py holds the Monitor, whose weighted modules' pre-hooks ask here)."""

from __future__ import annotations

import re

# graph nodes past which no single layer's output reaches a later one as it is: normalisations, softmax and attention
# (each output mixes many units), pooling, lookups and sorts, and torch.utils.checkpoint's node (use_reentrant=True),
# which stands for a whole block of layers. A node with several inputs from other sources (a residual
# sum, a gate's product, q @ k) mixes them too (_Flow.producer)
_MIXING = re.compile(r"Norm|Softmax|Softmin|Attention|Pool|Embedding|Sort|Topk|Gather|Index|Scatter|Checkpoint")
# a weight reaches its module's op through these (Linear's weight through a transpose)
_WEIGHT_PATH = ("TBackward0", "TransposeBackward0", "PermuteBackward0", "ViewBackward0", "ToCopyBackward0")
_OTHER = "\0other"  # a source that is not a weighted module: an activation, a mixing op
_LIMIT = 5000  # graph nodes looked at per sampled step, at most: past that no pair is claimed
COMPUTED_NODES = 64  # the nodes of a computed weight's own graph looked at, at most (_Flow._made_from)


class _Flow:
    """The producers of weighted modules' inputs on one forward: a node's sources are the weighted modules whose output
    reaches it through no watched activation and no mixing node; a module whose input has exactly one source is fed
    by that module alone."""

    def __init__(self, weights: dict[int, str], computed: dict[int, str] | None = None):
        self.weights = weights  # id of each weighted module's weight -> the module's name
        # where a module's weight is computed as it runs (pruning's weight_orig times a mask, a parametrization):
        # id of each parameter it is made from -> the module's name. Its op takes the computed weight, the end of
        # a small graph of its own whose only leaves are those parameters (_made_from); the nodes of that graph
        # are no op of the module (W93 walkthrough: weight_norm's node, taking its two parameters, read as a head)
        self.computed = computed or {}
        self.made: dict = {}  # a node -> the module whose computed weight it is, or None (_made_from)
        self.activations: set = set()  # the graph nodes that made watched places' outputs on this forward
        self.memo: dict = {}
        self.looked = 0
        self.softmax_at: list[tuple[str, int]] = []  # each softmax module's call: (name, weighted modules run before)

    def _owner(self, node) -> str | None:
        """The weighted module whose op this node is: one of its inputs is the module's weight (a leaf), directly or
        through a transpose or view."""
        for fn, _ in node.next_functions:
            if fn is None:
                continue
            name = type(fn).__name__
            if name == "AccumulateGrad":
                owner = self.weights.get(id(fn.variable))
                if owner is not None:
                    return owner
            elif name in _WEIGHT_PATH:
                for inner, _ in fn.next_functions:
                    if inner is not None and type(inner).__name__ == "AccumulateGrad":
                        owner = self.weights.get(id(inner.variable))
                        if owner is not None:
                            return owner
            if self.computed and name != "AccumulateGrad":
                owner = self._made_from(fn)
                if owner is not None:
                    return owner
        return None

    def _made_from(self, node) -> str | None:
        """The module whose computed weight ``node`` makes: every leaf it reaches, within COMPUTED_NODES nodes, is a
        parameter that module's weight is made from (and no watched activation is on the way); None otherwise."""
        if node in self.made:
            return self.made[node]
        owner, seen, stack = None, set(), [node]
        while stack:
            fn = stack.pop()
            if fn in seen:
                continue
            seen.add(fn)
            if len(seen) > COMPUTED_NODES or fn in self.activations:
                owner = None
                break
            if type(fn).__name__ == "AccumulateGrad":
                found = self.computed.get(id(fn.variable))
                if found is None or (owner is not None and found != owner):
                    owner = None
                    break
                owner = found
                continue
            stack.extend(inner for inner, _ in fn.next_functions if inner is not None)
        self.made[node] = owner
        return owner

    def _terminal(self, node) -> frozenset | None:
        if type(node).__name__ == "AccumulateGrad":  # a parameter or leaf tensor added in: no layer's output
            return frozenset()
        owner = self._owner(node)
        if owner is not None:
            return frozenset((owner,))
        if node in self.activations:
            return frozenset((_OTHER,))
        name = type(node).__name__
        if _MIXING.search(name):
            return frozenset((_OTHER,))
        return None

    def sources(self, root) -> frozenset:
        """The weighted modules (and _OTHER) whose output reaches ``root`` through nodes that pass one layer's output
        on (views, dropout, scaling, an op of no known kind such as a custom autograd Function): walked without
        recursion, each node once per forward."""
        memo = self.memo
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in memo:
                continue
            if not expanded:
                self.looked += 1
                if self.looked > _LIMIT:
                    return frozenset((_OTHER,))
                found = self._terminal(node)
                if found is not None:
                    memo[node] = found
                    continue
                stack.append((node, True))
                stack.extend((fn, False) for fn, _ in node.next_functions if fn is not None and fn not in memo)
            else:
                memo[node] = frozenset().union(*(memo.get(fn, frozenset((_OTHER,)))
                                                 for fn, _ in node.next_functions if fn is not None))
        return memo[root]

    def producer(self, t) -> str | None:
        """The one weighted module whose output alone reaches tensor t with no watched activation or mixing op on the
        way; None where there is none or several (or t needs no gradient, so the graph says nothing)."""
        node = getattr(t, "grad_fn", None)
        if node is None:
            return None
        found = self.sources(node)
        return next(iter(found)) if len(found) == 1 and _OTHER not in found else None

    def upstream(self, t, names: set[str]) -> set[str] | None:
        """Which of the weighted modules ``names`` (run after the last watched activation so far) made something
        tensor t is computed from, through any op, mixing ones too (a residual sum, a LayerNorm): the walk stops at
        watched activations (made before those modules ran) and at leaves. None where it cannot say: t needs no
        gradient (no graph), or the walk passed _LIMIT nodes before finding them all."""
        node = getattr(t, "grad_fn", None)
        if node is None:
            return None
        found: set[str] = set()
        hidden = []  # torch.utils.checkpoint's nodes met (use_reentrant=True): the block's own ops are not in the graph

        def stop(node) -> bool:  # at watched activations; everywhere once every name was found
            if found == names or node in self.activations:
                return True
            if "Checkpoint" in type(node).__name__:
                hidden.append(node)
            owner = self._owner(node)
            if owner in names:
                found.add(owner)
            return False

        if not _walk([node], set(), stop) and found != names:
            return None
        # a module not found behind a checkpoint's node may have run inside it, out of the graph: it cannot be told
        # (W70 walkthrough finding 2: under use_reentrant=True 'blocks.2.ff.down' -> residual -> norm -> 'head' read as
        # heads side by side, and W/out was taken against 'ff.down', 0.177 where 0.298 without the checkpoint)
        return None if hidden and found != names else found

    def loss_heads(self, loss) -> tuple[str, ...] | None:
        """The heads that compute the loss: the weighted modules whose output reaches it through no other weighted
        module's op, of which none feeds another (a penalty on a hidden layer's activations reaches the loss from a
        module that feeds the head, and is no head); in the order first met. None where the graph cannot say (a loss
        with no graph, or more than _LIMIT nodes to look at). An op of a module takes its weight and something else;
        a penalty on the weight alone ((w ** 2).sum()) is no op of the module."""
        root = getattr(loss, "grad_fn", None)
        if root is None:
            return None
        found: dict[str, list] = {}

        def head(node) -> bool:  # a module's op: a head met, and the walk stops there
            owner = self._owner(node) if len(node.next_functions) >= 2 else None
            if owner is not None:
                found.setdefault(owner, []).append(node)
            return owner is not None

        if not _walk([root], set(), head):
            return None
        if len(found) < 2:
            return tuple(found)
        nodes = {node: name for name, held in found.items() for node in held}
        fed = set()  # the candidates that feed another: met among the ancestors of another's op
        for name, held in found.items():
            def other(node, name=name) -> bool:
                if nodes.get(node, name) != name:
                    fed.add(nodes[node])
                return False
            if not _walk([fn for node in held for fn, _ in node.next_functions if fn is not None], set(held), other):
                return None
        return tuple(n for n in found if n not in fed)


def _walk(stack: list, seen: set, stop) -> bool:
    """Every graph node reachable from ``stack`` (leaves' AccumulateGrad nodes not entered), each once, past those in
    ``seen``; ``stop(node)`` is called on each and ends the walk there where it returns True. False where more than
    _LIMIT nodes were seen."""
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if len(seen) > _LIMIT:
            return False
        if type(node).__name__ == "AccumulateGrad" or stop(node):
            continue
        stack.extend(fn for fn, _ in node.next_functions if fn is not None and fn not in seen)
    return True
