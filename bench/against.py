"""Issue 15's acceptance figures for two versions of newsdesk, measured in one run through `newsdesk cluster`.

Used by `bench/clustering.py --against REF` (REF: a git revision, a6382b5 by default). Each version runs as a
separate process with PYTHONPATH at its own `src` (REF's taken with `git archive`), on the same files, so the
figures compare: the measures are this file's, only the clustering code differs.

1. SemEval-2022 Task 8 pairs, exactly as `../shared/data/semeval2022-task8/pairs_stream.py` says (build the
   stream, `newsdesk cluster`, score): same-story pairs joined and different pairs joined, monolingual (and per
   language) and cross-lingual; articles per second of the whole `newsdesk cluster` process.
2. ECB+ (train, dev: shuffled with seed 0 and grouped by topic) B-cubed F1; GoogleNews NMI and ARI in stream
   order (the guards of issue 15).
3. Order of arrival: ECB+ dev and the SemEval stream each in `orders` random orders (seeds 1..n); the smallest
   B-cubed F1 between any two orders' partitions (symmetric), and the mean.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from clustering import ECB_FILE, GN_FILE, ROOT, bcubed, read_jsonl  # noqa: I001 (bench/ is on sys.path)

SEMEVAL = Path("semeval2022-task8")


def version_src(ref: str, into: Path) -> Path:
    """`src` of revision `ref` ("work": this working tree, copied now), unpacked under `into`."""
    target = into / ref
    if ref == "work":
        shutil.copytree(ROOT / "src", target / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
        return target / "src"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def cluster(src: Path, records: Path) -> tuple[dict[str, str], float]:
    """`newsdesk cluster records` under the code in `src`: {id: story} and the process's wall seconds."""
    env = {**os.environ, "PYTHONPATH": str(src), "NEWSDESK_DATABASE_URL": "sqlite:///:memory:"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "cluster", str(records)], capture_output=True,
                          text=True, env=env, timeout=3600)
    seconds = time.perf_counter() - start
    story = dict(line.split("\t") for line in proc.stdout.splitlines() if "\t" in line)
    given = sum(1 for line in records.open(encoding="utf-8") if line.strip())
    if proc.returncode not in (0, 1) or len(story) != given:  # 1: some article was reported, all have lines
        raise SystemExit(f"newsdesk cluster failed under {src} on {records} ({len(story)} of {given} lines, "
                         f"exit {proc.returncode}): {proc.stderr[-2000:]}")
    return story, seconds


def write_records(rows: list[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def semeval(src: Path, data: Path, work: Path) -> dict:
    script = data / SEMEVAL / "pairs_stream.py"
    stream = work / "semeval-stream.jsonl"
    if not stream.exists():
        subprocess.run([sys.executable, str(script), "build", str(stream)], check=True)
    story, seconds = cluster(src, stream)
    tsv = work / f"semeval-{abs(hash(str(src)))}.tsv"
    tsv.write_text("".join(f"{k}\t{v}\n" for k, v in story.items()), encoding="utf-8")
    scored = json.loads(subprocess.run([sys.executable, str(script), "score", str(tsv)], check=True,
                                       capture_output=True, text=True).stdout)
    articles = sum(1 for _ in stream.open(encoding="utf-8"))
    return {"pairs": scored, "articles": articles, "seconds": seconds, "articles_per_s": articles / seconds}


def guards(src: Path, data: Path, work: Path) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    out: dict = {}
    rows = read_jsonl(data / ECB_FILE)
    for split in ("train", "dev"):
        part = [r for r in rows if r["split"] == split]
        shuffled = part[:]
        random.Random(0).shuffle(shuffled)
        grouped = sorted(part, key=lambda r: int(r["topic"]))
        for order, ordered in (("shuffled", shuffled), ("grouped", grouped)):
            path = write_records([{"id": r["id"], "title": r["title"], "text": r["text"]} for r in ordered],
                                 work / f"ecb-{split}-{order}.jsonl")
            story, _ = cluster(src, path)
            out[f"ecb_{split}_{order}"] = bcubed([story[r["id"]] for r in ordered], [r["cluster"] for r in ordered])[2]
    gn = sorted(read_jsonl(data / GN_FILE), key=lambda r: r["stream_pos"])
    path = write_records([{"id": r["id"], "title": "", "text": r["title_snippet"]} for r in gn], work / "gn.jsonl")
    story, _ = cluster(src, path)
    pred, gold = [story[r["id"]] for r in gn], [r["cluster"] for r in gn]
    out["googlenews_nmi"] = normalized_mutual_info_score(gold, pred)
    out["googlenews_ari"] = adjusted_rand_score(gold, pred)
    out["googlenews_stories"] = len(set(pred))
    return out


def order_stability(src: Path, data: Path, work: Path, orders: int) -> dict:
    """Smallest and mean pairwise B-cubed F1 between the partitions of `orders` random arrival orders."""
    sets: dict[str, list[dict]] = {
        "ecb_dev": [{"id": r["id"], "title": r["title"], "text": r["text"]}
                    for r in read_jsonl(data / ECB_FILE) if r["split"] == "dev"],
    }
    stream = work / "semeval-stream.jsonl"
    if stream.exists():
        sets["semeval"] = read_jsonl(stream)
    out: dict = {}
    for name, rows in sets.items():
        partitions = []
        for seed in range(1, orders + 1):
            shuffled = rows[:]
            random.Random(seed).shuffle(shuffled)
            story, _ = cluster(src, write_records(shuffled, work / f"order-{name}-{seed}.jsonl"))
            partitions.append([story[str(r["id"])] for r in rows])
        scores = [bcubed(a, b)[2] for a, b in itertools.combinations(partitions, 2)]
        out[name] = {"min": min(scores), "mean": sum(scores) / len(scores)}
    return out


def measure(ref: str, data: Path, work: Path, orders: int) -> dict:
    src = version_src(ref, work / "versions")
    result = {"semeval": semeval(src, data, work), "guards": guards(src, data, work)}
    if orders > 1:
        result["order"] = order_stability(src, data, work, orders)
    return result


def compare(ref: str, data: Path, orders: int = 5) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsdesk-against-") as tmp:
        work = Path(tmp)
        return {"work": measure("work", data, work, orders), ref: measure(ref, data, work, orders)}


def print_comparison(ref: str, result: dict) -> None:
    now, then = result["work"], result[ref]
    print(f"Issue 15 figures, this tree beside {ref}, measured in this run through `newsdesk cluster`")
    print(f"  {'figure':58} {'now':>8} {ref:>8}  target")
    pairs_now, pairs_then = now["semeval"]["pairs"], then["semeval"]["pairs"]
    for group, target in (("monolingual", ">= 0.80 / <= 0.03"), ("cross-lingual", ">= 0.65 / <= 0.03")):
        for key, label, goal in (("same_joined", "same-story pairs joined", target.split(" / ")[0]),
                                 ("different_joined", "different pairs joined", target.split(" / ")[1])):
            print(f"  SemEval {group:14} {label:34} {pairs_now[group][key]:8.3f} {pairs_then[group][key]:8.3f}  "
                  f"{goal}")
    langs = sorted(k for k in pairs_now if len(k) == 2)
    print("  SemEval per language, same / different joined: " + "  ".join(
        f"{k} {pairs_now[k]['same_joined']:.3f}/{pairs_now[k]['different_joined']:.3f}"
        f" ({pairs_then[k]['same_joined']:.3f}/{pairs_then[k]['different_joined']:.3f})" for k in langs))
    print(f"  {'SemEval stream, newsdesk cluster articles/s (whole process)':58} "
          f"{now['semeval']['articles_per_s']:8.0f} {then['semeval']['articles_per_s']:8.0f}  >= 100")
    for key, label, goal in (("ecb_dev_shuffled", "ECB+ dev B-cubed F1, shuffled (seed 0)", ">= 0.823"),
                             ("ecb_dev_grouped", "ECB+ dev B-cubed F1, grouped by topic", ">= 0.867"),
                             ("ecb_train_shuffled", "ECB+ train B-cubed F1, shuffled (seed 0)", ""),
                             ("ecb_train_grouped", "ECB+ train B-cubed F1, grouped by topic", ""),
                             ("googlenews_nmi", "GoogleNews NMI", ">= 0.95"),
                             ("googlenews_ari", "GoogleNews ARI", ""),
                             ("googlenews_stories", "GoogleNews stories found (152 gold)", "")):
        a, b = now["guards"][key], then["guards"][key]
        fmt = "8d" if isinstance(a, int) else "8.3f"
        print(f"  {label:58} {a:{fmt}} {b:{fmt}}  {goal}")
    if "order" in now:
        for name in now["order"]:
            a, b = now["order"][name], then["order"][name]
            print(f"  {'order: ' + name + ', smallest pairwise B-cubed F1 (mean)':58} {a['min']:8.3f} {b['min']:8.3f}"
                  f"  >= 0.98   (means {a['mean']:.3f} / {b['mean']:.3f})")
