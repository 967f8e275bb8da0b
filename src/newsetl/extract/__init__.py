"""Extract: main text and metadata out of a raw page."""

from newsetl.extract.page import Document, extract_document

__all__ = ["Document", "extract_document"]
