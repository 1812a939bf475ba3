"""What the entity rules leave out, and what one person under all their names costs on a store of many stories.

    .venv/bin/python bench/entities.py [--stories 20000] [--db PATH] [--lookups 400] [--seed 7]

1. Names left out. No set in ../shared has entity gold (PolNeAR annotates attributions, ECB+ events, AEB and
   fundus article bodies), so per-article precision cannot be measured here. Instead: the PolNeAR dev and ECB+
   dev articles are analysed (`newsdesk.analyze.statements.analyze_texts`, the source labels' outlets as
   `newsdesk analyze` passes them) and the entities of each article are counted, with the names the rules would
   have kept before (the article's NER mentions merged without the filters) that are now left out, by reason:
   an outlet, a capitalised common word, or a mention that is no name (broken token, list). Read the printed
   examples to judge them.
2. The cost at scale. A SQLite store gets `--stories` stories, each the real story aggregate
   (`newsdesk.analyze.aggregate.aggregate_story`, salience included) of 1 to 6 of those analyses drawn at random,
   written with `Store.update_story` (the entity index and its name words). Timed: the aggregate and the write per
   story, then over `--lookups` random person keys of the index (a third of them one-word names: "Trump") the
   entity (`Reader.entity`: the person's names across stories), its first page of stories
   (`Reader.entity_stories`) and a look-up by the first three letters of a random word of a name
   (`Reader.find_entities`), each p50 / p99 in milliseconds. The store is reused when `--db` names one that holds
   stories.

Figures (2 shared cores, load about 4; 2026-12-06). 1: 4,649 entities before the filters, 4,452 after; left out
98 outlets and 7 capitalised common words (the rest of the difference: names merged once their types agree, and
mentions that are no name, which the NER output before the filters would be needed to count). 2, 10,000 stories
(525,060 index rows), the same store read by main (25b313b) and by this tree, two runs each:
aggregate 2.05 -> 2.2 ms a story, write 17.8 -> 19.8-22 ms (the name words); `entity` p50 0.85-0.97 -> 1.4 ms,
p99 8-9.5 -> 8-11 ms; `entity_stories` p50 1.9-6.0 -> 2.4-3.1 ms; `find_entities` p50 60-118 -> 6-14 ms, p99
155-257 -> 34-74 ms (main read its rows by a row-value IN list, which SQLite does not read through the index).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

from newsdesk.analyze import entities as rules  # noqa: E402
from newsdesk.analyze.aggregate import MemberAnalysis, aggregate_story, analysis_to_dicts  # noqa: E402
from newsdesk.analyze.statements import analyze_texts  # noqa: E402
from newsdesk.labels import default_registry  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.store.queries import Reader  # noqa: E402
from newsdesk.store.repository import StoryAnalysis  # noqa: E402

try:
    from newsdesk.keys import name_words
except ImportError:  # a tree from before issue 16's entity words (for a before/after comparison)
    def name_words(folded: str) -> list[str]:
        return list(dict.fromkeys(w for w in (w.strip(".") for w in folded.split()) if len(w) > 1))


def texts() -> list[tuple[str, str]]:
    out = []
    for line in (DATA / "polnear" / "dev.jsonl").open():
        d = json.loads(line)
        out.append((d["title"], d["text"]))
    for line in (DATA / "ecbplus" / "ecbplus-train-dev.jsonl").open():
        d = json.loads(line)
        if d["split"] == "dev":
            out.append((d["title"], d["text"]))
    return out


def left_out(result: object, text: str, is_outlet: object) -> dict[str, list[str]]:
    """The names the article's mentions would give without the filters that it does not give now, by reason."""
    kept = {e.name.casefold() for e in result.entities} | {a.casefold() for e in result.entities for a in e.aliases}
    unfiltered, _ = rules.merge_mentions(result.mentions)
    reasons: dict[str, list[str]] = {"outlet": [], "capitalised common word": []}
    for e in unfiltered:
        if e.name.casefold() in kept:
            continue
        if is_outlet(e.name):
            reasons["outlet"].append(e.name)
        elif not rules.named_entities([e], text):
            reasons["capitalised common word"].append(e.name)
    return reasons


def part_one(records: list[tuple[str, str]]) -> list[list[dict]]:
    registry = default_registry()
    started = time.perf_counter()
    results = list(analyze_texts([t for _, t in records], is_state_media=registry.is_state_media,
                                 is_outlet=registry.is_outlet))
    seconds = time.perf_counter() - started
    kept = sum(len(r.entities) for r in results)
    reasons: dict[str, list[str]] = {}
    for r, (_, text) in zip(results, records, strict=True):
        if not hasattr(rules, "named_entities"):
            break  # a tree from before the filters
        for why, names in left_out(r, text, registry.is_outlet).items():
            reasons.setdefault(why, []).extend(names)
    print(f"1. {len(records)} articles (PolNeAR dev, ECB+ dev) analysed in {seconds:.1f} s: {kept} entities kept")
    for why, names in reasons.items():
        print(f"   left out as {why}: {len(names)}, e.g. {sorted(set(names))[:25]}")
    return [analysis_to_dicts(r)[0] for r in results]


def fill(store: Store, analyses: list[list[dict]], titles: list[str], stories: int, rng: random.Random) -> None:
    aggregate_s = write_s = 0.0
    next_article = 1
    for i in range(stories):
        members = []
        for _ in range(rng.randint(1, 6)):
            k = rng.randrange(len(analyses))
            m = MemberAnalysis(next_article, next_article, f"https://o{next_article % 40}.example/{next_article}",
                               None, analyses[k], [])
            m.title = titles[k]
            members.append(m)
            next_article += 1
        t0 = time.perf_counter()
        story = aggregate_story(members)
        t1 = time.perf_counter()
        sid = store.create_story()
        store.update_story(sid, article_count=len(members),
                           analysis=StoryAnalysis(story.entities, story.statements, story.index))
        t2 = time.perf_counter()
        aggregate_s += t1 - t0
        write_s += t2 - t1
        if (i + 1) % 5000 == 0:
            print(f"   {i + 1} stories written", flush=True)
    print(f"2. {stories} stories: aggregate {1000 * aggregate_s / stories:.2f} ms a story (salience included), "
          f"write {1000 * write_s / stories:.2f} ms a story (index and name words)")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def timed(fn: object, args: list) -> list[float]:
    out = []
    for a in args:
        t0 = time.perf_counter()
        fn(a)
        out.append(1000 * (time.perf_counter() - t0))
    return out


def part_two(store: Store, lookups: int, rng: random.Random) -> None:
    with store.engine.connect() as conn:
        from sqlalchemy import text

        rows = conn.execute(text("SELECT count(*), count(DISTINCT entity_key) FROM story_entities")).one()
        keys = [k for (k,) in conn.execute(text(
            "SELECT DISTINCT entity_key FROM story_entities WHERE entity_key LIKE 'person:%'"))]
    one = [k for k in keys if len(name_words(k.split(":", 1)[1])) == 1]
    full = [k for k in keys if len(name_words(k.split(":", 1)[1])) > 1]
    sample = rng.sample(one, min(len(one), lookups // 3)) + rng.sample(full, min(len(full), lookups - lookups // 3))
    words = [w for k in sample for w in name_words(k.split(":", 1)[1]) if len(w) >= 3]
    prefixes = [w[:3] for w in rng.sample(words, min(len(words), lookups))]
    reader = Reader(store)
    merged = sum(1 for k in one if (e := reader.entity(k)) is not None and e.key != k)
    print(f"   index: {rows[0]} rows, {rows[1]} entities, {len(keys)} people ({len(one)} one-word names, "
          f"{merged} of them one known full name's)")
    for label, fn, args in (("entity", reader.entity, sample),
                            ("entity_stories", lambda k: reader.entity_stories(k, 20), sample),
                            ("find_entities", lambda p: reader.find_entities(p, 20), prefixes)):
        ms = timed(fn, args)
        print(f"   {label:15} p50 {pct(ms, 0.5):7.2f} ms   p99 {pct(ms, 0.99):7.2f} ms   ({len(args)} calls)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stories", type=int, default=20000)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--lookups", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    records = texts()
    analyses = part_one(records)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "entities.db"
        store = Store(f"sqlite:///{db}")
        store.migrate()
        with store.engine.connect() as conn:
            from sqlalchemy import text

            have = conn.execute(text("SELECT count(*) FROM stories")).scalar()
        if not have:
            fill(store, analyses, [t for t, _ in records], args.stories, rng)
        else:
            print(f"2. reusing {db}: {have} stories")
        part_two(store, args.lookups, rng)
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
