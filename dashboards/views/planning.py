"""Supply planning (供应计划): the published plan — items running out and when, suggestions with
their reasons, the forecast behind an item (history, 80 / 95 % intervals, backtest accuracy), the ABC × XYZ matrix — and the planner's actions: select suggestions and create draft
purchase orders (one per supplier and warehouse) and draft transfers through the services, and
adjust the demand plan of a product and week for the next plan. Purchasing acts; managers and
analysts read."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboards import serving, serving_planning
from dashboards.components import charts, form_state
from dashboards.components.filters import no_data_message
from dashboards.components.forecast_chart import series_forecast_panel
from dashboards.components.format import quantity, show_table, with_headers
from dashboards.i18n import current_language, t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models import ABC_CLASSES, ADJUSTMENT_MODES
from operational.services import replenishment
from operational.services.errors import ValidationError
from operational.services.validation import current_day
from planning.policy import DEFAULT_SERVICE_LEVELS
from planning.reasons import reason_text

PICK = "plan.create"
LEVELS = "plan.levels"
ADJUST = "plan.adj"
WRITERS = ("purchasing", "admin")
COL = "ui.planning.col"
# The reason right after what and how many, so a narrow screen does not scroll it out of view.
SUGGESTION_COLUMNS = ("kind_label", "sku", "product_name", "suggested_qty", "unit", "reason_shown", "warehouse_name",
                      "from_warehouse_name", "supplier_name", "runout_week_start", "lead_time_days", "safety_stock",
                      "reorder_point", "abc_class")
RUNOUT_COLUMNS = ("sku", "product_name", "warehouse_name", "runout_week", "runout_week_start", "on_hand_qty",
                  "safety_stock", "reorder_point", "abc_class", "xyz_class")
ABC_COLUMNS = ("sku", "product_name", "abc_class", "xyz_class", "consumption_qty", "consumption_value",
               "value_share", "weeks_with_demand", "demand_cv")

user = require_page("planning")
can_write = user.role in WRITERS
st.title(t("ui.page.planning"))
st.caption(t("ui.planning.intro"))

data = serving_planning.plan_data() if serving.is_published() else None
if data is None:
    no_data_message()
    st.stop()

with read_only() as session:
    open_keys = replenishment.open_links(session)
language = current_language()
suggestions = data.suggestions.copy()
if not suggestions.empty:
    is_open = [(k, p, w) in open_keys for k, p, w in
               zip(suggestions["kind"], suggestions["product_id"], suggestions["warehouse_id"], strict=True)]
    hidden = sum(is_open)
    suggestions = suggestions[[not o for o in is_open]].reset_index(drop=True)
else:
    hidden = 0


def _label(row: Any) -> str:
    """One suggestion in a line: kind, product, where from and to, how many."""
    source = row["from_warehouse_name"] if row["kind"] == "transfer" else row["supplier_name"]
    return t("ui.planning.pick_label", kind=t(f"ui.planning.kind.{row['kind']}"), sku=row["sku"],
             name=row["product_name"], source=source or "—", target=row["warehouse_name"],
             qty=quantity(row["suggested_qty"]), unit=row["unit"] or "")


cols = st.columns(3)
cols[0].metric(t("ui.planning.kpi.runouts"), f"{len(data.runouts):,}")
cols[1].metric(t("ui.planning.kpi.suggestions"), f"{len(suggestions):,}")
cols[2].metric(t("ui.planning.kpi.first_week"), str(data.weeks[0]) if data.weeks else "—")

tab_suggest, tab_runout, tab_abc, tab_analysis, tab_adjust = st.tabs(
    [t("ui.planning.tab.suggestions"), t("ui.planning.tab.runout"), t("ui.planning.tab.abc_xyz"),
     t("ui.planning.tab.analyses"), t("ui.planning.tab.adjust")])


@form_state.guarded(PICK)
def _create(rows: dict[str, dict[str, Any]]) -> None:
    form_state.clear(PICK)
    chosen = [rows[key] for key in st.session_state.get(f"{PICK}.pick") or [] if key in rows]
    picks = [replenishment.SuggestionPick(
        kind=r["kind"], product_id=int(r["product_id"]), warehouse_id=int(r["warehouse_id"]),
        quantity=r["suggested_qty"], suggestion_key=r["suggestion_key"], plan_as_of=pd.Timestamp(r["as_of_week"]).date(),
        supplier_id=None if pd.isna(r["supplier_id"]) else int(r["supplier_id"]),
        from_warehouse_id=None if pd.isna(r["from_warehouse_id"]) else int(r["from_warehouse_id"]))
        for r in chosen]
    with unit_of_work() as session:
        docs = replenishment.create_drafts(session, picks, on=current_day(), user_id=current_user().id)
        numbers = "、".join(d.doc_no for d in docs) if language == "zh_CN" else ", ".join(d.doc_no for d in docs)
        count = len(docs)
    st.session_state[f"{PICK}.pick"] = []
    form_state.record_success(PICK, t("ui.planning.created", count=count, docs=numbers))


with tab_suggest:
    form_state.flash(PICK)
    if hidden:
        st.caption(t("ui.planning.hidden_open", count=hidden))
    if suggestions.empty:
        st.info(t("ui.planning.no_suggestions"))
    else:
        suggestions["kind_label"] = suggestions["kind"].map(lambda k: t(f"ui.planning.kind.{k}"))
        suggestions["reason_shown"] = [reason_text(r, language) for r in suggestions.to_dict("records")]
        show_table(with_headers(suggestions, SUGGESTION_COLUMNS, COL),
                   quantities=("suggested_qty", "safety_stock", "reorder_point", "lead_time_days"), catalog=COL)
        if can_write:
            rows = {r["suggestion_key"]: r for r in suggestions.to_dict("records")}
            st.multiselect(t("ui.planning.pick"), list(rows), key=f"{PICK}.pick",
                           format_func=lambda k: _label(rows[k]) if k in rows else k,
                           placeholder=t("ui.planning.pick_placeholder"))
            form_state.other_errors(PICK, ())
            st.button(t("ui.planning.create"), key=f"{PICK}.go", type="primary", on_click=_create, args=(rows,))
            st.caption(t("ui.planning.create_note"))

with tab_runout:
    if data.runouts.empty:
        st.info(t("ui.planning.no_runouts"))
    else:
        runouts = data.runouts.copy()
        runouts["item"] = runouts["sku"] + " " + runouts["product_name"] + " · " + runouts["warehouse_name"]
        fig = go.Figure(go.Scatter(
            x=runouts["runout_week_start"], y=runouts["item"], mode="markers",
            marker={"size": 12, "color": "#c0392b"},
            hovertemplate="%{y}<br>%{x|%Y-%m-%d}<extra></extra>"))
        fig.update_layout(title=t("ui.planning.runout_chart"), xaxis_title=t("ui.planning.col.runout_week_start"),
                          height=max(260, 28 * len(runouts) + 120), margin={"l": 10, "r": 10, "t": 40, "b": 10})
        if data.weeks:  # the whole horizon, so "soon" looks soon
            fig.update_xaxes(range=[data.weeks[0] - pd.Timedelta(days=3), data.weeks[-1] + pd.Timedelta(days=3)])
        charts.plot(fig, key="plan.runout_chart")
        show_table(with_headers(runouts, RUNOUT_COLUMNS, COL),
                   quantities=("on_hand_qty", "safety_stock", "reorder_point"), catalog=COL)
    items = serving_planning.plan_items()
    if not items.empty:
        labels = {(int(p), int(w)): f"{s} {n} · {wn}" for p, w, s, n, wn in items.itertuples(index=False)}
        picked = st.selectbox(t("ui.planning.item"), list(labels), key="plan.item", format_func=labels.get)
        if picked is not None:
            weeks = serving_planning.projection(*picked)
            fig = go.Figure()
            for column, dash in (("projected_qty", None), ("demand_qty", "dot"), ("safety_stock", "dash")):
                fig.add_trace(go.Scatter(x=weeks["week_start"], y=weeks[column], name=t(f"{COL}.{column}"),
                                         line={"dash": dash} if dash else None))
            fig.add_trace(go.Bar(x=weeks["week_start"], y=weeks["receipt_qty"], name=t(f"{COL}.receipt_qty"),
                                 opacity=0.4))
            fig.update_layout(title=t("ui.planning.projection_chart"), height=320,
                              margin={"l": 10, "r": 10, "t": 40, "b": 10})
            charts.plot(fig, key="plan.projection_chart")
            # The forecast behind the plan, with its accuracy: the same panel as the forecast page.
            st.subheader(t("ui.planning.forecast_chart"))
            series_forecast_panel(*picked, key="plan.forecast_chart")

with tab_abc:
    st.caption(t("ui.planning.abc_note"))
    if data.abc_xyz.empty:
        st.info(t("ui.planning.no_abc"))
    else:
        matrix = data.abc_xyz.pivot_table(index="abc_class", columns="xyz_class", values="product_id",
                                          aggfunc="count", fill_value=0)
        matrix = matrix.reindex(index=["A", "B", "C"], columns=["X", "Y", "Z"], fill_value=0)
        matrix.index.name = t(f"{COL}.abc_class")
        st.dataframe(matrix, key="plan.abc_matrix")
        show_table(with_headers(data.abc_xyz, ABC_COLUMNS, COL), money=("consumption_value",),
                   quantities=("consumption_qty",), rates=("value_share",), catalog=COL)


with tab_analysis:
    found = serving_planning.analyses()
    st.subheader(t("ui.planning.slow_moving"))
    st.caption(t("ui.planning.slow_note"))
    if found.slow_moving.empty:
        st.info(t("ui.planning.none"))
    else:
        slow = found.slow_moving.assign(movement_status=found.slow_moving["movement_status"].map(
            lambda s: t(f"ui.planning.status.{s}")))
        show_table(with_headers(slow, ("sku", "product_name", "warehouse_name", "on_hand_qty", "stock_value",
                                       "last_sale_date", "days_since_last_sale", "sold_90d", "days_of_cover",
                                       "movement_status"), COL),
                   money=("stock_value",), quantities=("on_hand_qty", "sold_90d", "days_of_cover"), catalog=COL)
    st.subheader(t("ui.planning.stockouts"))
    st.caption(t("ui.planning.stockout_note"))
    if found.stockouts.empty:
        st.info(t("ui.planning.none"))
    else:
        show_table(with_headers(found.stockouts, ("sku", "product_name", "warehouse_name", "stockout_days",
                                                  "days_tracked", "daily_demand", "lost_sales_qty",
                                                  "lost_sales_value"), COL),
                   money=("lost_sales_value",), quantities=("daily_demand", "lost_sales_qty"), catalog=COL)
    st.subheader(t("ui.planning.fill_rate"))
    st.caption(t("ui.planning.fill_note"))
    if found.fill_rate.empty:
        st.info(t("ui.planning.none"))
    else:
        show_table(with_headers(found.fill_rate, ("year_month", "customer_name", "qty_due", "qty_on_time_in_full",
                                                  "fill_rate", "on_time_rate"), COL),
                   quantities=("qty_due", "qty_on_time_in_full"), rates=("fill_rate", "on_time_rate"), catalog=COL)


@form_state.guarded(LEVELS)
def _levels() -> None:
    form_state.clear(LEVELS)
    with unit_of_work() as session:
        for klass in ABC_CLASSES:
            replenishment.set_service_level(session, klass, st.session_state.get(f"{LEVELS}.{klass}"),
                                            user_id=current_user().id)
    form_state.record_success(LEVELS, t("ui.planning.levels_saved"))


@form_state.guarded(ADJUST)
def _adjust(items: dict[tuple[int, int], str]) -> None:
    form_state.clear(ADJUST)
    state = st.session_state
    item = state.get(f"{ADJUST}.item")
    if item is None:
        raise ValidationError("required", field="product_id", field_label="field.product")
    with unit_of_work() as session:
        replenishment.record_adjustment(session, item[0], item[1], state.get(f"{ADJUST}.week"),
                                        state.get(f"{ADJUST}.mode"), state.get(f"{ADJUST}.qty"),
                                        state.get(f"{ADJUST}.reason"), user_id=current_user().id)
    form_state.reset_inputs(ADJUST)
    form_state.record_success(ADJUST, t("ui.planning.adjusted", item=items.get(item, "")))


with tab_adjust:
    st.caption(t("ui.planning.adjust_note"))
    items = serving_planning.plan_items()
    labels = {(int(p), int(w)): f"{s} {n} · {wn}" for p, w, s, n, wn in items.itertuples(index=False)}
    if can_write and labels and data.weeks:
        form_state.flash(ADJUST)
        left, mid, right = st.columns([2, 1, 1])
        with left:
            st.selectbox(t("ui.planning.item"), list(labels), key=f"{ADJUST}.item", format_func=labels.get)
            form_state.field_error(ADJUST, "product_id")
        with mid:
            weeks: list[date] = [pd.Timestamp(w).date() for w in data.weeks]
            st.selectbox(t("field.week_start"), weeks, key=f"{ADJUST}.week")
            form_state.field_error(ADJUST, "week_start")
        with right:
            st.radio(t("field.adjustment_mode"), ADJUSTMENT_MODES, key=f"{ADJUST}.mode",
                     format_func=lambda m: t(f"ui.planning.mode.{m}"))
        left, right = st.columns([1, 3])
        with left:
            st.text_input(t("field.adjustment_qty"), key=f"{ADJUST}.qty")
            form_state.field_error(ADJUST, "adjustment_qty")
        with right:
            st.text_input(t("field.adjustment_reason"), key=f"{ADJUST}.reason", max_chars=200)
            form_state.field_error(ADJUST, "adjustment_reason")
        form_state.other_errors(ADJUST, ("product_id", "week_start", "adjustment_qty", "adjustment_reason"))
        st.button(t("ui.planning.adjust"), key=f"{ADJUST}.save", on_click=_adjust, args=(labels,))
    with read_only() as session:
        recent = replenishment.adjustments(session, since=pd.Timestamp(data.weeks[0]).date() if data.weeks else None)
        shown = pd.DataFrame([{
            "item": labels.get((a.product_id, a.warehouse_id), str(a.product_id)), "week_start": a.week_start,
            "mode": t(f"ui.planning.mode.{a.mode}"), "adjustment_qty": a.quantity, "reason": a.reason,
            "created_at": a.created_at} for a in recent[:200]])
    if not shown.empty:
        st.subheader(t("ui.planning.adjustments"))
        show_table(with_headers(shown, ("item", "week_start", "mode", "adjustment_qty", "reason", "created_at"), COL),
                   quantities=("adjustment_qty",), catalog=COL)

    st.subheader(t("ui.planning.levels"))
    st.caption(t("ui.planning.levels_note"))
    with read_only() as session:
        levels = {k: float(v) for k, v in replenishment.service_levels(session).items()}
    cols = st.columns(len(ABC_CLASSES))
    for col, klass in zip(cols, ABC_CLASSES, strict=True):
        col.text_input(t("ui.planning.level_for", klass=klass), key=f"{LEVELS}.{klass}",
                       value=f"{levels.get(klass, DEFAULT_SERVICE_LEVELS[klass]):.4f}".rstrip("0"),
                       disabled=not can_write)
    if can_write:
        form_state.flash(LEVELS)
        form_state.other_errors(LEVELS, ())
        st.button(t("ui.planning.save_levels"), key=f"{LEVELS}.save", on_click=_levels)
