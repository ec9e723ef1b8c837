"""Loading a module of numba-compiled kernels once per process: on its first use, or in a background thread started
early so that nothing waits for it. The one loader of actlab's compiled kernels: the activation functions'
(activations._compiled) and the torch monitor's sums (interop._torch_stats) both use it.

numba's import and the kernels' cached machine code take about a second in a quiet process and 3.7-6.5 s on a
loaded machine (compiling afresh, once per machine, a few seconds more); a caller that may not wait starts
preload() early and takes its slower path while loading() is true, and a caller that must have the kernels (a
benchmark about to time them, use('compiled')) calls wait().

Standard library only (the core imports it): nothing here imports numba before load() runs, nor torch ever.
The state lives in the owning module's globals, under the names its code and tests read, so that a test can set
them (monkeypatch `_module` or `_failure`) and see the owner behave accordingly:

    _module      the kernels' module, once imported
    _failure     why it could not be imported, in words (then _module stays None)
    _preloading  preload()'s thread, once one was started
    _preload_cpu the CPU seconds that thread took, once it is done
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import importlib.util
import sys
import threading
import time
from collections.abc import Callable
from types import ModuleType


class KernelLoader:
    """Imports ``target`` (a module that needs numba) for the module named ``owner``, keeping the state in the
    owner's globals (_module, _failure, _preloading)."""

    def __init__(self, owner: str, target: str, thread_name: str):
        self.owner = owner
        self.target = target
        self.thread_name = thread_name
        self._lock = threading.Lock()

    def _state(self) -> ModuleType:
        return sys.modules[self.owner]

    @property
    def module(self) -> ModuleType | None:
        """The kernels' module where it is loaded; None otherwise. Never imports nor waits."""
        return self._state()._module

    @property
    def failure(self) -> str | None:
        """Why the kernels could not be loaded, or None."""
        return self._state()._failure

    def load(self) -> ModuleType | None:
        """The kernels' module, imported on the first call (in the caller's thread); None where numba is missing
        or the import failed, with the reason kept in _failure."""
        state = self._state()
        if state._module is not None or state._failure is not None:
            return state._module
        with self._lock:
            if state._module is None and state._failure is None:
                if importlib.util.find_spec("numba") is None:
                    state._failure = "numba is not installed (pip install 'actlab[fast]')"
                else:
                    try:
                        state._module = importlib.import_module(self.target)
                    except Exception as exc:  # an incompatible numba/NumPy pair, no writable cache directory, ...
                        state._failure = f"importing the numba kernels failed: {type(exc).__name__}: {exc}"
        return state._module

    def preload(self, run: Callable[[], object] | None = None) -> None:
        """Loads in a background thread, once per process: ``run`` is what the thread does (load() where None; an
        owner may pass one that also warms each kernel, or that looks its own load up at run time). Its errors are
        swallowed: load() records its own failure. A no-op once the kernels are loaded, failed or loading."""
        state = self._state()
        with self._lock:
            if state._module is not None or state._failure is not None or state._preloading is not None:
                return
            work = run or self.load

            def body() -> None:
                start = time.thread_time()
                try:
                    with contextlib.suppress(Exception):
                        work()
                finally:  # the CPU time the load took, for a cost note to say (the thread's own, not the process's)
                    state._preload_cpu = time.thread_time() - start

            state._preloading = threading.Thread(target=body, name=self.thread_name, daemon=True)
            state._preloading.start()
            # A process that ends while the thread is still loading (a short script: a monitor made, a dozen steps,
            # exit) aborted in 5 of 6 runs, 'terminate called without an active exception', rc 134: the interpreter
            # shut down under numba's compiler at work in the thread. The exit waits for the load instead (seconds
            # at most, once per process; a minute at the very most); a daemon thread still, so nothing else waits.
            atexit.register(state._preloading.join, 60)

    def preload_cpu(self) -> float | None:
        """The CPU seconds preload()'s thread took, once it is done; None before (or where none was started)."""
        return getattr(self._state(), "_preload_cpu", None)

    def loading(self) -> bool:
        """Whether preload()'s thread is still at work."""
        thread = self._state()._preloading
        return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> ModuleType | None:
        """Waits for preload()'s thread, if one is at work, for up to ``timeout`` seconds (None: as long as it takes),
        and returns the kernels' module: None where they are unavailable (failure says why) or still loading when
        the time is up. Starts no load of its own."""
        thread = self._state()._preloading
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        return self._state()._module
