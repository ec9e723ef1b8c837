"""What the PyTorch monitor costs a training step, against an A/A baseline in the same run.

Two models, one thread: (a) an 8 x [Linear(256, 256), ReLU] MLP, batch 128; (b) a 4-layer TransformerEncoder with
nn.GELU, d_model 128, batch 16, sequence 64. Each round runs one step of every variant in a rotating order, so a
slow patch of the shared machine lands on all of them alike. A rotation keeps the variants' cyclic order, so each one
mostly runs right after the same other one (every=10 after every=1's sampled step, every=1 after the bare A'), and a
step pays for what ran just before it: --order shuffle draws each round's order afresh (seeded). Rotated, every=1
always follows a bare step and --before's variant follows auto's (mostly unsampled) one; two identical every=1
monitors in one rotation, one after the bare step and one after the other (400 rounds, load 8.7), read 95 us a step
(1.7%) apart, and 31 us shuffled (load 6.5). So the rotated 'every=1 now against REV's' may lean against now by about
that much (one run each; not measured with auto's step in front), and --order shuffle gives both any place. At P1's
end every=1 read +32.1% [32.0, 35.3] rotated and +29.5% [29.1, 31.9] shuffled (3 x 150 rounds each, load 2.4-2.6).
On the MLP, CPU time, 3 x 300 rounds: every=10's unsampled steps +0.5% and +0.2% against A shuffled (load 3.7,
5.0-5.5), +1.4% and +2.5% rotated (load 4.1-4.9); every=1 +34.5% and +32.3% shuffled, +27.7% and +29.0% rotated.
Variants: the bare step twice (A and A', whose difference is the noise floor), the monitor sampling every step
(debug), every 10th step, and every="auto". Each variant trains its own copy of the model (same seed, same weights)
with its own SGD optimiser, and each timed step is a whole training step, opt.step() included, so that the monitor's
work at the optimiser's step (the learning rates, the clipping check, the zeroing probe) is counted; until
2026-12-06 the variants shared one model and stepped no optimiser, and that work went unmeasured.

Each timed step is marked sampled or not (the monitor's sampled_steps before and after it), and the two kinds are
summarised apart:
- unsampled: the median of the variant's unsampled steps against A's median. (A median over all of a variant's
  steps is biased upwards by its sampled steps: with 1 step in 12 sampled it is the 55th percentile of the
  unsampled ones, which read +1% against A on a quiet machine while an unsampled step costs about 2 us.)
- sampled: the median of its sampled steps minus A's median, per monitored layer (every=1: all of its steps).
- amortised: what the variant costs over all its steps, each kind by its own trimmed mean (5% off each end)
  weighted by how many steps were of that kind, against A's trimmed mean. A trimmed mean over all steps at once
  would cut the sampled steps themselves (they are the slowest 5-10% under every=10 or auto).
CPU time (process_time) is printed beside wall time, with the load average before and after, since on a shared
machine wall time also counts waiting for a core. --repeat R runs the whole comparison R times and prints the median
and range of each overhead over the runs. --before REV adds the monitor as committed at git revision REV (loaded
from `git show`, every step sampled) to the same rotation, so a change is measured against its predecessor in one
process, under the same load; --monitor REV measures every variant with REV's monitor instead of the working tree's
(the same bench on the old code).
--floor prints instead a ladder of what a sampled step's pieces cost (floor()): a hook that does nothing, the
gradient pre-hook, the dot products, the activation's sums, the weight norms and transfer, and the Monitor above them.
--compile eager|inductor runs every variant, bare and monitored, through torch.compile(model, backend=...) and prints
the warm-up's wall time per variant (where the compiling happens: inductor compiles the monitored step's graph, cut
at each hook, apart from the bare one) beside the step times.
Run: python bench/torch_monitor.py [--steps 100] [--repeat 3] [--models mlp,transformer] [--before HEAD]
         [--monitor HEAD] [--order rotate|shuffle] [--compile none|eager|inductor] [--floor]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import torch
from torch import nn

from actlab import reading_loss
from actlab.interop import _torch_stats
from actlab.interop._monitor_base import JUDGED_STEPS
from actlab.torch import Monitor


def mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    layers = [m for _ in range(8) for m in (nn.Linear(256, 256), nn.ReLU())]
    return nn.Sequential(*layers, nn.Linear(256, 1)), torch.randn(128, 256), torch.randn(128, 1)


def transformer() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(128, 4, 512, activation=nn.GELU(), batch_first=True, dropout=0.0)
    return nn.TransformerEncoder(layer, 4, enable_nested_tensor=False), torch.randn(16, 64, 128), \
        torch.randn(16, 64, 128)


MODELS = {"mlp": ("MLP 8 x [Linear(256, 256), ReLU], batch 128", mlp),
          "transformer": ("TransformerEncoder 4 layers, nn.GELU, d_model 128, batch 16, seq 64", transformer)}


def monitor_at(rev: str, tag: str) -> type:
    """The Monitor class as committed at ``rev``, loaded beside the current one: every module of
    src/actlab/interop/ at that revision is copied into a package of its own, ``actlab._at_<tag>``, a sibling of
    actlab.interop, so that its relative imports resolve to its own siblings (the monitor's parts) and to today's
    core (``..activations``). Works for revisions before and after the monitor was split into parts."""
    root = Path(__file__).resolve().parent.parent
    listing = subprocess.run(["git", "ls-tree", "--name-only", rev, "src/actlab/interop/"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.split()
    folder = Path(tempfile.mkdtemp())
    for path in listing:
        if path.endswith(".py"):
            source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=root, check=True, capture_output=True,
                                    text=True).stdout
            (folder / Path(path).name).write_text(source)
    name = f"actlab._at_{tag}"
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    module = importlib.import_module(f"{name}.torch")
    stats = importlib.import_module(f"{name}._torch_stats")
    loader = getattr(stats, "_loader", None)
    if loader is not None and (folder / "_torch_stats_numba.py").exists():
        # its own kernels, not today's: the loader names them by their absolute module path, which would import
        # the working tree's (whose functions may take other arguments than the old monitor passes)
        loader.target = f"{name}._torch_stats_numba"
    if hasattr(stats, "preload"):  # its own copy of the kernels' loader: loaded before timing, like today's
        stats.preload()
        if hasattr(stats, "wait"):
            stats.wait()
    return module.Monitor


def _trimmed(v: list[float]) -> float:
    v = sorted(v)
    cut = len(v) // 20
    return statistics.fmean(v[cut:len(v) - cut] if cut else v)


def _amortised(times: list[float], sampled: list[bool]) -> float:
    """The mean step time, each kind of step (sampled, unsampled) by its own trimmed mean, weighted by its count."""
    kinds = [[t for t, s in zip(times, sampled, strict=True) if s == kind] for kind in (False, True)]
    return sum(len(k) * _trimmed(k) for k in kinds if k) / len(times)


def run(factory, steps: int, before: type | None = None, monitor: type = Monitor, shuffle: bool = False,
        backend: str | None = None) -> dict:
    """One interleaved comparison; returns each variant's overheads against A and the per-layer sampled cost. With a
    backend ('eager', 'inductor'), every variant calls torch.compile(model, backend=backend) and each monitor is
    given that compiled model; the warm-up round's wall time per variant (where the compiling happens) is returned
    apart from the step times."""
    # each variant trains its own copy of the model (the same seed: the same weights) with its own optimiser, and a
    # step is a whole training step, opt.step() included: the monitor's work at the optimiser's step (the learning
    # rates, the clipping check, the zeroing probe) is part of what a sampled step costs, and a bare step on a model
    # of its own pays no monitor's hook (before 2026-12-06 the variants shared one model and stepped no optimiser)
    kits = {}

    def kit(key: str) -> tuple:
        model, x, y = factory()
        opt = torch.optim.SGD(model.parameters(), lr=1e-4)
        kits[key] = (torch.compile(model, backend=backend) if backend else model, x, y, opt)
        return kits[key]

    def bare(key: str):
        called, x, y, opt = kit(key)

        def step() -> None:
            loss = ((called(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        return step

    def watched(key: str, make) -> tuple:
        called, x, y, opt = kit(key)
        mon = make(called)

        def step() -> None:
            with mon.step() as s:
                loss = ((called(x) - y) ** 2).mean()
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad(set_to_none=True)
        return mon, step

    makers = {"every=1": lambda m: monitor(m, every=1), "every=10": lambda m: monitor(m, every=10),
              "auto": lambda m: monitor(m, every="auto", budget=0.03)}
    if before is not None:
        makers["before:1"] = lambda m: before(m, every=1)
    variants = {"A": bare("A"), "A'": bare("A'")}
    monitors = {}
    for key, make in makers.items():
        monitors[key], variants[key] = watched(key, make)
    _torch_stats.wait(120)  # the compiled passes load in the background: time them, not torch's path
    # the noise bound's tables, one per window size, made on first use (0.2-0.4 s in all, over the first JUDGED_STEPS
    # sampled steps of a process, shared by every monitor in it): made here, so that the steady state is what is timed
    # and no variant pays them for the others (main() prints what they cost)
    for n in range(2, JUDGED_STEPS + 1):
        reading_loss._pivot(n)
    wall = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    sampled = {k: [] for k in variants}
    warm = dict.fromkeys(variants, 0.0)  # wall seconds of each variant's warm-up steps (the compiling, if any)
    # compiled, the monitors go first (every=1 first, whose first step is sampled): a model compiled before any of
    # the monitor's hooks was attached keeps running the graph compiled without them (Dynamo does not guard on
    # module hooks by default: torch._dynamo.config.skip_nnmodule_hook_guards), and the monitor sees no layer at all
    warm_order = sorted(variants, key=lambda k: k not in monitors) if backend else list(variants)
    for _ in range(5):  # warm-up: allocator, first-call paths, torch.compile's compiling
        for k in warm_order:
            fn = variants[k]
            w0 = time.perf_counter()
            fn()
            warm[k] += time.perf_counter() - w0
    keys = list(variants)
    load = [os.getloadavg()[0]]
    for i in range(steps):
        order = random.Random(i).sample(keys, len(keys)) if shuffle else keys[i % len(keys):] + keys[:i % len(keys)]
        for k in order:
            mon = monitors.get(k)
            before_count = mon.sampled_steps if mon is not None else 0
            w0, c0 = time.perf_counter(), time.process_time()
            variants[k]()
            wall[k].append(time.perf_counter() - w0)
            cpu[k].append(time.process_time() - c0)
            sampled[k].append(mon is not None and mon.sampled_steps > before_count)
    load.append(os.getloadavg()[0])
    n_layers = len(monitors["every=1"].report().layers)
    out = {"load": load, "layers": n_layers, "auto_every": monitors["auto"].every, "warm_s": warm,
           "bare_wall_ms": statistics.median(wall["A"]) * 1e3, "bare_cpu_ms": statistics.median(cpu["A"]) * 1e3}
    for k in keys:
        out[k] = {}
        for clock, times in (("cpu", cpu), ("wall", wall)):
            base = statistics.median(times["A"])
            plain = [t for t, s in zip(times[k], sampled[k], strict=True) if not s]
            hooked = [t for t, s in zip(times[k], sampled[k], strict=True) if s]
            out[k][f"unsampled_{clock}"] = statistics.median(plain) / base - 1 if plain else None
            out[k][f"unsampled_us_{clock}"] = (statistics.median(plain) - base) * 1e6 if plain else None
            out[k][f"sampled_us_per_layer_{clock}"] = ((statistics.median(hooked) - base) * 1e6 / max(n_layers, 1)
                                                       if hooked else None)
            out[k][f"amortised_{clock}"] = _amortised(times[k], sampled[k]) / _trimmed(times["A"]) - 1
        out[k]["sampled_share"] = sum(sampled[k]) / len(sampled[k])
    if before is not None:
        # the change itself: every=1 now against every=1 before, per step
        out["now/before cpu"] = statistics.median(cpu["every=1"]) / statistics.median(cpu["before:1"]) - 1
    return out


def floor(factory, rounds: int) -> None:
    """Where a sampled step's time goes, as a ladder: each variant adds one piece of the monitor's work, written as
    plainly as it can be (the same torch calls, no bookkeeping), and the last is the Monitor itself. The rungs:
    a forward hook on each activation module that does nothing; a pre-hook on the node that made its output (how
    ||dL/da|| is taken); the dot product for ||dL/da||^2; the activation's own sums (ReLU: counts of a > 0 and sums
    of a per unit, the sum of a^2; GELU: f' by torch's gelu_backward, then |f'| per unit, the count of nonzero f',
    |a| per unit, a^2, the sum of a); the same sums as the Monitor makes them on a CPU with numba (GELU: f' by
    gelu_backward, then one compiled pass over f' and one over a; ReLU: relu_sums over its output and the gradient
    reaching it, in its node's pre-hook); the weight-gradient norms and the
    one transfer to the host. What the Monitor
    costs above the last rung is its bookkeeping (places, the structure, dead history, non-finite checks)."""
    model, x, y = factory()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    acts = [m for m in model.modules() if isinstance(m, nn.ReLU | nn.GELU)]
    weights = [m.weight for m in model.modules() if isinstance(getattr(m, "weight", None), torch.Tensor)
               and m.weight.dim() >= 2]
    aten = torch.ops.aten
    key, found = object(), []
    buffers: dict = {}

    def buffer(kind, t):
        held = buffers.get((kind, t.shape))
        if held is None:
            held = buffers[(kind, t.shape)] = (torch.ones_like if kind == "ones" else torch.empty_like)(t)
        return held

    def bare() -> None:
        ((model(x) - y) ** 2).mean().backward()
        opt.zero_grad(set_to_none=True)

    def hooked(post, transfer=False):
        def step() -> None:
            found.clear()
            for m in acts:
                m._forward_hooks[key] = post
            ((model(x) - y) ** 2).mean().backward()
            for m in acts:
                m._forward_hooks.pop(key)
            if transfer:
                norms = torch._foreach_norm([w.grad for w in weights])
                per_unit = [t for t in found if t.dim() == 1]
                torch.cat(per_unit + [torch.stack([t for t in found if t.dim() == 0] + list(norms))]).numpy()
            opt.zero_grad(set_to_none=True)
        return step

    def nothing(module, inputs, output):
        return None

    def node_only(module, inputs, output):
        output.grad_fn.register_prehook(lambda grads: None)

    def node_dot(module, inputs, output):
        def pre(grads):
            g = grads[0].reshape(-1)
            found.append(torch.dot(g, g))
        output.grad_fn.register_prehook(pre)

    def sums(module, inputs, output):
        a = output.detach()
        a = a.reshape(-1, a.shape[-1])
        if isinstance(module, nn.GELU):
            z = inputs[0].detach().reshape(-1, a.shape[-1])
            d = aten.gelu_backward.grad_input(buffer("ones", z), z, approximate="none", grad_input=buffer("s", z))
            found.extend([d.abs_().sum(0), d.sign_().sum()])
            flat = a.reshape(-1)
            found.extend([torch.abs(a, out=buffer("s", a)).sum(0), torch.dot(flat, flat), a.sum()])

        def pre(grads):
            if isinstance(module, nn.ReLU):
                flat = a.reshape(-1)
                found.extend([torch.sign(a, out=buffer("s", a)).sum(0), a.sum(0), torch.dot(flat, flat)])
            g = grads[0].reshape(-1)
            found.append(torch.dot(g, g))
        output.grad_fn.register_prehook(pre)

    mon = Monitor(model, every=1)  # a CPU model: this loads the compiled passes (numba) where they are installed,
    _torch_stats.wait(120)  # in a background thread: wait for it, or the rung times torch's path
    kernels = _torch_stats.kernels()

    def compiled(module, inputs, output):
        """The same sums as the monitor makes them on a CPU with numba: GELU's f' by torch, then one compiled pass
        over f' and one over a; ReLU's output and the gradient reaching it in one pass (relu_sums) as backward
        reaches ReLU's node, into buffers made once."""
        if isinstance(module, nn.ReLU) and kernels is not None and hasattr(kernels, "relu_sums"):
            a = output.detach()
            v = a.reshape(-1, a.shape[-1]).numpy()
            w = v.shape[1]
            held = buffers.get(("relu", id(module)))
            if held is None:
                host = torch.zeros(2 * w + 2, dtype=torch.float64)
                held = buffers[("relu", id(module))] = (host, host.numpy(), host[:w], host[w:2 * w], host[2 * w:])

            def relu_pre(grads):
                g = grads[0]
                gv = g.reshape(-1, w).numpy() if g.is_contiguous() else v[:0]
                _, h, on, total, squares = held
                kernels.relu_sums(v, gv, h[:w], h[w:2 * w], h[2 * w:])
                found.extend([on, total, squares])
            output.grad_fn.register_prehook(relu_pre)
            return None
        if not isinstance(module, nn.GELU) or kernels is None:
            return sums(module, inputs, output)
        a = output.detach()
        a = a.reshape(-1, a.shape[-1])
        w = a.shape[-1]
        z = inputs[0].detach().reshape(-1, w)
        d = aten.gelu_backward.grad_input(buffer("ones", z), z, approximate="none", grad_input=buffer("s", z))
        dbuf, abuf = torch.empty(w + 1), torch.empty(2 * w + 2)
        kernels.derivative_sums(d.numpy(), False, dbuf.numpy())
        kernels.output_sums(a.numpy(), False, 0, 0.0, abuf.numpy())
        found.extend([dbuf[:w], dbuf[w], abuf[:w], abuf[2 * w], abuf[2 * w + 1]])

        def pre(grads):
            g = grads[0].reshape(-1)
            found.append(torch.dot(g, g))
        output.grad_fn.register_prehook(pre)

    def monitored() -> None:
        with mon.step() as s:
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            s.loss = loss
        opt.zero_grad(set_to_none=True)

    variants = {"bare": bare, "bare again (A/A)": bare, "+ a forward hook doing nothing": hooked(nothing),
                "+ a pre-hook on the output's node": hooked(node_only), "+ ||dL/da||^2 (one dot)": hooked(node_dot),
                "+ the activation's sums (torch)": hooked(sums),
                "+ the sums as the Monitor makes them": hooked(compiled),
                "+ weight norms, one transfer": hooked(compiled, True),
                "Monitor(every=1)": monitored}
    for _ in range(5):
        for fn in variants.values():
            fn()
    keys = list(variants)
    times = {k: [] for k in keys}
    load = [os.getloadavg()[0]]
    for i in range(rounds):
        for k in keys[i % len(keys):] + keys[:i % len(keys)]:
            c0 = time.process_time()
            variants[k]()
            times[k].append(time.process_time() - c0)
    load.append(os.getloadavg()[0])
    base = statistics.median(times["bare"])
    print(f"  {rounds} interleaved rounds, {len(acts)} activation modules, CPU time medians, load average "
          f"{min(load):.1f}-{max(load):.1f}")
    for k in keys:
        m = statistics.median(times[k])
        print(f"  {k:<36} {m * 1e3:8.2f} ms {m / base - 1:+7.1%} {(m - base) * 1e6 / len(acts):8.0f} us per layer")


def _span(values: list, pct: bool = True) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    fmt = (lambda v: f"{v:+.1%}") if pct else (lambda v: f"{v:.0f}")
    med = statistics.median(values)
    return fmt(med) if len(values) == 1 else f"{fmt(med)} [{fmt(min(values))}, {fmt(max(values))}]"


def _secs(values: list[float]) -> str:
    med = statistics.median(values)
    return f"{med:.2f}" if len(values) == 1 else f"{med:.2f} [{min(values):.2f}, {max(values):.2f}]"


def main() -> None:
    # the variants' monitors step one model in turn on purpose: the monitor's warning of that is no news here
    warnings.filterwarnings("ignore", message="actlab Monitor: .* this model too", category=RuntimeWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="interleaved rounds per model and run (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="whole comparisons per model (default 1)")
    parser.add_argument("--models", default="mlp,transformer", help="comma-separated: mlp, transformer")
    parser.add_argument("--before", default=None, help="a git revision: its monitor joins the rotation as before:1")
    parser.add_argument("--monitor", default=None, help="a git revision: every variant uses its monitor")
    parser.add_argument("--order", choices=("rotate", "shuffle"), default="rotate", help="each round's order of the "
                        "variants: rotated (the default, as earlier figures were measured) or drawn afresh (seeded)")
    parser.add_argument("--compile", choices=("none", "eager", "inductor"), default="none", help="torch.compile the "
                        "model with this backend for every variant (bare and monitored alike); the compile time, "
                        "taken in the warm-up, is printed apart from the step times")
    parser.add_argument("--floor", action="store_true", help="the cost ladder instead (see floor()): each piece of "
                        "the work alone, then the Monitor; --steps rounds per model")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.floor:
        for key in args.models.split(","):
            title, factory = MODELS[key]
            print(f"\n{title}: every=1, the cost ladder")
            floor(factory, args.steps)
        return
    # a one-off of the process, outside the steady state the rounds time: the noise bound's tables (run() makes them
    # before timing)
    c0 = time.process_time()
    for n in range(2, JUDGED_STEPS + 1):
        reading_loss._pivot(n)
    print(f"one-off per process, not in the figures below: the noise bound's tables for windows of 2 to {JUDGED_STEPS} "
          f"losses, {time.process_time() - c0:.2f} s CPU (made over the first {JUDGED_STEPS} sampled steps)")
    before = monitor_at(args.before, "before") if args.before else None
    monitor = monitor_at(args.monitor, "measured") if args.monitor else Monitor
    if args.monitor:
        print(f"monitor: src/actlab/interop/torch.py as committed at {args.monitor}")
    for key in args.models.split(","):
        title, factory = MODELS[key]
        backend = None if args.compile == "none" else args.compile
        runs = []
        for _ in range(args.repeat):
            if backend:
                torch._dynamo.reset()  # each run compiles afresh, so that each reports its compile time
            runs.append(run(factory, args.steps, before, monitor, args.order == "shuffle", backend))
        loads = [v for r in runs for v in r["load"]]
        if backend:
            title += f", torch.compile(backend='{backend}')"
        print(f"\n{title}: {args.steps} rounds x {args.repeat} run(s) ({args.order}d order), {runs[0]['layers']} "
              f"monitored layers, "
              f"bare step median {_span([r['bare_wall_ms'] for r in runs], False)} ms wall / "
              f"{_span([r['bare_cpu_ms'] for r in runs], False)} ms CPU, load average "
              f"{min(loads):.1f}-{max(loads):.1f}, auto chose every={[r['auto_every'] for r in runs]}")
        print("overheads against A: median [range over runs]; unsampled: median of the unsampled steps; amortised: "
              "all steps")
        print(f"{'variant':<9} {'sampled':>7} {'unsampled cpu':>26} {'unsampled wall':>26} {'amortised cpu':>26} "
              f"{'amortised wall':>26}")
        for k in ("A'", "every=1", "every=10", "auto") + (("before:1",) if before else ()):
            share = statistics.median(r[k]["sampled_share"] for r in runs)
            print(f"{k:<9} {share:>7.1%} " + " ".join(f"{_span([r[k][m] for r in runs]):>26}" for m in
                                                     ("unsampled_cpu", "unsampled_wall", "amortised_cpu",
                                                      "amortised_wall")))
        print("an unsampled step against A, in us CPU: " + "; ".join(
            f"{k} {_span([r[k]['unsampled_us_cpu'] for r in runs], False)}" for k in ("A'", "every=10", "auto")))
        print("a sampled step adds, per monitored layer, in us CPU (wall): " + "; ".join(
            f"{k} {_span([r[k]['sampled_us_per_layer_cpu'] for r in runs], False)} "
            f"({_span([r[k]['sampled_us_per_layer_wall'] for r in runs], False)})"
            for k in ("every=1", "every=10", "auto")))
        if backend:
            print("warm-up, 5 steps per variant (the compiling), wall seconds: " + "; ".join(
                f"{k} {_secs([r['warm_s'][k] for r in runs])}"
                for k in runs[0]["warm_s"]))
        if before:
            print(f"{args.before}'s monitor adds "
                  f"{_span([r['before:1']['sampled_us_per_layer_cpu'] for r in runs], False)} us CPU per layer; "
                  f"every=1 now against {args.before}'s, per-step CPU: {_span([r['now/before cpu'] for r in runs])}")


if __name__ == "__main__":
    main()
