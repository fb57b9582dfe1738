"""The GX 1.x runner: each expectation's outcome, failures with samples, errors counted as failures."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.checks.expectations import greater_than, in_set, not_in_set, not_null, validate_frame

pytestmark = pytest.mark.slow  # importing great_expectations takes ~15 s


def test_outcomes_report_counts_and_samples() -> None:
    frame = pd.DataFrame({"quantity": [5.0, 0.0, None, -2.0], "movement_type": ["receipt", "gift", "shipment", None]})
    outcomes = validate_frame(frame, [
        not_null("quantity"), not_in_set("quantity", (0,)), greater_than("quantity", 0),
        in_set("movement_type", ("receipt", "shipment")),
    ])
    by_label = {o.expectation.label: o for o in outcomes}
    assert [o.success for o in outcomes] == [False, False, False, False]
    assert by_label["quantity not_null"].unexpected_count == 1
    assert by_label["quantity not_in_set [0]"].sample == [0.0]
    assert sorted(by_label["quantity greater_than > 0"].sample) == [-2.0, 0.0]
    assert by_label["movement_type in_set ['receipt', 'shipment']"].sample == ["gift"]
    assert by_label["quantity not_null"].as_json()["unexpected_sample"] == [None]


def test_clean_and_empty_frames_pass() -> None:
    clean = pd.DataFrame({"alert_type": ["below_min", "above_max"]})
    empty = pd.DataFrame({"alert_type": pd.Series([], dtype=object)})
    for frame in (clean, empty):
        [outcome] = validate_frame(frame, [in_set("alert_type", ("below_min", "above_max"))])
        assert outcome.success and outcome.error is None


def test_missing_column_is_a_failure_with_the_reason() -> None:
    [outcome] = validate_frame(pd.DataFrame({"a": [1]}), [not_null("quantity")])
    assert not outcome.success
    assert "quantity" in (outcome.error or "")
