"""What readers see: the web site (and, in later issues, the API and feeds)."""
