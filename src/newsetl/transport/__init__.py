"""Transport: polite HTTP for discover and fetch alike (robots.txt, pacing, limits)."""

from newsetl.transport.http import Fetched, Fetcher, FetchError

__all__ = ["FetchError", "Fetched", "Fetcher"]
