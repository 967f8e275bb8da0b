"""Extract: main text and metadata out of a raw page."""

from newsetl.extract.page import Document, extract_document


def warm_up() -> None:
    """Do now what extraction otherwise does on its first pages in each process. htmldate's
    fallback date parser (dateparser, every locale) compiles each locale's patterns at its
    first use: 3.3 s of CPU and 41 MB here, once per process. The worker pool's fork server
    calls this, so every worker starts with them."""
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("no date at all")


__all__ = ["Document", "extract_document", "warm_up"]
