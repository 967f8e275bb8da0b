"""Imported once by the fork server of newsetl.parallel: the libraries every worker needs, and
the enrichment models, loaded here once so that every worker forked from this process shares
them instead of loading them itself."""

import contextlib
import os

import trafilatura  # noqa: F401  (newsetl.extract imports it on first use)

import newsetl.enrich
import newsetl.extract
import newsetl.pipeline  # noqa: F401

with contextlib.suppress(Exception):  # a worker then pays it on its first page, as before
    newsetl.extract.warm_up()

_model = os.environ.get("NEWSETL_PRELOAD_SPACY_MODEL")
if _model:
    # A model that fails here fails again in the worker's own warm-up, which reports it.
    with contextlib.suppress(Exception):
        newsetl.enrich.warm_up(_model)
