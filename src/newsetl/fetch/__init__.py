"""Fetch: polite HTTP and the raw archive of every response."""

from newsetl.fetch.http import Fetched, Fetcher, FetchError

__all__ = ["FetchError", "Fetched", "Fetcher"]
