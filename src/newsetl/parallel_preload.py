"""Imported once by the fork server of newsetl.parallel: the libraries every worker needs."""

import newsetl.enrich  # noqa: F401
import newsetl.extract  # noqa: F401
import newsetl.pipeline  # noqa: F401
