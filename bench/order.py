"""Order of arrival (issue 15): the same articles fed in several random orders must give the same stories.

    PYTHONPATH=src .venv/bin/python bench/order.py [--orders 5] [--split dev] [--data DIR] [--set key=value ...]

ECB+ (`../shared/data/ecbplus`, the split asked, dev by default) is fed to the live decider
(`newsdesk.stories.engine.StoryDecider`: copy detection, then grouping) in `--orders` random orders (seeds 1..n);
each order's final partition (after any story merges) is compared with every other's by B-cubed F1 (symmetric:
one partition's precision against the other is the other's recall), and with the gold events. Acceptance:
the smallest pairwise F1 >= 0.98. `--set` overrides a ClusterConfig field (e.g. --set merge=true).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clustering import DEFAULT_DATA, ECB_FILE, GN_FILE, bcubed, ecb_doc, ecb_orders, gn_doc, read_jsonl  # noqa: E402

from newsdesk.stories.cluster import ClusterConfig, StoryClusterer  # noqa: E402
from newsdesk.stories.engine import StoryDecider  # noqa: E402


def partition_of(rows: list[dict], config: ClusterConfig, warm: list[dict] = ()) -> dict[str, int]:
    decider = StoryDecider(config)
    for row in warm:  # document frequencies only, as a service that has seen other news has them
        decider.clusterer._learn(ecb_doc(row, "#warm"))
    for row in rows:
        decider.assign(ecb_doc(row))
    return {row["id"]: decider.final_story(row["id"]) for row in rows}


def guard(data: Path, config: ClusterConfig) -> dict:
    """bench/clustering.py's guard figures for this config (clusterer alone, final partition after merges):
    ECB+ dev B-cubed F1 shuffled (seed 0) and grouped, GoogleNews NMI in stream order."""
    from sklearn.metrics import normalized_mutual_info_score

    def run(docs):
        clusterer = StoryClusterer(config)
        pred = [clusterer.add(d) for d in docs]
        return [clusterer.resolve(p) for p in pred]

    out = {}
    dev = [r for r in read_jsonl(data / ECB_FILE) if r["split"] == "dev"]
    for name, ordered in ecb_orders(dev, 0).items():
        out[f"ecb_dev_{name}"] = round(bcubed(run(ecb_doc(r) for r in ordered), [r["cluster"] for r in ordered])[2], 3)
    gn = sorted(read_jsonl(data / GN_FILE), key=lambda r: r["stream_pos"])
    pred = run(gn_doc(r) for r in gn)
    out["googlenews_nmi"] = round(normalized_mutual_info_score([r["cluster"] for r in gn], pred), 3)
    out["googlenews_stories"] = len(set(pred))
    return out


def parse_value(field_type: str, text: str) -> object:
    if "bool" in field_type:
        return text.lower() in ("1", "true", "yes")
    if "float" in field_type:
        return float(text)
    if "int" in field_type:
        return int(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="dev", choices=["train", "dev", "all"])
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--warm", action="store_true",
                        help="learn document frequencies from the other split first (no stories made from it)")
    parser.add_argument("--guard", action="store_true", help="also print bench/clustering.py's guard figures")
    parser.add_argument("--set", action="append", default=[], help="ClusterConfig field=value")
    args = parser.parse_args(argv)
    config = ClusterConfig()
    types = {f.name: str(f.type) for f in fields(ClusterConfig)}
    for item in args.set:
        key, _, value = item.partition("=")
        config = replace(config, **{key: parse_value(types[key], value)})
    rows = read_jsonl(args.data / ECB_FILE)
    warm = [r for r in rows if r["split"] != args.split] if args.warm else []
    if args.split != "all":
        rows = [r for r in rows if r["split"] == args.split]
    gold = {r["id"]: r["cluster"] for r in rows}
    ids = sorted(gold)
    parts = []
    start = time.perf_counter()
    for seed in range(1, args.orders + 1):
        order = rows[:]
        random.Random(seed).shuffle(order)
        story = partition_of(order, config, warm)
        parts.append([story[i] for i in ids])
        _, _, f = bcubed(parts[-1], [gold[i] for i in ids])
        print(f"order {seed}: gold B-cubed F1 {f:.3f}, stories {len(set(parts[-1]))}")
    grouped = sorted(rows, key=lambda r: int(r["topic"]))
    story = partition_of(grouped, config, warm)
    print(f"grouped: gold B-cubed F1 {bcubed([story[i] for i in ids], [gold[i] for i in ids])[2]:.3f}")
    pairwise = [bcubed(a, b)[2] for a, b in itertools.combinations(parts, 2)]
    if args.guard:
        print(json.dumps(guard(args.data, config)))
    print(json.dumps({"pairwise_f1_min": round(min(pairwise), 4), "pairwise_f1_mean":
                      round(sum(pairwise) / len(pairwise), 4), "seconds": round(time.perf_counter() - start, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
