"""Personal data is read as role words: the classifier's input never holds a name or number,
and a model trained on real-looking reports stores none of their names."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from tillit.concern.classifier import LabelledReport, PassageClassifier
from tillit.concern.classifier.features import _stemmer
from tillit.concern.classifier.roles import ROLES, passage_texts

TEXT = (
    "Jag heter Annika Lindqvist och ringer om Elias Nordström, 140621-2389. "
    "Elias hade blåmärken på armarna. Pappan Johan Nordström skakade Elias. "
    "Ring mig på 070-174 06 12 eller annika.lindqvist@example.se."
)
DEV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "concern" / "dev.jsonl"


def _spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.]+\.", text)]


def test_people_and_numbers_become_role_words() -> None:
    spans = _spans(TEXT)
    seen = passage_texts(TEXT, spans, ROLES)
    assert len(seen) == len(spans)
    joined = " ".join(seen)
    for value in ("Annika", "Lindqvist", "Elias", "Nordström", "Johan", "140621", "070-174"):
        assert value not in joined
    assert "ringer om Barnet, Personnumret" in seen[0]  # the most-mentioned person is the child
    assert seen[1].strip() == "Barnet hade blåmärken på armarna."
    assert "Pappan Personen skakade Barnet" in seen[2]
    assert "Telefonnumret" in seen[3] and "E-postadressen" in seen[3]


def test_an_entity_across_a_span_boundary_is_replaced_on_both_sides() -> None:
    text = "Anmälan gäller Elias Nordström som bor här."
    cut = text.index("Nordström") + 3
    left, right = passage_texts(text, [(0, cut), (cut, len(text))], ROLES)
    assert "Nor" not in left and "dström" not in right
    assert left.endswith("Barnet") and right.startswith("Barnet")


def test_without_normalising_the_text_is_read_as_written() -> None:
    spans = _spans(TEXT)
    assert passage_texts(TEXT, spans, "") == [TEXT[a:b] for a, b in spans]


def _gold_person_names() -> tuple[set[str], set[str]]:
    """Stemmed single names and first+last name bigrams of the dev set's gold PERSON spans."""
    stem = _stemmer()
    singles, pairs = set(), set()
    for line in DEV.read_text(encoding="utf-8").splitlines():
        for pii in json.loads(line)["pii"]:
            if pii["type"] == "PERSON":
                words = stem(re.findall(r"\w+", pii["text"].lower()))
                singles.update(words)
                pairs.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return singles, pairs


def test_a_trained_model_stores_no_names_of_its_training_reports(
    model: PassageClassifier, split: tuple[list[LabelledReport], list[LabelledReport]]
) -> None:
    assert model.normalise == ROLES
    vocabulary = set(model.featurizer.blocks[0].vocabulary)
    singles, pairs = _gold_person_names()
    assert not vocabulary & pairs  # no first name + surname
    # Single stems may be ordinary words too ("alm", "berg", "ros"): a few may stay.
    assert len(vocabulary & singles) <= 0.1 * len(singles)


def test_a_model_saved_before_role_words_still_reads_text_as_written(
    model: PassageClassifier, tmp_path: Path
) -> None:
    model.save(tmp_path / "m")
    meta_path = tmp_path / "m" / "model.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["normalise"]
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    assert PassageClassifier.load(tmp_path / "m").normalise == ""
    assert PassageClassifier.load(tmp_path / "m").version == model.version
