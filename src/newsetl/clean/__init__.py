"""Clean: text-level boilerplate out, Unicode and whitespace normalised, documents -> articles."""

from newsetl.clean.articles import clean_documents, paragraph_hash

__all__ = ["clean_documents", "paragraph_hash"]
