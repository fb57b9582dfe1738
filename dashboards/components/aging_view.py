"""The aging section shared by the receivables and payables pages: any date, any buckets.

The date defaults to the latest published report date and the buckets to the ones the pipeline
ran with; both can be changed (``dashboards.serving_open_items`` ages any date from the published
balance periods). Shows the net total and overdue amount, the buckets as a chart, one row per
partner with the buckets as columns, then the money not yet applied (未核销) as a negative column,
then the row total = the partner's net balance (exportable), and hands the partner the user picks
to ``drill``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.express as px
import streamlit as st

from dashboards import serving_open_items as soi
from dashboards.components import charts
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import money, show_table
from dashboards.components.freshness import published_caption
from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from operational.services import open_items
from operational.services.errors import DomainError, ValidationError


@dataclass(frozen=True)
class AgingTexts:
    """Catalog keys of the side's own words."""
    partner: str  # filter label: customer / supplier
    all_partners: str
    partner_column: str
    total: str
    overdue: str
    drill: str
    no_data: str
    empty: str


def bucket_text(label: str) -> str:
    if label == open_items.UNAPPLIED:
        return t("ui.aging.unapplied")
    return t("ui.aging.not_due") if label == open_items.NOT_DUE else t("ui.aging.bucket_days", days=label)


def bucket_orders_exclude_unapplied(chosen: list[int]) -> bool:
    """A bucket filter without 未核销 hides that column."""
    return bool(chosen) and open_items.UNAPPLIED_ORDER not in chosen


def _bounds(text: str) -> tuple[int, ...]:
    """"30,60,90" (or with Chinese commas or spaces) → (30, 60, 90); a clear error otherwise."""
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p]
    if not all(p.isdigit() for p in parts):
        raise ValidationError("invalid_buckets", field="buckets", value=text)
    return open_items.check_buckets(parts)


def aging_section(side: soi.AgingSide, key: str, texts: AgingTexts, drill: Callable[[int], None]) -> None:
    options = soi.aging_options(side)
    if options.latest is None:
        st.info(t(texts.no_data))
        return
    cols = st.columns([1, 1, 2, 2])
    as_of = date_field(t("ui.aging.as_of"), value=options.latest, key=f"{key}.date",
                               help=t("ui.aging.as_of_help"), where=cols[0])
    bounds_text = cols[1].text_input(t("ui.aging.bounds"), value=",".join(map(str, options.bounds)),
                                     key=f"{key}.bounds", help=t("ui.aging.bounds_help"))
    partners = options.partners
    partner_id = cols[2].selectbox(t(texts.partner), [None, *partners], key=f"{key}.partner",
                                   format_func=lambda i: t(texts.all_partners) if i is None else partners[i])
    try:
        bounds = _bounds(bounds_text)
    except DomainError as err:
        st.error(text(err.message(current_language())))
        return
    labels = open_items.bucket_labels(bounds)
    # Keyed by the bounds: a bucket number picked under other bounds means another bucket (or none).
    chosen = cols[3].multiselect(t("ui.aging.only_buckets"), [*range(len(labels)), open_items.UNAPPLIED_ORDER],
                                 key=f"{key}.buckets.{'-'.join(map(str, bounds))}",
                                 format_func=lambda o: bucket_text(open_items.UNAPPLIED if o < 0 else labels[o]),
                                 placeholder=t("ui.edges_rest.all"))
    data = soi.aging(side, as_of, bounds, partner_id=partner_id, bucket_orders=tuple(chosen) or None)
    published_caption()  # the aging is an analysis: as of the last publish, not live
    if data.by_partner.empty:
        st.info(t(texts.empty))
        return
    overdue = data.buckets.loc[data.buckets["bucket_order"] > 0, "outstanding_amount"].sum()
    left, mid, right = st.columns(3)
    left.metric(t(texts.total), money(data.net_total), help=t("ui.aging.unapplied_help"))
    mid.metric(t(texts.overdue), money(overdue))
    right.metric(t("ui.aging.unapplied"), money(data.unapplied))
    chart = data.buckets.assign(bucket=data.buckets["bucket_label"].map(bucket_text))
    charts.plot(px.bar(chart, x="bucket", y="outstanding_amount", title=t("ui.aging.chart"),
                       labels={"bucket": t("ui.aging.bucket"), "outstanding_amount": t(texts.total)})
                .update_layout(height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10}), key=f"{key}.chart")
    # partner × bucket as one row per partner, buckets in their order, then 未核销 (negative), then
    # the total = the net balance (the table a collector reads)
    columns = [bucket_text(labels[o]) for o in data.buckets["bucket_order"]]
    if not bucket_orders_exclude_unapplied(chosen):
        columns.append(bucket_text(open_items.UNAPPLIED))
    wide = (data.by_partner.assign(bucket=data.by_partner["bucket_label"].map(bucket_text))
            .pivot_table(index=["partner_id", "partner_name"], columns="bucket", values="outstanding_amount",
                         aggfunc="sum", fill_value=0.0)
            .reindex(columns=columns, fill_value=0.0))
    wide[t(texts.total)] = wide.sum(axis=1).round(2)  # the net balance: 未核销 is negative
    wide = wide.reset_index().sort_values(t(texts.total), ascending=False)
    shown = wide.drop(columns=["partner_id"]).rename(columns={"partner_name": t(texts.partner_column)})
    show_table(shown, money=shown.columns[1:])
    export_buttons(shown, f"{side.name}_aging_{as_of:%Y%m%d}", f"{key}.export")
    names = dict(zip(wide["partner_id"], wide["partner_name"], strict=True))
    picked = st.selectbox(t(texts.drill), [None, *names], key=f"{key}.drill",
                          format_func=lambda i: t("ui.aging.choose") if i is None else names[i])
    if picked is not None:
        drill(int(picked))
