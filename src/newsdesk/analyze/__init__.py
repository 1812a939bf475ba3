"""Analysis of articles: near-duplicate copies (and, later, entities and statements)."""
