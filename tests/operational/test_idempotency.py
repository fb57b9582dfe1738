"""Idempotent submission: the same form token creates its document once, also when two
transactions submit it at the same instant, on both backends."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import FormSubmission, PurchaseOrder
from operational.services import idempotency, purchasing
from operational.services.errors import ValidationError
from operational.services.orders import OrderLineInput as L


def _count(engine, model=PurchaseOrder) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _create(s, t, qty: str = "10"):  # noqa: ANN001, ANN202
    return lambda: purchasing.create_purchase_order(s, t.supplier, t.wh1, date(2026, 4, 1), [L(t.water, qty, "1.20")])


def test_same_token_twice_creates_one_document(tiny):
    t = tiny
    with unit_of_work(t.engine) as s:
        first = idempotency.once(s, "tok-1", _create(s, t))
        first_no = first.document.doc_no
    with unit_of_work(t.engine) as s:
        again = idempotency.once(s, "tok-1", _create(s, t, "99"))
        assert (again.created, again.document.doc_no) == (False, first_no)
        assert again.document.lines[0].quantity == 10  # the first submission's document, untouched
    assert first.created
    assert _count(t.engine) == 1
    # A new token (the next, cleared form) is a new document.
    with unit_of_work(t.engine) as s:
        other = idempotency.once(s, "tok-2", _create(s, t))
        assert other.created and other.document.doc_no != first_no
    assert _count(t.engine) == 2


def test_a_failed_submission_keeps_the_token_usable(tiny):
    t = tiny
    with pytest.raises(ValidationError), unit_of_work(t.engine) as s:
        idempotency.once(s, "tok-bad", _create(s, t, "-1"))
    assert _count(t.engine, FormSubmission) == 0  # rolled back with the document
    with unit_of_work(t.engine) as s:
        assert idempotency.once(s, "tok-bad", _create(s, t, "1")).created
    assert _count(t.engine) == 1


def test_old_submission_records_are_pruned_and_recent_ones_kept(tiny):
    t = tiny
    now = datetime(2026, 6, 1, 12, 0)
    with unit_of_work(t.engine) as s:
        idempotency.once(s, "tok-old", _create(s, t))
        idempotency.once(s, "tok-new", _create(s, t))
        s.get(FormSubmission, "tok-old").created_at = now - timedelta(days=idempotency.KEEP_SUBMISSION_DAYS, seconds=1)
        s.get(FormSubmission, "tok-new").created_at = now - timedelta(days=idempotency.KEEP_SUBMISSION_DAYS - 1)
    with unit_of_work(t.engine) as s:
        assert idempotency.prune_submissions(s, now=now) == 1
    with unit_of_work(t.engine) as s:
        assert [row.token for row in s.scalars(select(FormSubmission))] == ["tok-new"]
        # The kept token still finds its document: a late double click creates nothing.
        assert not idempotency.once(s, "tok-new", _create(s, t)).created
    assert _count(t.engine) == 2  # pruning records never deletes documents


def _race(t, token: str) -> tuple[list[tuple[bool, str]], list[BaseException]]:  # noqa: ANN001
    """Submit ``token`` from two threads released at the same instant; each holds its transaction
    open for a moment after creating, so the other one really has to wait for it."""
    barrier = threading.Barrier(2)
    results: list[tuple[bool, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait()
        try:
            with unit_of_work(t.engine) as s:
                def create():  # noqa: ANN202
                    order = _create(s, t)()
                    time.sleep(0.2)
                    return order
                outcome = idempotency.once(s, token, create)
                result = (outcome.created, outcome.document.doc_no)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return results, errors


def test_two_threads_with_the_same_token_create_one_document(tiny):
    t = tiny
    for round_no in range(4):
        results, errors = _race(t, f"race-{round_no}")
        assert errors == []
        assert sorted(created for created, _ in results) == [False, True]
        assert len({doc_no for _, doc_no in results}) == 1
        assert _count(t.engine) == round_no + 1
