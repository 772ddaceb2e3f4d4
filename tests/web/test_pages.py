"""Signed notices on redirects (web/pages.py)."""

from __future__ import annotations

from urllib.parse import parse_qs

from cryptography.fernet import Fernet

from tillit.auth.secretbox import SecretBox
from tillit.web.pages import MAX_NOTICE, notice_query, verified_notice


def test_a_notice_repeating_a_long_input_is_cut_and_still_verifies() -> None:
    box = SecretBox(Fernet.generate_key())
    query = parse_qs(notice_query(box, "Modellen " + "x" * 100_000 + " finns inte."))
    message, signature = query["message"][0], query["sig"][0]
    assert len(message) == MAX_NOTICE and message.endswith("…")
    assert verified_notice(box, message, signature) == message
    assert verified_notice(box, message + "!", signature) is None
