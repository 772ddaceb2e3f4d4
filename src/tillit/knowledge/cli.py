"""``tillit ingest`` and ``tillit search``"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from tillit.audit.service import record as audit
from tillit.cli_support import (
    DataDirOption,
    JsonOption,
    TenantOption,
    existing_file,
    fail,
    open_platform,
    print_json,
    system_principal,
)
from tillit.knowledge.retrieval import hit_dict, search_collections
from tillit.knowledge.service import (
    backend_for,
    classify_collection,
    get_or_create_collection,
)
from tillit.knowledge.tables import Document, IngestJob
from tillit.platform import Platform

CollectionOption = Annotated[str, typer.Option("--collection", help="Samlingens namn.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=1000)]


def ingest_command(
    sources: Annotated[list[str], typer.Argument(help="Filer, mappar, webbplatser eller JSON.")],
    collection: CollectionOption,
    security_class: Annotated[
        str | None,
        typer.Option(
            "--security-class",
            help="Samlingens informationsklass (K0–K3). Utan den: K0 för en ny samling, "
            "oförändrad för en befintlig.",
        ),
    ] = None,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Läs in dokument i en samling (skapas vid behov). Bara ändrade dokument indexeras om."""
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        with platform.session() as db:
            found, created = get_or_create_collection(db, principal.tenant_id, collection)
            if security_class is not None:
                _warn_apps_below(classify_collection(db, principal, found, security_class))
            collection_id, klass = found.id, found.security_class
        from tillit.knowledge.ingest import start_job

        job_id = start_job(platform, principal.tenant_id, collection_id, sources, runner="cli")
        job = _run_with_progress(platform, job_id, sources, json_out)
        skipped = _skipped_documents(platform, collection_id, sources)
        with platform.session() as db:
            audit(
                db,
                principal,
                "knowledge.ingest",
                object_type="collection",
                object_id=collection_id,
                detail={
                    "sources": len(sources),
                    "added": job.added,
                    "updated": job.updated,
                    "removed": job.removed,
                    "skipped": job.skipped,
                    "created": created,
                },
            )
    summary = {
        name: getattr(job, name)
        for name in ("seen", "added", "updated", "unchanged", "removed", "skipped", "chunks")
    }
    summary.update(collection=collection, security_class=klass, job_id=job.id)
    summary["message"] = job.message
    summary["skipped_documents"] = skipped
    if json_out:
        print_json(summary)
    else:
        typer.echo(
            f"{collection}: {job.added} nya, {job.updated} ändrade, {job.unchanged} "
            f"oförändrade, {job.removed} borttagna, {job.skipped} överhoppade "
            f"({job.chunks} textavsnitt)."
        )
        _echo_skipped(skipped)
        if job.message:
            typer.echo(job.message, err=True)
    if _nothing_read(job):
        raise typer.Exit(1)  # nothing could be read from any source: a script must notice


def _warn_apps_below(apps: list[str]) -> None:
    if apps:
        typer.echo(
            f"Varning: apparna {', '.join(apps)} har lägre informationsklass än samlingen och "
            "svarar inte förrän deras manifest höjs.",
            err=True,
        )


def _nothing_read(job: IngestJob) -> bool:
    """Every source failed, or each document it gave was skipped (an unreachable web site gives
    one skipped start page). An empty folder or an unchanged re-ingest is not a failure."""
    read = job.added + job.updated + job.unchanged
    return read == 0 and job.seen == job.skipped and bool(job.message or job.skipped)


SHOWN_SKIPS = 50


def _skipped_documents(platform: Platform, collection_id: int, sources: list[str]) -> list[dict]:
    """Documents of these sources that are skipped, or whose latest reading failed, and why."""
    from tillit.knowledge.ingest import origin_of

    origins = [origin_of(source) for source in sources]
    with platform.session() as db:
        rows = db.scalars(
            select(Document)
            .where(Document.collection_id == collection_id, Document.origin.in_(origins))
            .where(Document.skip_reason.is_not(None))
            .order_by(Document.key)
        )
        return [{"document": d.key, "source": d.source, "reason": d.skip_reason} for d in rows]


def _echo_skipped(skipped: list[dict]) -> None:
    for item in skipped[:SHOWN_SKIPS]:
        where = f"{item['document']} ({item['source']})"
        typer.echo(f"  överhoppat: {where}: {item['reason']}", err=True)
    if len(skipped) > SHOWN_SKIPS:
        typer.echo(f"  … och {len(skipped) - SHOWN_SKIPS} till (se --json).", err=True)


def _run_with_progress(platform, job_id: int, sources: list[str], quiet: bool) -> IngestJob:  # type: ignore[no-untyped-def]
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from tillit.knowledge.ingest import run_ingest

    if quiet or not sys.stderr.isatty():
        return run_ingest(platform, backend_for(platform), job_id, sources)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("Läser in …")

        def show(job: IngestJob, current: str) -> None:
            bar.update(task, description=f"{job.seen} dokument ({job.chunks} avsnitt) – {current}")

        return run_ingest(platform, backend_for(platform), job_id, sources, show)


def search_command(
    query: Annotated[str | None, typer.Argument(help="Sökfrågan.")] = None,
    collection: CollectionOption = "",
    queries: Annotated[
        Path | None, typer.Option("--queries", callback=existing_file, help="JSONL: {id, query}")
    ] = None,
    limit: LimitOption = 5,
    tenant: TenantOption = "default",
    json_out: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Sök i en samling (hybrid: ordsökning + semantisk sökning)."""
    if not collection:
        fail("--collection krävs.")
    if (query is None) == (queries is None):
        fail("Ange antingen en sökfråga eller --queries FIL.jsonl.")
    with open_platform(data_dir) as platform:
        principal = system_principal(platform, tenant)
        if queries is not None:
            _search_many(platform, principal, collection, queries, limit)
            return
        hits, run_id = search_collections(platform, principal, [collection], query or "", limit)
    if json_out:
        print_json({"query": query, "results": [hit_dict(h) for h in hits], "run_id": run_id})
        return
    for rank, hit in enumerate(hits, 1):
        path = " › ".join(hit.heading_path) if hit.heading_path else hit.title
        score = f"{hit.score:.2f}".replace(".", ",")
        typer.echo(f"{rank}. [{score}] {hit.document} – {path}\n   {hit.text[:200]}")


def _search_many(platform, principal, collection: str, path: Path, limit: int) -> None:  # type: ignore[no-untyped-def]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            query_id, query = item["id"], str(item["query"])
        except (json.JSONDecodeError, KeyError, TypeError):
            fail(f'Rad {number} i {path} är inte {{"id", "query"}} i JSON.')
        if not query.strip():  # an empty query in a batch has no results; the batch goes on
            sys.stdout.write(json.dumps({"id": query_id, "results": []}) + "\n")
            continue
        hits, _ = search_collections(platform, principal, [collection], query, limit)
        results = [
            {"document": h.document, "score": round(h.score, 4), "text": h.text} for h in hits
        ]
        sys.stdout.write(
            json.dumps({"id": query_id, "results": results}, ensure_ascii=False) + "\n"
        )
