"""newsetl: a batch news pipeline - discover, fetch, extract, clean, enrich, write, load."""

__version__ = "0.1.0"
