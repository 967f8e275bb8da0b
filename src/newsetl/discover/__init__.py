"""Discover: turn a source into candidate article URLs (or local documents)."""

from newsetl.discover.sources import discover

__all__ = ["discover"]
