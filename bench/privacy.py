"""Evaluate Swedish PII detection on ../shared/data/concern/dev.jsonl and measure throughput.

    python bench/privacy.py                  # Tillit: recall per type, precision, MB/s, one core
    python bench/privacy.py --presidio       # also Presidio (see bench/results/privacy.md)
    python bench/privacy.py --errors PERSON  # missed / spurious spans of one type (shows values)

Matching: "exact" = same type and the same offsets; "overlap" = same type and overlapping offsets.
Precision counts a detection correct when it overlaps a gold span of the same type (strict: exact).
Types the data set does not annotate (IBAN, BANKGIRO, PLUSGIRO, REGNR) are left out of precision.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from tillit.privacy import detect, orgs, patterns, persons

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "concern" / "dev.jsonl"
GOLD_TYPES = ("PERSON", "PNR", "ADDRESS", "PHONE", "EMAIL", "ORG")
Span = tuple[int, int, str]


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def tillit_spans(text: str) -> list[Span]:
    return [(e.start, e.end, e.type) for e in detect(text)]


def score(rows: list[dict], predict: Callable[[str], list[Span]]) -> dict:
    counts: Counter[str] = Counter()
    for row in rows:
        gold = [(p["start"], p["end"], p["type"]) for p in row["pii"]]
        pred = [s for s in predict(row["text"]) if s[2] in GOLD_TYPES]
        _count(counts, gold, pred)
    return _figures(counts)


def _count(counts: Counter[str], gold: list[Span], pred: list[Span]) -> None:
    exact = set(pred)
    for g in gold:
        counts[f"gold:{g[2]}"] += 1
        counts[f"exact:{g[2]}"] += g in exact
        counts[f"overlap:{g[2]}"] += any(_overlaps(g, p) for p in pred)
    for p in pred:
        counts["pred"] += 1
        counts["pred_exact"] += p in set(gold)
        counts["pred_overlap"] += any(_overlaps(p, g) for g in gold)


def _overlaps(a: Span, b: Span) -> bool:
    return a[2] == b[2] and a[0] < b[1] and b[0] < a[1]


def _figures(counts: Counter[str]) -> dict:
    recall = {
        t: {
            "n": counts[f"gold:{t}"],
            "exact": counts[f"exact:{t}"] / max(1, counts[f"gold:{t}"]),
            "overlap": counts[f"overlap:{t}"] / max(1, counts[f"gold:{t}"]),
        }
        for t in GOLD_TYPES
    }
    precision = {
        "n": counts["pred"],
        "exact": counts["pred_exact"] / max(1, counts["pred"]),
        "overlap": counts["pred_overlap"] / max(1, counts["pred"]),
    }
    return {"recall": recall, "precision": precision}


def throughput(
    texts: list[str],
    predict: Callable[[str], object],
    repeat: int = 5,
    before_pass: Callable[[], object] = lambda: None,
) -> tuple[float, float]:
    """MB/s (UTF-8 bytes) on one core, best of ``repeat`` passes after a warm-up pass: by the
    wall clock, and by the process's CPU time (what the figure would be on an idle core; on a
    shared machine the wall clock also counts the time other jobs held the core)."""
    size = sum(len(t.encode()) for t in texts)
    for text in texts:
        predict(text)
    wall = cpu = float("inf")
    for _ in range(repeat):
        before_pass()
        begin, begin_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            predict(text)
        wall = min(wall, time.perf_counter() - begin)
        cpu = min(cpu, time.process_time() - begin_cpu)
    return size / wall / 1e6, size / cpu / 1e6


def clear_word_caches() -> None:
    """Forget what the detector learnt about words seen before (a pass over unseen words)."""
    for cached in (
        persons._word_classes,
        persons._is_distinctive,
        patterns._word_roles,
        orgs._may_begin,
        orgs._names_place,
    ):
        cached.cache_clear()


def other_texts(texts: list[str]) -> dict[str, list[str]]:
    """A long report (every dev text in one, read in chunks) and a text that is all names."""
    names = " ".join(["Anna Karlsson", "Erik Johansson", "Fatima Ali", "Per", "Maja Öberg-Lind"])
    return {"one long text": ["\n\n".join(texts)], "all names": [" ".join([names] * 4000)]}


def errors(rows: list[dict], kind: str) -> Iterable[str]:
    for row in rows:
        text = row["text"]
        gold = [(p["start"], p["end"], p["type"]) for p in row["pii"]]
        pred = tillit_spans(text)
        for g in gold:
            if g[2] == kind and g not in pred:
                near = [(text[a:b], t) for a, b, t in pred if a < g[1] and g[0] < b]
                yield f"MISS {row['id']} {text[g[0] : g[1]]!r} got {near}"
        for p in pred:
            if p[2] == kind and not any(_overlaps(p, g) for g in gold):
                context = text[max(0, p[0] - 30) : p[1] + 20]
                yield f"FP   {row['id']} {text[p[0] : p[1]]!r} ctx {context!r}"


def report(name: str, figures: dict, mbps: tuple[float, float]) -> None:
    wall, cpu = mbps
    print(f"\n{name}: throughput {wall:.2f} MB/s wall clock, {cpu:.2f} MB/s CPU time (one core)")
    print(f"{'type':8} {'n':>5} {'recall exact':>13} {'recall overlap':>15}")
    for t, r in figures["recall"].items():
        print(f"{t:8} {r['n']:5d} {r['exact']:13.3f} {r['overlap']:15.3f}")
    p = figures["precision"]
    print(f"precision (n={p['n']}): exact {p['exact']:.3f}, overlap {p['overlap']:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--presidio", action="store_true")
    parser.add_argument("--errors", metavar="TYPE")
    args = parser.parse_args()
    if not args.data.exists():
        print(f"skipped: {args.data} is absent (needs ../shared/data)", file=sys.stderr)
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    rows = load(args.data)
    if args.errors:
        print("\n".join(errors(rows, args.errors)))
        return 0
    texts = [r["text"] for r in rows]
    print(f"load average before: {_load()}")
    report("Tillit", score(rows, tillit_spans), throughput(texts, detect))
    cold = throughput(texts, detect, before_pass=clear_word_caches)
    print(f"  with word caches emptied before each pass: {cold[0]:.2f} wall, {cold[1]:.2f} CPU")
    for name, extra in other_texts(texts).items():
        wall, cpu = throughput(extra, detect, repeat=3)
        print(f"  {name}: {wall:.2f} MB/s wall clock, {cpu:.2f} MB/s CPU time")
    if args.presidio:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from privacy_presidio import presidio_predictor  # benchmark-only dependency

        predict = presidio_predictor()
        report("Presidio", score(rows, predict), throughput(texts, predict, repeat=2))
    print(f"load average after: {_load()}")
    return 0


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


if __name__ == "__main__":
    raise SystemExit(main())
