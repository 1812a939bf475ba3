"""Where articles come from: the polite HTTP client, feeds, sitemaps, OPML lists and WARC archives."""
