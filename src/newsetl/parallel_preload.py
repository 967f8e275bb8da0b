"""Imported once by the fork server of newsetl.parallel: the libraries every worker needs, and
the enrichment models, loaded here once so that every worker forked from this process shares
them instead of loading them itself."""

import contextlib
import os

import trafilatura  # noqa: F401  (newsetl.extract imports it on first use)

import newsetl.enrich  # noqa: F401
import newsetl.extract  # noqa: F401
import newsetl.pipeline  # noqa: F401
from newsetl import parallel

# A model that fails here fails again in the worker's own warm-up, which reports it.
with contextlib.suppress(Exception):
    parallel.warm_worker(os.environ.get(parallel.PRELOAD_MODEL, ""))
