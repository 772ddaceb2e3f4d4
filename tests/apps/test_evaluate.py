"""``tillit apps evaluate``: an app's own retrieval over a question set with known answers,
scored and stored, and shown in the public register (entry, JSON, page, versions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.governance.lifecycle import APP, apply
from tests.test_cli import Cli, as_json
from tillit.apps.tables import AppEvaluation
from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.ingest import ingest_items, start_job
from tillit.knowledge.search import search
from tillit.knowledge.service import backend_for, get_collection, get_or_create_collection
from tillit.platform import Platform

DOCS = {
    "bygglov": ("Bygglov", "Du behöver bygglov för en altan som är högre än 1,2 meter."),
    "sophamtning": ("Sophämtning", "Sophämtning sker varannan vecka vid tomtgränsen."),
    "bibliotek": ("Biblioteket", "Biblioteket har öppet vardagar 10–19. Lånekortet är gratis."),
    "simhall": ("Simhallen", "Simhallen är öppen för motionssim varje morgon från klockan sex."),
    "parkering": ("Parkering", "Parkeringstillstånd för rörelsehindrade söker du hos kommunen."),
    "forskola": ("Förskola", "Ansök om plats i förskola senast fyra månader i förväg."),
    "vatten": ("Vatten och avlopp", "Vattenavgiften betalas en gång i kvartalet."),
}
Q_BYGGLOV = "Behöver jag bygglov för min altan?"
Q_SOPOR = "Hur ofta hämtas soporna vid tomtgränsen?"
Q_BIBLIOTEK = "När har biblioteket öppet?"
Q_SIMHALL = "När kan jag motionssimma i simhallen?"


def load(platform: Platform) -> None:
    docs = [
        SourceDocument(
            key=k, title=t, source=f"https://kommun.example/{k}", blocks=[Block("paragraph", x)]
        )
        for k, (t, x) in DOCS.items()
    ]
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, 1, "webb")
        collection.description = "Kommunens webbplats"
        collection_id = collection.id
    job = start_job(platform, 1, collection_id, ["test"])
    ingest_items(platform, backend_for(platform), job, [("test", docs)])


def ranking(platform: Platform, question: str) -> list[str]:
    """The documents the collection's hybrid search finds, in order (one hit per document)."""
    with platform.session() as db:
        hits = search(db, backend_for(platform), [get_collection(db, 1, "webb")], question, 10)
    return [h.document for h in hits]


def write_jsonl(path: Path, rows: list[dict[str, Any]] | list[str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def evaluated(platform: Platform) -> str:
    load(platform)
    apply(platform)
    return APP


@pytest.fixture
def dataset(evaluated: str, platform: Platform, tmp_path: Path) -> tuple[Path, dict[str, float]]:
    """Four questions whose right answers are known by construction:

    1. bygglov, expects bygglov                      top-1 1, recall@5 1,   RR 1
    2. sophämtning, expects sophamtning              top-1 1, recall@5 1,   RR 1
    3. library, expects only the *second* document   top-1 0, recall@5 1,   RR 1/2
    4. swimming, expects the first and the sixth     top-1 1, recall@5 1/2, RR 1
    """
    assert ranking(platform, Q_BYGGLOV)[0] == "bygglov"
    assert ranking(platform, Q_SOPOR)[0] == "sophamtning"
    library = ranking(platform, Q_BIBLIOTEK)
    swim = ranking(platform, Q_SIMHALL)
    assert library[0] == "bibliotek" and swim[0] == "simhall" and len(swim) == len(DOCS)
    path = write_jsonl(
        tmp_path / "fragor.jsonl",
        [
            {"question": Q_BYGGLOV, "expected": ["bygglov"]},
            {"question": Q_SOPOR, "expected": ["sophamtning"]},
            "",  # blank lines are skipped
            {"question": Q_BIBLIOTEK, "expected": [library[1]]},
            {"question": Q_SIMHALL, "expected": [swim[0], swim[5]]},
        ],
    )
    expected = {"top1": 0.75, "recall_at_5": 0.875, "mrr": 0.875}
    return path, expected


def test_evaluate_scores_the_apps_own_retrieval_and_stores_it(
    cli: Cli, platform: Platform, dataset: tuple[Path, dict[str, float]]
) -> None:
    path, expected = dataset
    result = as_json(cli("apps", "evaluate", APP, "--data", str(path), "--json", "--as", "eva"))
    assert result["questions"] == 4 and result["dataset"] == "fragor.jsonl"
    for key, value in expected.items():
        assert result[key] == pytest.approx(value)
        assert result["metrics"][key] == pytest.approx(value)
    assert result["current_configuration"] is True
    assert [q["line"] for q in result["per_question"]] == [1, 2, 4, 5]
    assert [q["reciprocal_rank"] for q in result["per_question"]] == [1.0, 1.0, 0.5, 1.0]
    with platform.session() as db:
        stored = db.query(AppEvaluation).one()
        assert stored.dataset == "fragor.jsonl" and stored.questions == 4
        assert stored.created_by == "eva" and stored.app_version == 1
        assert stored.dataset_sha256 == result["dataset_sha256"]
        assert stored.config_fingerprint and stored.config_fingerprint["collections"] == ["webb"]
        assert stored.metrics["mrr"] == pytest.approx(0.875)

    text = cli("apps", "evaluate", APP, "--data", str(path))
    assert text.exit_code == 0, text.output
    assert "Rätt källa först (topp 1): 75 %" in text.stdout
    assert "recall@5): 88 %" in text.stdout and "MRR: 0,88" in text.stdout


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"question": "Bygglov?", "expected": ["bygglov"]}', "inte json"], "Rad 2: inte giltig"),
        (['["Bygglov?", "bygglov"]'], "Rad 1: raden måste vara ett JSON-objekt"),
        (['{"question": "", "expected": ["bygglov"]}'], 'Rad 1: "question"'),
        (['{"question": "Bygglov?"}'], 'Rad 1: "expected"'),
        (['{"question": "Bygglov?", "expected": "bygglov"}'], 'Rad 1: "expected"'),
        (['{"question": "Bygglov?", "expected": ["bygglov"], "svar": 1}'], "Rad 1: okända fält"),
        (["", '{"question": "Bygglov?", "expected": ["altan"]}'], "Rad 2: dokumentet 'altan'"),
        (["", "  "], "Filen innehåller inga frågor"),
    ],
)
def test_bad_lines_are_named_by_number(
    cli: Cli, platform: Platform, evaluated: str, tmp_path: Path, lines: list[str], message: str
) -> None:
    path = write_jsonl(tmp_path / "fel.jsonl", lines)
    result = cli("apps", "evaluate", APP, "--data", str(path))
    assert result.exit_code == 1
    assert message in result.output and "[invalid_dataset]" in result.output
    with platform.session() as db:
        assert db.query(AppEvaluation).count() == 0


def test_unknown_app_and_missing_file(cli: Cli, evaluated: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "fragor.jsonl", [{"question": "Q?", "expected": ["bygglov"]}])
    result = cli("apps", "evaluate", "finns-inte", "--data", str(path))
    assert result.exit_code == 1
    assert "Fel: Appen 'finns-inte' finns inte. [app_not_found]" in result.output
    missing = cli("apps", "evaluate", APP, "--data", str(tmp_path / "saknas.jsonl"))
    assert missing.exit_code == 1 and "finns inte" in missing.output


def test_register_shows_the_latest_measurement_per_dataset(
    cli: Cli, client: TestClient, platform: Platform, dataset: tuple[Path, dict[str, float]]
) -> None:
    path, expected = dataset
    before = client.get(f"/insyn/api/services/{APP}").json()
    assert before["measured_evaluations"] == []
    assert "Inga uppmätta resultat redovisade ännu" in client.get(f"/insyn/tjanster/{APP}").text

    other = write_jsonl(
        path.parent / "bygglov.jsonl", [{"question": Q_BYGGLOV, "expected": ["bygglov"]}]
    )
    as_json(cli("apps", "evaluate", APP, "--data", str(path), "--json"))
    as_json(cli("apps", "evaluate", APP, "--data", str(other), "--json"))
    as_json(cli("apps", "evaluate", APP, "--data", str(path), "--json"))  # the latest counts

    entry = client.get(f"/insyn/api/services/{APP}").json()
    assert set(entry) >= set(before)  # nothing renamed or dropped
    assert entry["evaluation"] == before["evaluation"]  # typed assessments are unchanged
    measured = {m["dataset"]: m for m in entry["measured_evaluations"]}
    assert list(measured) == ["fragor.jsonl", "bygglov.jsonl"]  # newest first, one per file
    fragor = measured["fragor.jsonl"]
    assert fragor["questions"] == 4 and fragor["current_configuration"] is True
    assert {k: fragor[k] for k in expected} == pytest.approx(expected)
    assert measured["bygglov.jsonl"]["top1"] == 1.0
    schema = client.get("/insyn/api/schema", params={"name": "entry"}).json()
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(entry, schema)
    listed = client.get("/insyn/api/services").json()
    assert listed[0]["measured_evaluations"] == entry["measured_evaluations"]

    page = client.get(f"/insyn/tjanster/{APP}").text
    assert "Uppmätta resultat" in page and "Testfrågor: fragor.jsonl" in page
    assert "<dt>Rätt källa först (topp 1)</dt><dd>75 %</dd>" in page
    assert "<dt>Rätt källor bland de fem första (recall@5)</dt><dd>88 %</dd>" in page
    assert "<dd>0,88</dd>" in page and "mätt på den nuvarande versionen" in page

    # A new measurement is a change of live data: the next published version carries it.
    versions = client.get(f"/insyn/api/services/{APP}/versions").json()
    assert versions[-1]["reason"] == "Ny utvärdering: fragor.jsonl"
    published = client.get(versions[-1]["url"]).json()
    assert published["measured_evaluations"] == entry["measured_evaluations"]
    first = client.get(versions[0]["url"]).json()
    assert first["measured_evaluations"] == []


def test_figures_from_an_earlier_configuration_are_marked(
    cli: Cli, client: TestClient, platform: Platform, dataset: tuple[Path, dict[str, float]]
) -> None:
    path, _ = dataset
    as_json(cli("apps", "evaluate", APP, "--data", str(path), "--json"))
    apply(platform, instructions="Svara kort och hänvisa alltid till källan.")
    entry = client.get(f"/insyn/api/services/{APP}").json()
    assert entry["measured_evaluations"][0]["current_configuration"] is True  # search unchanged
    apply(platform, instructions="Svara kort och hänvisa alltid till källan.", top_k=2)
    entry = client.get(f"/insyn/api/services/{APP}").json()
    (measured,) = entry["measured_evaluations"]
    assert measured["current_configuration"] is False and measured["app_version"] == 1
    assert measured["configuration_label"] == "mätt på en tidigare version"
    assert measured["changed_since"] == ["antal hämtade textavsnitt"]
    page = client.get(f"/insyn/tjanster/{APP}").text
    assert "<strong>mätt på en tidigare version</strong>" in page
    assert "ändrat sedan dess: antal hämtade textavsnitt" in page

    fresh = as_json(cli("apps", "evaluate", APP, "--data", str(path), "--json"))
    assert fresh["app_version"] == 3 and fresh["current_configuration"] is True
    entry = client.get(f"/insyn/api/services/{APP}").json()
    assert entry["measured_evaluations"][0]["current_configuration"] is True
