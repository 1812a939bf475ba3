"""Article extraction and normalisation: clean text and metadata out of publisher HTML."""

from newsdesk.extract.article import article_to_contract, extract_article
from newsdesk.extract.template import HostTemplate, PageObservation, extract_pages, observe_page, page_site_of
from newsdesk.extract.titles import strip_title_decoration, title_segments

__all__ = ["HostTemplate", "PageObservation", "article_to_contract", "extract_article", "extract_pages",
           "observe_page", "page_site_of", "strip_title_decoration", "title_segments"]
