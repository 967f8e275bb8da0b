"""Transport: polite HTTP for discover and fetch alike (robots.txt, pacing, limits)."""

from newsetl.transport.http import Fetcher, FetchStopped
from newsetl.transport.responses import Fetched, FetchError

__all__ = ["FetchError", "FetchStopped", "Fetched", "Fetcher"]
