"""Aging of receivables or payables as of any date, read from ``serving.duckdb``.

The pipeline publishes ``mart_ar_aging`` / ``mart_ap_aging`` for its report dates (month ends, the
latest date, requested dates) with the buckets of the dbt var ``aging_buckets``. An analyst often
wants another day, or other buckets, so this module ages any date from the published balance
periods (``fct_receivable_balance_periods`` / ``fct_payable_balance_periods``: what each instalment
had open from when to when) with the bucket rule of ``operational.services.open_items.bucket``.
On a report date with the published buckets it gives exactly the mart's rows (tested), and on any
date it gives the store's ``open_items.aging`` (tested). The money not yet applied (未核销) on the
date comes from ``fct_receivable_unapplied_periods`` / ``fct_payable_unapplied_periods`` and is the
partner's row in bucket ``open_items.UNAPPLIED`` (order −1), negative, so a partner's rows add up to
its net balance, as in the marts and the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboards.serving import Query, fetch, query
from operational.services import open_items


@dataclass(frozen=True)
class AgingSide:
    name: str  # "ar" or "ap"
    aging_mart: str
    periods: str
    partner_key: str  # customer_id / supplier_id
    partner_dim: str
    partner_label: str  # SQL over the dimension aliased "d"
    document_key: str  # invoice_id / bill_id
    unapplied_periods: str  # what each receipt / payment / note had unapplied from when to when


AR = AgingSide("ar", "mart_ar_aging", "fct_receivable_balance_periods", "customer_id", "dim_customer",
               "d.customer_code || ' ' || d.customer_name", "invoice_id", "fct_receivable_unapplied_periods")
AP = AgingSide("ap", "mart_ap_aging", "fct_payable_balance_periods", "supplier_id", "dim_supplier",
               "d.supplier_name", "bill_id", "fct_payable_unapplied_periods")

_RANGE = re.compile(r"^\d+-(\d+)$")


def bounds_from_labels(labels: Sequence[str]) -> tuple[int, ...]:
    """The bucket bounds the pipeline ran with, read back from dim_aging_buckets' labels ("1-30", …)."""
    found = sorted(int(m.group(1)) for label in labels if (m := _RANGE.match(label)))
    return tuple(found) or open_items.DEFAULT_BUCKETS


@dataclass(frozen=True)
class AgingOptions:
    report_dates: list[date] = field(default_factory=list)  # the mart's report dates, newest first
    partners: dict[int, str] = field(default_factory=dict)  # everyone with an instalment ever open
    bounds: tuple[int, ...] = open_items.DEFAULT_BUCKETS  # the buckets the pipeline published with

    @property
    def latest(self) -> date | None:
        return self.report_dates[0] if self.report_dates else None


_BOUNDS = query("SELECT bucket_label FROM dim_aging_buckets ORDER BY bucket_order", as_rows=True)


def aging_options(side: AgingSide) -> AgingOptions:
    dates, partners, labels = fetch(
        query(f"SELECT DISTINCT report_date FROM {side.aging_mart} ORDER BY report_date DESC", as_rows=True),
        query(f"SELECT DISTINCT p.{side.partner_key}, {side.partner_label} FROM "
              f"(SELECT {side.partner_key} FROM {side.periods} UNION SELECT {side.partner_key} "
              f"FROM {side.unapplied_periods}) AS p "
              f"JOIN {side.partner_dim} AS d USING ({side.partner_key}) ORDER BY 2", as_rows=True),
        _BOUNDS,
    )
    return AgingOptions([r[0] for r in dates], dict(partners), bounds_from_labels([r[0] for r in labels]))


@dataclass(frozen=True)
class Aging:
    as_of: date
    bounds: tuple[int, ...]
    # partner_id, partner_name, bucket_order, bucket_label, outstanding_amount, instalment_count,
    # document_count, max_days_overdue: one row per partner × bucket with something open; the money
    # not yet applied is the row of bucket UNAPPLIED (order −1, negative amount, counts 0, no age)
    by_partner: pd.DataFrame
    # bucket_order, bucket_label, outstanding_amount: every bucket of ``bounds``, empty ones as 0
    buckets: pd.DataFrame
    unapplied: float = 0.0  # the UNAPPLIED column's total (negative or 0)

    @property
    def net_total(self) -> float:
        """Buckets + the unapplied column: the partners' net balance (rounded to the cent)."""
        return round(float(self.buckets["outstanding_amount"].sum()) + self.unapplied, 2)


def _aged_on(side: AgingSide, as_of: date, bounds: Sequence[int] | None, partner_id: int | None) -> Query:
    """The instalments open on ``as_of``, summed per partner × bucket in SQL: partner_id,
    partner_name, bucket_order, outstanding_cents (integer cents, so totals add up exactly),
    instalment_count, document_count, max_days_overdue.

    Summing here, not in pandas, keeps the call's cost to the partners × buckets it returns instead
    of every open instalment (tens of thousands at scale 20). The bucket is
    ``open_items.bucket``'s rule: order 0 when age ≤ 0, else 1 + the number of bounds below the
    age (so ``age <= bound_n`` lands in n, past the last bound in len + 1). Without ``bounds`` they
    are the published ones, read from dim_aging_buckets' labels as ``bounds_from_labels`` reads
    them ("1-30" → 30), falling back to ``open_items.DEFAULT_BUCKETS``."""
    partner = "" if partner_id is None else f"AND p.{side.partner_key} = $partner_id"
    params: dict[str, object] = {"d": as_of}
    if partner_id is not None:
        params["partner_id"] = partner_id
    if bounds is None:
        chosen = ("(SELECT coalesce(list(TRY_CAST(regexp_extract(bucket_label, '^\\d+-(\\d+)$', 1) AS INTEGER) "
                  "ORDER BY bucket_order) FILTER (WHERE regexp_matches(bucket_label, '^\\d+-(\\d+)$')), "
                  "$default_bounds) FROM dim_aging_buckets)")
        params["default_bounds"] = list(open_items.DEFAULT_BUCKETS)
    else:
        chosen, params["bounds"] = "$bounds", list(bounds)
    return query(
        f"WITH b AS (SELECT {chosen}::INTEGER[] AS bounds), "
        f"o AS (SELECT p.{side.partner_key} AS partner_id, p.{side.document_key} AS document_id, "
        f"  datediff('day', p.due_date, $d::DATE) AS age, "
        f"  CAST(round(p.outstanding_amount * 100) AS BIGINT) AS cents "
        f"  FROM {side.periods} AS p "
        f"  WHERE p.valid_from <= $d AND (p.valid_to IS NULL OR $d < p.valid_to) {partner}), "
        f"g AS (SELECT o.partner_id, CASE WHEN o.age <= 0 THEN 0 "
        f"        ELSE 1 + len(list_filter(b.bounds, lambda x: x < o.age)) END AS bucket_order, "
        f"      CAST(sum(o.cents) AS BIGINT) AS outstanding_cents, count(*) AS instalment_count, "
        f"      count(DISTINCT o.document_id) AS document_count, max(o.age) AS max_days_overdue "
        f"    FROM o, b GROUP BY 1, 2) "
        f"SELECT g.partner_id, {side.partner_label} AS partner_name, g.bucket_order, g.outstanding_cents, "
        f"  g.instalment_count, g.document_count, g.max_days_overdue "
        f"FROM g JOIN {side.partner_dim} AS d ON d.{side.partner_key} = g.partner_id",
        **params)


def _unapplied_on(side: AgingSide, as_of: date, partner_id: int | None) -> Query:
    """Money not yet applied on ``as_of`` per partner: partner_id, partner_name, unapplied_cents."""
    partner = "" if partner_id is None else f"AND u.{side.partner_key} = $partner_id"
    params = {} if partner_id is None else {"partner_id": partner_id}
    return query(
        f"SELECT u.{side.partner_key} AS partner_id, {side.partner_label} AS partner_name, "
        f"CAST(sum(round(u.unapplied_amount * 100)) AS BIGINT) AS unapplied_cents "
        f"FROM {side.unapplied_periods} AS u JOIN {side.partner_dim} AS d USING ({side.partner_key}) "
        f"WHERE u.valid_from <= $d AND (u.valid_to IS NULL OR $d < u.valid_to) {partner} "
        f"GROUP BY 1, 2 HAVING sum(u.unapplied_amount) <> 0", d=as_of, **params)


def aging(side: AgingSide, as_of: date, bounds: Sequence[int] | None = None, *, partner_id: int | None = None,
          bucket_orders: Sequence[int] | None = None) -> Aging:
    """Outstanding on ``as_of`` per partner × bucket (age = as_of − due date), buckets by ``bounds``
    (default: the published ones), and the money not yet applied in bucket UNAPPLIED (order −1,
    negative). ``bucket_orders`` keeps only those buckets (−1 for the unapplied one). Raises
    ``ValidationError`` for bounds that are not positive and increasing."""
    if bounds is not None:
        bounds = open_items.check_buckets(bounds)  # before they go into the SQL
    labels_published, rows, credit = fetch(_BOUNDS, _aged_on(side, as_of, bounds, partner_id),
                                           _unapplied_on(side, as_of, partner_id))  # one connection
    bounds = open_items.check_buckets(bounds if bounds is not None
                                      else bounds_from_labels([r[0] for r in labels_published]))
    labels = open_items.bucket_labels(bounds)
    columns = ["partner_id", "partner_name", "bucket_order", "bucket_label", "outstanding_amount",
               "instalment_count", "document_count", "max_days_overdue"]
    totals: dict[int, int] = {}
    if bucket_orders and not rows.empty:
        rows = rows[rows["bucket_order"].isin(list(bucket_orders))]
    if not rows.empty:
        rows = rows[rows["outstanding_cents"] != 0]
    if rows.empty:
        by_partner = pd.DataFrame(columns=columns)
    else:
        totals = rows.groupby("bucket_order")["outstanding_cents"].sum().to_dict()
        by_partner = rows.assign(bucket_label=rows["bucket_order"].map(lambda o: labels[o]),
                                 outstanding_amount=rows["outstanding_cents"] / 100)[columns]
        by_partner = by_partner.sort_values(["partner_name", "bucket_order"]).reset_index(drop=True)
    unapplied_cents = 0
    if not credit.empty and (not bucket_orders or open_items.UNAPPLIED_ORDER in bucket_orders):
        extra = pd.DataFrame({
            "partner_id": credit["partner_id"], "partner_name": credit["partner_name"],
            "bucket_order": open_items.UNAPPLIED_ORDER, "bucket_label": open_items.UNAPPLIED,
            "outstanding_amount": -credit["unapplied_cents"] / 100, "instalment_count": 0, "document_count": 0,
            "max_days_overdue": pd.NA})[columns]
        unapplied_cents = -int(credit["unapplied_cents"].sum())
        by_partner = extra if by_partner.empty else pd.concat([by_partner, extra], ignore_index=True)
        by_partner = by_partner.sort_values(["partner_name", "bucket_order"]).reset_index(drop=True)
    shown = [o for o in range(len(labels)) if not bucket_orders or o in bucket_orders]
    buckets = pd.DataFrame({"bucket_order": shown, "bucket_label": [labels[o] for o in shown],
                            "outstanding_amount": [totals.get(o, 0) / 100 for o in shown]})
    return Aging(as_of, bounds, by_partner, buckets, unapplied_cents / 100)
