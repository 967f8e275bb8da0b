"""Fetch: polite HTTP and the raw archive of every response."""

from newsetl.fetch.http import FetchError, Fetched, Fetcher

__all__ = ["FetchError", "Fetched", "Fetcher"]
