from __future__ import annotations

import pytest

from tillit.concern.classifier import uncertainty


def test_on_the_threshold_is_most_uncertain() -> None:
    thresholds = {"fysiskt_vald": 0.4, "forsummelse": 0.5}
    on_edge = uncertainty({"fysiskt_vald": 0.4, "forsummelse": 0.0}, thresholds)
    near = uncertainty({"fysiskt_vald": 0.45, "forsummelse": 0.0}, thresholds)
    sure = uncertainty({"fysiskt_vald": 0.99, "forsummelse": 0.01}, thresholds)
    assert on_edge == pytest.approx(1.0)
    assert on_edge > near > sure >= 0.0
    # 0.45 is 0.05 above 0.4 out of a possible 0.6: margin 1/12
    assert near == pytest.approx(1 - 0.05 / 0.6)


def test_queue_order_and_edge_cases() -> None:
    thresholds = {"a": 0.3}
    queue = sorted([0.0, 0.29, 0.9, 0.5], key=lambda s: -uncertainty({"a": s}, thresholds))
    assert queue == [0.29, 0.5, 0.9, 0.0]
    assert uncertainty({}, thresholds) == 0.0
    assert uncertainty({"a": 1.0, "b": 0.5}, {"a": 0.3}) == 0.0
