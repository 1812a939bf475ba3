"""Article extraction and normalisation: clean text and metadata out of publisher HTML."""

from newsdesk.extract.article import article_to_contract, extract_article, strip_title_decoration, title_segments

__all__ = ["article_to_contract", "extract_article", "strip_title_decoration", "title_segments"]
