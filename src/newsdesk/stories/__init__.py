"""Stories: online clustering of articles into events, briefs and timelines."""
