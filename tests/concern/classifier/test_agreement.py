from __future__ import annotations

import pytest

from tillit.concern.classifier import krippendorff_alpha


def test_two_annotators_match_a_hand_computed_alpha() -> None:
    # fysiskt_vald: A = 1,1,0,0 and B = 1,0,0,0. Coincidences o00=4, o11=2, o01=o10=1;
    # n0=5, n1=3, n=8. D_o = 2/8, D_e = 2*5*3/(8*7) = 30/56, alpha = 1 - 0.25/(30/56) = 8/15.
    a = [{"fysiskt_vald"}, {"fysiskt_vald"}, set(), set()]
    b = [{"fysiskt_vald"}, set(), set(), set()]
    result = krippendorff_alpha([a, b])
    assert result.per_label["fysiskt_vald"] == pytest.approx(8 / 15)
    assert result.per_label["sexuellt_vald"] is None  # nobody ever used it: undefined
    # Pooled over 8 labels x 4 passages: 32 units, one disagreement.
    # o11=2, o01=o10=1, o00=60; n1=3, n0=61, n=64.
    expected = 1 - (2 / 64) / (2 * 61 * 3 / (64 * 63))
    assert result.overall == pytest.approx(expected)
    assert result.annotators == 2 and result.passages == 4


def test_perfect_agreement_and_missing_values() -> None:
    a = [{"forsummelse"}, set(), {"forsummelse", "psykiskt_vald"}, None]
    b = [{"forsummelse"}, set(), {"psykiskt_vald", "forsummelse"}, {"forsummelse"}]
    c = [None, set(), {"forsummelse", "psykiskt_vald"}, {"forsummelse"}]
    result = krippendorff_alpha([a, b, c])
    assert result.per_label["forsummelse"] == pytest.approx(1.0)
    assert result.exact_set == pytest.approx(1.0)
    assert result.overall == pytest.approx(1.0)


def test_exact_set_is_stricter_than_per_label() -> None:
    a = [{"fysiskt_vald", "bevittnat_vald"}, {"fysiskt_vald"}, set(), {"psykiskt_vald"}]
    b = [{"fysiskt_vald"}, {"fysiskt_vald"}, set(), {"psykiskt_vald"}]
    result = krippendorff_alpha([a, b])
    assert result.per_label["fysiskt_vald"] == pytest.approx(1.0)
    assert result.exact_set is not None and result.exact_set < 1.0


def test_needs_two_annotators_covering_the_same_passages() -> None:
    with pytest.raises(ValueError, match="two annotators"):
        krippendorff_alpha([[set()]])
    with pytest.raises(ValueError, match="same passages"):
        krippendorff_alpha([[set()], [set(), set()]])
