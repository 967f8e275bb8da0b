"""Fetch: a source's candidates into raw pages for the archive, skipping URLs already seen."""

from newsetl.fetch.pages import FetchResult, fetch_pages

__all__ = ["FetchResult", "fetch_pages"]
