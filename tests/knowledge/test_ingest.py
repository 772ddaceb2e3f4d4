"""Ingest end to end through the CLI surface: files → collection → search → ask, re-ingest
semantics (only changed documents, deletions, stable ids), bad files skipped with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.knowledge.fixtures import HIDDEN_FROM_READERS, VISIBLE_TO_READERS, hidden_text_page
from tillit.cli import app
from tillit.knowledge.tables import Chunk

STATUTES = Path(__file__).resolve().parents[3] / "shared" / "data" / "statutes"


@pytest.fixture
def run(settings):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}

    def invoke(*args: str) -> str:
        result = runner.invoke(app, [*args, "--data-dir", str(settings.data_dir)], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "webbsidor"
    root.mkdir()
    (root / "bygglov.md").write_text(
        "# Bygglov\n\nDu behöver bygglov för att bygga en altan högre än 1,2 meter.\n\n"
        "## Avgifter\n\nBygglovet kostar 7 000 kronor för en altan.\n",
        encoding="utf-8",
    )
    (root / "sophamtning.txt").write_text(
        "Sophämtning sker varannan vecka. Ställ kärlet vid tomtgränsen.", encoding="utf-8"
    )
    (root / "tom.txt").write_text("   \n", encoding="utf-8")
    (root / "trasig.pdf").write_bytes(b"%PDF-1.7 this is not a real pdf")
    return root


def test_ingest_search_and_ask_from_the_cli(run, folder: Path) -> None:  # type: ignore[no-untyped-def]
    summary = json.loads(run("ingest", "--collection", "kommun", str(folder), "--json"))
    assert (summary["added"], summary["skipped"]) == (2, 2)
    found = json.loads(run("search", "--collection", "kommun", "vad kostar bygglov", "--json"))
    top = found["results"][0]
    assert top["document"] == "bygglov" and "7 000 kronor" in top["text"]
    assert top["heading_path"] == ["Bygglov", "Avgifter"] and found["run_id"]
    answer = json.loads(
        run("ask", "--collection", "kommun", "Vad kostar bygglov för altan?", "--json")
    )
    assert answer["run_id"] and answer["citations"][0]["document"] == "bygglov"
    assert "ingen språkmodell" in answer["answer"]


def test_text_hidden_on_a_web_page_is_never_indexed_retrieved_or_cited(
    run, platform, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A page can hide instructions for the model; a resident must never be shown a passage
    they cannot see on the page."""
    (tmp_path / "sidor").mkdir()
    (tmp_path / "sidor" / "bygglov.html").write_bytes(hidden_text_page())
    summary = json.loads(run("ingest", "--collection", "webb", str(tmp_path / "sidor"), "--json"))
    assert summary["added"] == 1, summary
    with platform.session() as db:
        indexed = "\n".join(db.scalars(select(Chunk.text)))
    assert [name for name, (_, words) in HIDDEN_FROM_READERS.items() if words in indexed] == []
    assert all(words in indexed for _, words in VISIBLE_TO_READERS.values())
    question = " ".join(words for _, words in HIDDEN_FROM_READERS.values())
    found = json.loads(run("search", "--collection", "webb", question, "--json"))
    asked = json.loads(run("ask", "--collection", "webb", f"{question}?", "--json"))
    shown = "\n".join(
        [asked["answer"], *(c["text"] for c in asked["citations"])]
        + [r["text"] for r in found["results"]]
    )
    assert [name for name, (_, words) in HIDDEN_FROM_READERS.items() if words in shown] == []


def test_skipped_documents_are_listed_with_their_reasons(run, folder: Path, settings) -> None:  # type: ignore[no-untyped-def]
    summary = json.loads(run("ingest", "--collection", "kommun", str(folder), "--json"))
    skipped = {s["document"]: s for s in summary["skipped_documents"]}
    assert set(skipped) == {"tom", "trasig"}
    assert skipped["trasig"]["source"] == str(folder / "trasig.pdf")
    assert "PDF" in skipped["trasig"]["reason"] and "text" in skipped["tom"]["reason"]
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    args = ["ingest", "--collection", "kommun", str(folder), "--data-dir", str(settings.data_dir)]
    printed = CliRunner().invoke(app, args, env=env)
    assert printed.exit_code == 0
    assert f"överhoppat: trasig ({folder / 'trasig.pdf'}): " in printed.stderr


def test_an_ingest_that_could_read_nothing_exits_1(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    missing, ftp = str(tmp_path / "saknas.md"), "ftp://example.org/fil.txt"
    args = ["ingest", "--collection", "kommun", missing, ftp, "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1
    assert "saknas.md: kunde inte läsas färdigt (Finns inte: saknas.md)" in result.stderr
    assert f"{ftp}: kunde inte läsas färdigt (Adresser som börjar med ftp://" in result.stderr


def test_an_unreachable_web_site_alone_exits_1_and_a_good_folder_beside_it_0(
    settings, tmp_path: Path, folder: Path
) -> None:  # type: ignore[no-untyped-def]
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    closed = "http://127.0.0.1:1/"  # nothing listens on port 1
    base = ["ingest", "--collection", "kommun", "--data-dir", str(settings.data_dir)]
    alone = CliRunner().invoke(app, [*base, closed], env=env)
    assert alone.exit_code == 1, alone.output
    beside = CliRunner().invoke(app, [*base, closed, str(folder)], env=env)
    assert beside.exit_code == 0, beside.output


def test_an_empty_question_or_query_is_refused_unrecorded(settings, folder: Path, run) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "--collection", "kommun", str(folder))
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    for args, message in (
        (["ask", "--collection", "kommun", "   ", "--json"], "Skriv en fråga."),
        (["search", "--collection", "kommun", "", "--json"], "Skriv en sökfråga."),
    ):
        result = CliRunner().invoke(app, [*args, "--data-dir", str(settings.data_dir)], env=env)
        assert result.exit_code == 1 and message in result.stderr
    listed = CliRunner().invoke(
        app, ["runs", "list", "--json", "--data-dir", str(settings.data_dir)], env=env
    )
    assert listed.exit_code == 0, listed.output
    kinds = [r["kind"] for r in json.loads(listed.stdout)]
    assert "assistant.ask" not in kinds and "knowledge.search" not in kinds


def test_reingest_updates_only_changed_documents_and_removes_deleted(run, folder: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "--collection", "kommun", str(folder))
    again = json.loads(run("ingest", "--collection", "kommun", str(folder), "--json"))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)
    (folder / "sophamtning.txt").write_text("Sophämtning sker varje vecka.", encoding="utf-8")
    (folder / "bygglov.md").unlink()
    changed = json.loads(run("ingest", "--collection", "kommun", str(folder), "--json"))
    assert (changed["updated"], changed["removed"]) == (1, 1)
    results = json.loads(run("search", "--collection", "kommun", "bygglov altan", "--json"))
    assert "bygglov" not in [r["document"] for r in results["results"]]


def test_a_new_file_with_the_same_name_leaves_the_existing_id_alone(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dokument"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "info.txt").write_text("Öppettider 8–17.", encoding="utf-8")
    first = json.loads(run("ingest", "--collection", "k", str(folder), "--json"))
    assert first["added"] == 1
    (folder / "b").mkdir()
    (folder / "b" / "info.md").write_text("Sophämtning varannan vecka.", encoding="utf-8")
    again = json.loads(run("ingest", "--collection", "k", str(folder), "--json"))
    assert (again["added"], again["unchanged"], again["removed"]) == (1, 1, 0)
    listed = json.loads(run("search", "--collection", "k", "sophämtning öppettider", "--json"))
    assert sorted(r["document"] for r in listed["results"]) == ["b/info", "info"]


def test_queries_file_gives_one_line_per_query(run, folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "--collection", "kommun", str(folder))
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "query": "sopkärl"}\n{"id": 2, "query": "altan"}\n', encoding="utf-8"
    )
    lines = run("search", "--collection", "kommun", "--queries", str(queries), "--limit", "1")
    parsed = [json.loads(line) for line in lines.splitlines()]
    assert [p["id"] for p in parsed] == ["q1", 2]
    assert parsed[0]["results"][0]["document"] == "sophamtning"
    assert set(parsed[1]["results"][0]) == {"document", "score", "text"}


@pytest.mark.skipif(not STATUTES.exists(), reason="../shared/data/statutes is not present")
def test_statute_is_searchable_by_paragraf(run) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "--collection", "lagar", str(STATUTES / "sfs-2017-900_forvaltningslag.md"))
    found = json.loads(
        run(
            "search",
            "--collection",
            "lagar",
            "hur snabbt ska myndigheten svara på frågor från enskilda",
            "--json",
        )
    )
    assert any("§" in " ".join(r["heading_path"]) for r in found["results"])


def test_app_manifest_round_trip_from_the_cli(run, folder: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("ingest", "--collection", "kommun", str(folder))
    manifest = tmp_path / "app.yaml"
    manifest.write_text(
        "name: fraga-kommunen\npurpose: Svarar på frågor om bygglov.\n"
        "collections: [kommun]\naudience: public\n",
        encoding="utf-8",
    )
    run("apps", "apply", str(manifest))
    listed = json.loads(run("apps", "list", "--json"))
    assert listed[0]["name"] == "fraga-kommunen" and listed[0]["audience"] == "public"
    exported = run("apps", "export", "fraga-kommunen")
    assert "collections:\n- kommun" in exported
    answer = json.loads(run("ask", "--app", "fraga-kommunen", "Hur ofta töms soporna?", "--json"))
    assert answer["citations"][0]["document"] == "sophamtning"


def test_collection_page_shows_documents_skip_reasons_and_jobs(
    run, folder, client, platform
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import make_user
    from tests.support.pages import login

    run("ingest", "--collection", "kommun", str(folder))
    make_user(platform, "redaktor", ["developer"])
    login(client, "redaktor")
    listing = client.get("/collections").text
    assert 'href="/collections/kommun"' in listing
    page = client.get("/collections/kommun").text
    assert "bygglov" in page and "klar" in page
    assert "tom:" in page and "trasig PDF" in page
