"""Imported once by the fork server of newsetl.parallel: the libraries every worker needs, and
the enrichment models, loaded here once so that every worker forked from this process shares
them instead of loading them itself."""

import contextlib
import os
import signal

# Each worker is one of the pool's processes, one per core: numpy's matrix products (the
# contextual topic encoder's) on more threads each would only contend for the same cores.
# Set before numpy is first imported in this process; the workers forked from it inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _load() -> None:
    import trafilatura  # noqa: F401  (newsetl.extract imports it on first use)

    import newsetl.enrich  # noqa: F401
    import newsetl.extract  # noqa: F401
    import newsetl.pipeline  # noqa: F401
    from newsetl import parallel

    # A model that fails here fails again in the worker's own warm-up, which reports it.
    with contextlib.suppress(Exception):
        parallel.warm_worker(os.environ.get(parallel.PRELOAD_MODEL, ""))
    # The fork server ends when the run that started it is gone (its workers then follow it).
    parallel.end_with_parent()


# Ctrl-C reaches the fork server too (it is in the terminal's process group): the run ends its
# pool, and these imports printed a KeyboardInterrupt traceback of their own. The handler found
# here is put back after them (the server's main loop hands its workers the one it finds at its
# start: the default, or SIG_IGN for a run started with Ctrl-C ignored, as `nohup` does).
_found = signal.signal(signal.SIGINT, signal.SIG_IGN)
try:
    _load()
finally:
    signal.signal(signal.SIGINT, _found)
