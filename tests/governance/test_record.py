"""The governance record holds every §2.1 field people know, all optional: records stored before
the fields existed still validate, the empty YAML skeleton lists each field once, and wrong
values are refused in Swedish, naming the field."""

from __future__ import annotations

import pytest
import yaml

from tests.governance.lifecycle import RECORD
from tillit.errors import InvalidInput
from tillit.governance.record import RecordData, dump_record, parse_record

NEW_FIELDS = {
    "national_id", "summary_plain", "public_page_url", "theme", "team", "suppliers",
    "goal_and_impact", "scope_in", "benefit", "previous_process", "alternatives",
    "proportionality", "processing_register_url", "privacy_notice_url", "process_integration",
    "output_provided", "frequency_scale", "staff_training", "architecture_url",
    "source_code_url", "data_categories", "personal_data", "special_categories",
    "data_collection", "sharing_agreements", "storage_location_retention",
    "non_discrimination", "protected_attributes_used", "assessments_not_done_reason",
    "eu_db_url", "accessibility_statement_url", "wcag_level", "review_schedule", "next_review",
    "monitoring_metrics",
}  # fmt: skip


def test_a_record_stored_before_the_new_fields_still_validates() -> None:
    record = RecordData.model_validate(RECORD)
    assert set(RecordData.model_fields) >= NEW_FIELDS
    for field in NEW_FIELDS:
        assert getattr(record, field) in (None, []), field
    assert parse_record(dump_record(record)) == record


def test_the_empty_skeleton_lists_every_field_once_and_reads_back_empty() -> None:
    skeleton = dump_record(RecordData())
    data = yaml.safe_load(skeleton)
    assert set(data) == set(RecordData.model_fields) - {"ai_act"}
    for field in data:
        assert skeleton.count(f"\n{field}:") == 1, field
    assert "# --- Leverantörer ---" in skeleton and "contract_ref" in skeleton
    assert parse_record(skeleton) == RecordData()


def test_filled_fields_are_kept_with_their_types() -> None:
    record = parse_record(
        "personal_data: pseudonymiserade\n"
        "next_review: 2026-12-31\n"
        "theme: [Bygga och bo]\n"
        "monitoring_metrics: [Andel frågor utan svar]\n"
        "privacy_notice_url: https://kommun.example/personuppgifter\n"
        "suppliers:\n"
        "  - {name: Drift AB, org_no: 556000-0000, contract_ref: KS 2026/12}\n"
    )
    assert record.next_review is not None and record.next_review.isoformat() == "2026-12-31"
    assert record.suppliers[0].contract_ref == "KS 2026/12"
    assert parse_record(dump_record(record)) == record


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("public_page_url: ftp://kommun.example", "public_page_url: har fel format"),
        ("eu_db_url: europa.eu", "eu_db_url: har fel format"),
        ("personal_data: kanske", "måste vara 'identifierade', 'pseudonymiserade' eller 'inga'"),
        ("summary_plain: " + "a" * 401, "summary_plain: får ha högst 400 tecken"),
        ("next_review: 31/12", "next_review: måste vara ett datum"),
        ("suppliers: [{name: Drift AB, avtal: 1}]", "suppliers.0.avtal: okänt fält"),
        ("suppliers: [{org_no: 556000-0000}]", "suppliers.0.name: saknas"),
        ("theme: ['']", "theme.0: måste ha minst 1 tecken"),
        ("monitoring_metrics: " + str(["x"] * 31), "monitoring_metrics: får ha högst 30"),
    ],
)
def test_wrong_values_are_refused_naming_the_field(raw: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_record(raw)
    assert problem in str(refused.value)


def test_nesting_too_deep_for_the_parser_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_record("theme: " + "[" * 5000)  # a RecursionError in PyYAML
    assert refused.value.message == "Underlaget är för djupt nästlat."


def test_a_record_with_text_that_cannot_be_stored_is_refused() -> None:
    from tillit.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        parse_record('purpose: "\\ud800"\n')
    assert refused.value.code == "invalid_record" and "Unicode" in refused.value.message
