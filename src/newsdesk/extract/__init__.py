"""Article extraction and normalisation: clean text and metadata out of publisher HTML."""

from newsdesk.extract.article import article_to_contract, extract_article
from newsdesk.extract.encoding import decode_html
from newsdesk.extract.urls import canonicalize_url

__all__ = ["article_to_contract", "canonicalize_url", "decode_html", "extract_article"]
