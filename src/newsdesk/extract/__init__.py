"""Article extraction and normalisation: clean text and metadata out of publisher HTML."""

from newsdesk.extract.article import article_to_contract, extract_article

__all__ = ["article_to_contract", "extract_article"]
