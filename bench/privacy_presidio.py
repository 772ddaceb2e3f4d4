"""Microsoft Presidio configured as well as it can be for Swedish, offline (benchmark only).

No Swedish spaCy NER model can be downloaded here, so Presidio runs with:
- NLP engine: spaCy's blank Swedish pipeline (``spacy.blank("sv")``: tokenizer only, no NER),
  saved to a temporary folder and loaded through ``SpacyNlpEngine``;
- Presidio's own recognizers, switched to Swedish: ``EmailRecognizer``, ``PhoneRecognizer``
  (libphonenumber, region SE), ``IbanRecognizer``;
- custom ``PatternRecognizer``s: PNR (all written forms, Luhn-validated with python-stdnum),
  ADDRESS (street ending + number + optional postcode and town), PERSON as a case-sensitive deny
  list of Faker's sv_SE first and last names (Presidio's way to find names without NER).
ORG has no recognizer (Presidio finds organisations only through an NER model).

Install: pip install presidio-analyzer (pulls spaCy); nothing else is downloaded.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable

PRESIDIO_TO_TILLIT = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "IBAN_CODE": "IBAN",
    "SE_PNR": "PNR",
    "SE_ADDRESS": "ADDRESS",
    "PERSON": "PERSON",
}
PNR_REGEX = r"(?<![\w-])(?:18|19|20)?\d{6}[-+]?\d{4}(?![\w-])"
ADDRESS_REGEX = (
    r"[A-ZÅÄÖ][\wåäö]*(?:gatan|vägen|gränd|stigen|gången|allén|torget|backen|platsen|slingan)"
    r"(?: \d{1,4}(?: ?[A-Z])?)?(?:,? \d{3} ?\d{2} [A-ZÅÄÖ][\wåäö]+)?"
)


def presidio_predictor() -> Callable[[str], list[tuple[int, int, str]]]:
    analyzer = _analyzer()
    entities = list(PRESIDIO_TO_TILLIT)

    def predict(text: str) -> list[tuple[int, int, str]]:
        results = analyzer.analyze(text=text, language="sv", entities=entities)
        return [(r.start, r.end, PRESIDIO_TO_TILLIT[r.entity_type]) for r in results]

    return predict


def _analyzer():  # type: ignore[no-untyped-def]
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
    )

    # offline: the bundled public-suffix snapshot, no download attempt (EmailRecognizer uses it)
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    folder = tempfile.mkdtemp(prefix="presidio-sv-")
    spacy.blank("sv").to_disk(folder)
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "sv", "model_name": folder}])
    registry = RecognizerRegistry(supported_languages=["sv"])
    registry.add_recognizer(EmailRecognizer(supported_language="sv"))
    registry.add_recognizer(PhoneRecognizer(supported_language="sv", supported_regions=("SE",)))
    registry.add_recognizer(IbanRecognizer(supported_language="sv"))
    for recognizer in _custom_recognizers():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["sv"])


def _custom_recognizers() -> list:  # type: ignore[type-arg]
    from presidio_analyzer import Pattern, PatternRecognizer
    from stdnum import luhn

    from tillit.privacy.names import replacement_names

    class PnrRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            digits = re.sub(r"\D", "", pattern_text)[-10:]
            return luhn.is_valid(digits)

    firsts, lasts = replacement_names()
    flags = re.DOTALL | re.MULTILINE  # case-sensitive: "per" is a word, "Per" a name
    return [
        PnrRecognizer(
            supported_entity="SE_PNR",
            patterns=[Pattern("pnr", PNR_REGEX, 0.5)],
            supported_language="sv",
        ),
        PatternRecognizer(
            supported_entity="SE_ADDRESS",
            patterns=[Pattern("address", ADDRESS_REGEX, 0.5)],
            supported_language="sv",
        ),
        PatternRecognizer(
            supported_entity="PERSON",
            deny_list=sorted(set(firsts) | set(lasts)),
            supported_language="sv",
            global_regex_flags=flags,
        ),
    ]
