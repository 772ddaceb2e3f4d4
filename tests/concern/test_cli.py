"""``tillit concern train|analyse|import|models`` — the CLI contract of the concern issue."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from tillit.audit.tables import AuditEvent
from tillit.concern.labels import LABELS

from .conftest import DEV

ANALYSE_ROWS = [
    {"id": "r1", "text": "Pappa slog Elsa Berg med en livrem i går. Hon hade märken på ryggen."},
    {"id": 2, "text": "Eleven har haft hög frånvaro men mår bra enligt mamma."},
    {"id": "tom", "text": ""},
]


def _subset(tmp_path: Path, count: int) -> Path:
    lines = DEV.read_text(encoding="utf-8").splitlines()[:count]
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_train_then_analyse(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    trained = cli("concern", "train", "--data", str(_subset(tmp_path, 150)), "--no-evaluate")
    assert trained.exit_code == 0, trained.output
    versions = json.loads(cli("concern", "models", "--json").stdout)
    assert [(v["version"], v["active"]) for v in versions] == [(1, True)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in ANALYSE_ROWS))
    target = tmp_path / "out.jsonl"
    result = cli("concern", "analyse", "--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["r1", 2, "tom"]
    first = rows[0]
    text = ANALYSE_ROWS[0]["text"]
    assert first["passages"][0]["start"] == 0 and first["passages"][-1]["end"] <= len(text)
    for passage in first["passages"]:
        assert set(passage["labels"]) <= set(LABELS)
        assert set(passage["scores"]) == set(LABELS)
    assert any("fysiskt_vald" in p["labels"] for p in first["passages"])
    assert {"start", "end", "type", "text"} <= set(first["entities"][0])
    assert any(e["type"] == "PERSON" and e["text"] == "Elsa Berg" for e in first["entities"])
    assert "Fysiskt våld" in first["summary"]
    assert rows[2]["passages"] == [] and rows[2]["entities"] == []
    assert rows[2]["summary"] == "Texten är tom; det finns inget att analysera."
    assert "Varning" not in trained.output  # 150 reports: no warning about too few
    assert "samma id" not in result.stderr


def test_analyse_says_when_an_id_is_repeated(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli("concern", "train", "--data", str(_subset(tmp_path, 20)), "--no-evaluate").exit_code
        == 0
    )
    source = tmp_path / "in.jsonl"
    rows = [*ANALYSE_ROWS, {"id": "r1", "text": "En annan text."}, {"id": "2", "text": "Sträng."}]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    target = tmp_path / "out.jsonl"
    result = cli("concern", "analyse", "--input", str(source), "--output", str(target))
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == [
        "r1", 2, "tom", "r1", "2"
    ]  # fmt: skip
    assert 'samma id på flera rader: "r1".' in result.stderr  # the number 2 and "2" differ


def test_a_version_turned_off_in_the_catalogue_analyses_nothing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli("concern", "train", "--data", str(_subset(tmp_path, 20)), "--no-evaluate").exit_code
        == 0
    )
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps(ANALYSE_ROWS[0], ensure_ascii=False))
    analyse = ("concern", "analyse", "--input", str(source), "--output", str(target))
    assert cli("models", "disable", "orosanmalan-passager-v1").exit_code == 0
    refused = cli(*analyse)
    assert refused.exit_code == 1 and "är avstängd i modellkatalogen" in refused.output
    assert not target.exists()
    assert cli("models", "enable", "orosanmalan-passager-v1").exit_code == 0
    assert cli(*analyse).exit_code == 0 and target.exists()


def test_training_a_second_version_compares_with_the_first(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = str(_subset(tmp_path, 40))
    assert cli("concern", "train", "--data", data).exit_code == 0
    second = cli("concern", "train", "--data", data)
    assert second.exit_code == 0, second.output
    versions = json.loads(cli("concern", "models", "--json").stdout)
    assert [v["version"] for v in versions if v["active"]] == [2]
    assert versions[0]["card"]["comparison"] is not None
    assert versions[0]["card"]["evaluation"]["per_label"]
    assert cli("concern", "activate", "1").exit_code == 0  # back to the first version
    versions = json.loads(cli("concern", "models", "--json").stdout)
    assert [v["version"] for v in versions if v["active"]] == [1]
    missing = cli("concern", "activate", "7")
    assert missing.exit_code == 1 and "Versionen finns inte" in missing.stderr


def test_analyse_without_a_trained_classifier_fails_clearly(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ANALYSE_ROWS[0]))
    result = cli("concern", "analyse", "--input", str(source), "--output", str(tmp_path / "o"))
    assert result.exit_code == 1 and "Ingen klassificerare är tränad" in result.output


def test_malformed_training_data_names_the_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _subset(tmp_path, 3)
    path.write_text(path.read_text() + '{"id": "x", "text": "hej"\n')
    result = cli("concern", "train", "--data", str(path))
    assert result.exit_code == 1 and "4" in result.output


def test_training_data_that_cannot_train_says_why_without_a_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    one = _subset(tmp_path, 1)
    result = cli("concern", "train", "--data", str(one))
    assert result.exit_code == 1 and "minst två anmälningar" in result.output
    assert "Traceback" not in result.output
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(_subset(tmp_path, 2).read_bytes() + '{"id": "å"}\n'.encode("latin-1"))
    result = cli("concern", "train", "--data", str(latin1))
    assert result.exit_code == 1 and "rad 3: texten är inte UTF-8" in result.output


def test_import_registers_each_report_once(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = str(_subset(tmp_path, 5))
    first = json.loads(cli("concern", "import", "--input", data, "--json").stdout)
    again = json.loads(cli("concern", "import", "--input", data, "--json").stdout)
    assert len(first["registered"]) == 5 and first["rejected"] == []
    assert again["registered"] == [] and len(again["already_registered"]) == 5


def test_import_lists_each_new_case_and_exits_1_when_a_line_is_refused(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rader.jsonl"
    lines = [
        {"id": "a", "text": "Barnet är hungrigt."},
        {"id": "b"},
        {"id": "c", "text": "Barnet är hungrigt."},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    result = cli("concern", "import", "--input", str(path))
    assert result.exit_code == 1  # line 2 is refused; lines 1 and 3 are still registered
    assert "2 nya ärenden, 0 redan registrerade, 1 avvisade rader." in result.stdout
    first = result.stdout.split("rad 1: ")[1].split()[0]
    assert "rad 3: OA-" in result.stdout and f"(kanske samma anmälan som {first})" in result.stdout
    assert "rad 2 (inte registrerad): raden saknar anmälans text" in result.output


def test_evaluate_measures_a_language_model(cli, platform, upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from tests.support.factories import register_upstream_model
    from tillit.runs.tables import Run

    register_upstream_model(platform, upstream, name="egen", remote="labeller-1", max_class="K3")
    register_upstream_model(platform, upstream, name="publik", remote="labeller-1")
    data = _subset(tmp_path, 4)
    result = cli("concern", "evaluate", "--data", str(data), "--model", "egen", "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["model"] == "egen" and figures["reports"] == 4
    assert figures["unreadable_answers"] == 0 and 0 <= figures["micro_f1"] <= 1
    text = cli("concern", "evaluate", "--data", str(data), "--model", "egen").stdout
    assert "Språkmodellen egen, 4 anmälningar" in text and "Mikro-F1 " in text
    refused = cli("concern", "evaluate", "--data", str(data), "--model", "publik")
    assert refused.exit_code == 1 and "högst K1" in refused.output
    with platform.session() as db:
        runs = list(db.scalars(select(Run).where(Run.kind == "concern.labels.evaluation")))
    assert len(runs) == 9 and {r.status for r in runs} == {"ok", "refused"}


def test_a_new_retention_period_is_audited(cli, platform) -> None:  # type: ignore[no-untyped-def]
    """The period decides when children's data is erased: who changed it, and to what, is on
    record like a change of the office details."""
    result = cli("concern", "retention", "--days", "30")
    assert result.exit_code == 0 and "Gallringsfrist 30 dagar" in result.output
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.settings"))
    assert event is not None and event.detail == {"fields": ["retention_days"], "days": 30}


def test_retention_can_be_told_to_erase_annotations_too(cli, platform) -> None:  # type: ignore[no-untyped-def]
    assert "behålls" in cli("concern", "retention").output  # kept unless the tenant says so
    result = cli("concern", "retention", "--erase-annotations")
    assert result.exit_code == 0 and "Annoterade stycken från gallrade ärenden tas bort" in (
        result.output
    )
    assert "tas bort" in cli("concern", "retention").output  # the rule is kept
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.settings"))
    assert event.detail == {"fields": ["erase_annotations"], "erase_annotations": True}


def test_the_office_email_must_be_an_address(cli) -> None:  # type: ignore[no-untyped-def]
    """It is printed on every letter: a typo is refused, not sent out."""
    refused = cli("concern", "office", "--email", "inte-en-adress")
    assert refused.exit_code == 1 and "ingen e-postadress" in refused.output
    kept = cli("concern", "office", "--email", "barn.unga@kommun.example")
    assert kept.exit_code == 0 and json.loads(kept.stdout)["email"] == "barn.unga@kommun.example"


def test_training_on_a_handful_of_reports_warns_but_does_what_was_asked(
    cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    result = cli("concern", "train", "--data", str(_subset(tmp_path, 3)), "--no-evaluate")
    assert result.exit_code == 0, result.output
    assert "Varning: bara 3 anmälningar" in result.output
    versions = json.loads(cli("concern", "models", "--json").stdout)
    assert [(v["version"], v["active"]) for v in versions] == [(1, True)]  # the contract
