"""A store of many articles of generated text, for the search-cost tests and for measuring a costly query.

Written with SQLAlchemy core in bulk (the search indexes' triggers fire as for any insert): a few thousand
articles take a second or two, where the real pipeline would take minutes. Each article is ~120 words drawn
from a vocabulary of pronounceable made-up words, so that every letter starts thousands of distinct terms (what
makes a prefix query such as `a* OR b* OR ... OR z*` costly); three articles make a story.

    .venv/bin/python tests/searchstore.py sqlite:////tmp/search30k.db 30000   # builds a store to measure on
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta

from newsdesk.keys import content_hash
from newsdesk.store import Store
from newsdesk.store.schema import ArticleRow, StoryRow

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr", "qu", "r",
           "s", "st", "t", "tr", "v", "w", "x", "y", "z", "a", "e", "i", "o", "u"]
_NUCLEI = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "y"]
_CODAS = ["", "n", "r", "s", "t", "l", "m", "nd", "rk", "st", "x"]


def vocabulary(size: int = 6000, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS) for _ in range(syllables)))
    return sorted(words)


def fill(store: Store, n: int, *, seed: int = 7, words_each: int = 120) -> int:
    """Write `n` articles in n/3 stories; returns how many stories."""
    rng = random.Random(seed)
    vocab = vocabulary()
    now = datetime.now(UTC).replace(tzinfo=None)
    stories = (n + 2) // 3
    with store.engine.begin() as conn:
        first_story = (conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM stories").scalar() or 0) + 1
        for start in range(0, stories, 2000):
            conn.execute(StoryRow.__table__.insert(), [
                {"id": first_story + i, "headline": " ".join(rng.choices(vocab, k=8)).capitalize(),
                 "brief": [{"text": " ".join(rng.choices(vocab, k=20)) + ".", "citations": []}],
                 "created_at": now, "updated_at": now - timedelta(minutes=i), "first_published": now,
                 "last_published": now, "article_count": 3, "sources_count": 3, "independent_sources_count": 3,
                 "entities": [], "statements": []}
                for i in range(start, min(stories, start + 2000))])
        for start in range(0, n, 2000):
            rows = []
            for i in range(start, min(n, start + 2000)):
                body = ". ".join(" ".join(rng.choices(vocab, k=12)).capitalize() for _ in range(words_each // 12))
                url = f"https://gen{i % 24}.example/{seed}/{i}"
                rows.append({"url": url, "canonical_url": url, "source_name": f"Outlet {i % 24}",
                             "title": " ".join(rng.choices(vocab, k=7)).capitalize(), "text": body + ".",
                             "authors": [], "published": now - timedelta(minutes=i), "language": "en",
                             "fetched": now, "content_hash": content_hash(f"{seed}:{i}:{body}"),
                             "story_id": first_story + i // 3, "story_joined_at": now})
            conn.execute(ArticleRow.__table__.insert(), rows)
    return stories


if __name__ == "__main__":
    import time

    store = Store(sys.argv[1])
    store.migrate()
    t0 = time.perf_counter()
    fill(store, int(sys.argv[2]))
    print(f"{sys.argv[2]} articles in {time.perf_counter() - t0:.1f} s")
    store.close()
