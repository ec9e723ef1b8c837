"""The watch on torch.compile: Dynamo tells every monitor as it begins compiling a frame, and a compile inside an
unsampled step makes that step sampled, so that the code it compiles calls the monitor's hooks on later sampled steps
(code Dynamo compiles with no hook attached never calls one: it does not guard on module hooks).

One part of the Monitor class (interop/torch.py), kept apart because it is one idea: Monitor inherits _CompileWatch,
whose method reads and writes the Monitor's own attributes, and adds itself to _MONITORS when it is made; each step
puts _compile_started among Dynamo's callbacks where it is missing (_watch_compiles)."""

from __future__ import annotations

import warnings
import weakref

# the monitors a compile by torch.compile is told to (_compile_started), and Dynamo's list of callbacks to call as a
# compile starts (torch.compiler.reset() empties it: each step puts _compile_started back if it is missing)
_MONITORS: weakref.WeakSet = weakref.WeakSet()
_START_CALLBACKS: list = []


def _compile_started(args) -> None:
    """Dynamo begins compiling a frame. Code it compiles with no hook attached never calls one later (it does not
    guard on module hooks), so a compile inside an unsampled step makes that step sampled, its hooks attached before
    the frame is traced (Monitor._compiling). Never raises: it runs inside the script's compile."""
    try:
        if getattr(getattr(args, "callback_trigger", None), "name", "DYNAMO") != "DYNAMO":
            return  # a backward compiled later, autotuning: no frame of the forward is traced
        for mon in list(_MONITORS):
            mon._compiling()
    except Exception:  # noqa: BLE001  (a monitor's fault must not stop the script's compile)
        pass


def _watch_compiles() -> None:
    """Puts _compile_started among the callbacks Dynamo calls as a compile starts (once, and again after a
    torch.compiler.reset(), which empties them)."""
    global _START_CALLBACKS
    try:
        from torch._dynamo.callback import callback_handler
        callback_handler.register_start_callback(_compile_started)
        _START_CALLBACKS = callback_handler.start_callbacks
    except Exception:  # noqa: BLE001  (another torch: compiles are not watched, and no step looks again)
        _START_CALLBACKS = [_compile_started]


class _CompileWatch:
    """The Monitor's side of the watch: it joins _MONITORS when made, and _compile_started calls its _compiling."""

    def _join_compile_watch(self) -> None:
        """Monitor.__init__: from now on every compile Dynamo begins is told to this monitor (held weakly); and the
        monitors open on the same model are kept, weakly, for _check_rivals."""
        self._compiles_outside = 0  # Dynamo compiles begun while no step of this monitor was open
        self._compiles_seen = False  # Dynamo began compiling a frame since this monitor was made
        # the other monitors open on this model now: said once one of them steps after this one was made (one a
        # script dropped and the collector has not taken, or that its last loss's graph still holds, never steps)
        self._rivals = [(weakref.ref(m), m.step_count) for m in list(_MONITORS)
                        if m is not self and m.model is self.model and not getattr(m, "_ended", False)]
        _MONITORS.add(self)

    def _compiling(self) -> None:
        """torch.compile begins compiling a frame (_compile_started). Inside an unsampled step of this monitor the
        step becomes sampled: its hooks are attached before the frame is traced, so the code compiled calls them on
        later sampled steps (code compiled with none never does: 0 layers read). Its time is left out of auto's
        timing (a compile). Outside any step it is counted: code compiled there may never call the hooks, and the
        report says so if a sampled step then sees no forward."""
        self._compiles_seen = True  # from now on a ReLU's post-hook runs as a hook, never from its forward (_attach)
        st = self._open_step
        if st is None:
            self._compiles_outside += 1
            return
        if st.sample:
            return
        st.first = self.sampled_steps == 0
        st.places = len(self._layers)
        st.hooks = self._attach()  # first: should it raise, the step stays unsampled (_compile_started swallows it)
        st.sample, st.timed, st.promoted = True, False, True
        self._last_sample = self.step_count

    def _check_rivals(self) -> None:
        """On a sampled step: another monitor open on this model that has stepped since this one was made is said in
        a note and a warning, once (W64 walkthrough: two monitors on one model read the same figures twice over, and
        nothing said so)."""
        stepping = [m for m, then in ((ref(), then) for ref, then in self._rivals)
                    if m is not None and not getattr(m, "_ended", False) and m.step_count > then]
        self._rivals = [(ref, then) for ref, then in self._rivals if ref() is not None]
        if not stepping:
            return
        self._rivals = []
        n = len(stepping)
        words = (f"{'another Monitor' if n == 1 else f'{n} other Monitors'} made before this one "
                 f"{'steps' if n == 1 else 'step'} this model too: each monitor's hooks run on its own sampled steps "
                 "and read the same figures, so the cost is paid as many times; close the earlier one (mon.close(), "
                 "or make each in a `with Monitor(...)` block), or keep one")
        self.notes.append(words)
        for m in stepping:  # and in the earlier one's report
            m.notes.append("a Monitor made after this one steps this model too: each monitor's hooks run on its own "
                           "sampled steps and read the same figures, so the cost is paid as many times; close one")
        warnings.warn(f"actlab Monitor: {words}", RuntimeWarning, stacklevel=5)  # (the script's `with mon.step()`)
