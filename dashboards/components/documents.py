"""Document lists (recent orders with status and progress, recent receipts / shipments), the
confirm / cancel actions on orders that nothing has been received or shipped against yet, and
cancelling open quantity (per line, part of it, or the whole order) with its history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state, safe_text
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import quantity, show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import CONFIRMED, DRAFT, PARTIAL
from operational.models.documents import ORDER_STATES
from operational.services import auth, idempotency, orders, queries
from operational.services.errors import DomainError, ValidationError
from operational.services.orders import CancelLineInput, OrderKind

ORDER_COLUMNS = ("doc_no", "order_date", "partner_name", "warehouse_name", "status", "line_count", "total_amount",
                 "ordered_quantity", "received_qty", "shipped_qty", "cancelled_qty")
HISTORY_COLUMNS = ("cancel_date", "line_no", "sku", "product_name", "cancelled_qty", "cancel_reason", "cancelled_by",
                   "cancelled_at")
FULFIL_COLUMNS = ("doc_no", "doc_date", "order_doc_no", "partner_name", "warehouse_name", "status", "line_count",
                  "quantity")
LIST_LIMIT = 200


@dataclass(frozen=True)
class OrderActions:
    roles: tuple[str, ...]  # who may confirm, cancel or close
    confirm: Callable[[Session, int], Any]
    cancel: Callable[[Session, int], Any]
    # cancel_purchase_lines / cancel_sales_lines: (session, order_id, *, reason, on, lines, user_id)
    cancel_lines: Callable[..., Any] | None = None


def _numeric(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    # Decimals become floats only for display; st.dataframe cannot sort object columns.
    return df.assign(**{c: df[c].astype(float) for c in columns if c in df.columns})


def order_list(kind: OrderKind, prefix: str) -> None:
    left, right = st.columns([2, 1])
    with left:
        statuses = st.multiselect(t("ui.documents.status"), ORDER_STATES, key=f"{prefix}.statuses",
                                  format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
    with right:
        search = st.text_input(t("ui.documents.search"), key=f"{prefix}.search")
    with read_only() as session:
        records = queries.recent_orders(session, kind, statuses=tuple(statuses) or None, search=search,
                                        limit=LIST_LIMIT)
    if not records:
        st.info(t("ui.documents.empty"))
        return
    df = _numeric(pd.DataFrame(records), ("total_amount", "ordered_quantity", "done_quantity", "cancelled_qty"))
    df["status"] = translate_values(df["status"], "state")
    df = df.rename(columns={"done_quantity": kind.done_qty_field})  # received_qty / shipped_qty
    shown = with_headers(df, ORDER_COLUMNS)
    show_table(shown, money=("total_amount",), key=f"{prefix}.table")
    export_buttons(shown, kind.order_entity, f"{prefix}.export")


@form_state.guarded(lambda _kind, prefix, *_, **__: prefix)
def _act(kind: OrderKind, prefix: str, actions: OrderActions, action: str) -> None:
    form_state.clear(prefix)
    order_id = st.session_state.get(f"{prefix}.order")
    user = current_user()
    try:
        with unit_of_work() as session:
            auth.require_role(queries.user_by_id(session, user.id) if user else None, *actions.roles)
            order = getattr(actions, action)(session, order_id)
            doc_no, status = order.doc_no, order.status
    except DomainError as err:
        form_state.record_error(prefix, err)
        return
    st.session_state.pop(f"{prefix}.order", None)
    form_state.record_success(prefix, t("ui.documents.changed", doc_no=doc_no, status=t(f"state.{status}")))


def order_actions(kind: OrderKind, prefix: str, actions: OrderActions) -> None:
    """Confirm a draft, cancel a draft / confirmed order; cancel open quantity (below)."""
    user = current_user()
    if user is None or not (user.role == "admin" or user.role in actions.roles):
        return
    st.subheader(t("ui.documents.actions"))
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        choices = dict(queries.order_choices(session, kind, (DRAFT, CONFIRMED)))
    if not choices:
        st.caption(t("ui.documents.nothing_to_do"))
        if actions.cancel_lines:
            cancel_open_form(kind, f"{prefix}.cl", actions)
        return
    st.selectbox(t(f"entity.{kind.order_entity}"), list(choices), key=f"{prefix}.order", index=None,
                 format_func=choices.get, placeholder=t("ui.fulfil.choose_order"))
    form_state.other_errors(prefix, ())
    cols = st.columns([1, 1, 1.6, 2.4])
    cols[0].button(t("ui.documents.confirm"), key=f"{prefix}.confirm", type="primary",
                   on_click=_act, args=(kind, prefix, actions, "confirm"))
    cols[1].button(t("ui.documents.cancel"), key=f"{prefix}.cancel", on_click=_act,
                   args=(kind, prefix, actions, "cancel"))
    if actions.cancel_lines:
        cancel_open_form(kind, f"{prefix}.cl", actions)


def _qty_key(prefix: str, order_id: int, line_id: int) -> str:
    return f"{prefix}.qty.{order_id}.{line_id}"


@form_state.guarded(lambda _kind, prefix, *_, **__: prefix)
def _cancel_open(kind: OrderKind, prefix: str, actions: OrderActions, order_id: int, line_ids: list[int],
                 whole: bool, token: str | None = None) -> None:
    """Cancel the entered quantities (``whole``: all open quantity of the order) with the reason."""
    form_state.clear(prefix)
    state, user = st.session_state, current_user()
    lines = None
    if not whole:
        lines = [CancelLineInput(line_id, str(state.get(_qty_key(prefix, order_id, line_id)) or "").strip())
                 for line_id in line_ids]
        lines = [line for line in lines if line.quantity]
        if not lines:
            raise ValidationError("cancel_nothing_entered", field="lines")
    made: list[Any] = []

    def create() -> Any:
        made.extend(actions.cancel_lines(  # type: ignore[misc]
            session, order_id, reason=state.get(f"{prefix}.reason"), on=state.get(f"{prefix}.date"),
            lines=lines, user_id=user.id if user else None))
        return made[0]  # the submission's first row stands for it (a second click finds it)

    with unit_of_work() as session:
        auth.require_role(queries.user_by_id(session, user.id) if user else None, *actions.roles)
        first = idempotency.once(session, token, create).document
        order = session.get(kind.order_model, order_id)
        # A repeated submission created nothing: it reports what the first one cancelled, all lines.
        rows = made or orders.cancelled_together(session, first)
        cancelled = sum((row.quantity for row in rows), first.quantity * 0)
        doc_no, status = order.doc_no, order.status
    form_state.reset_inputs(prefix)
    state[f"{prefix}.shown"] = order_id  # keep its history in view, even once completed
    if status in (CONFIRMED, PARTIAL):
        state[f"{prefix}.order"] = order_id  # still open: stay on it
    form_state.record_success(prefix, t("ui.cancel_lines.done", doc_no=doc_no, quantity=quantity(cancelled),
                                         status=t(f"state.{status}")))


def cancel_open_form(kind: OrderKind, prefix: str, actions: OrderActions) -> None:
    """Cancel open quantity of a confirmed or partly fulfilled order: a quantity per line, or
    everything open at once, with a reason and a date; the order's cancellation history below."""
    st.subheader(t("ui.cancel_lines.title"))
    st.caption(t("ui.cancel.help"))
    form_state.flash(prefix)
    with read_only() as session:
        choices = dict(queries.order_choices(session, kind, (CONFIRMED, PARTIAL)))
        if st.session_state.get(f"{prefix}.order") not in choices:
            st.session_state.pop(f"{prefix}.order", None)  # completed or cancelled meanwhile
        order_id = st.session_state.get(f"{prefix}.order") or st.session_state.get(f"{prefix}.shown")
        lines = [line for line in queries.open_order_lines(session, kind, order_id) if line.open_quantity > 0] \
            if order_id in choices else []
        history = queries.order_cancellations(session, kind, order_id)
    chosen = st.selectbox(t(f"entity.{kind.order_entity}"), list(choices), key=f"{prefix}.order", index=None,
                          format_func=choices.get, placeholder=t("ui.fulfil.choose_order"),
                          on_change=form_state.clear, args=(prefix,))
    if not choices:
        st.caption(t("ui.cancel.none_open"))
    if chosen is not None and chosen == order_id and lines:
        widths = [0.6, 3, 1.2, 1.2, 1.2, 1.2, 1.6]
        names = ("line_no", "product", "ordered", f"done.{kind.fulfil_entity}", "cancelled", "open", "cancel_qty")
        for col, name in zip(st.columns(widths), names, strict=True):
            col.caption(t(f"ui.cancel.col.{name}"))
        for line in lines:
            cols = st.columns(widths, vertical_alignment="center")
            cols[0].write(str(line.line_no))
            cols[1].write(safe_text.text(f"{line.sku} {line.product_name}"))
            # entered in another unit (多单位): as typed, then the base quantity every column counts in
            cols[2].write(f"{quantity(line.entered_quantity)} {safe_text.text(line.entered_unit)} = {quantity(line.quantity)}"
                          if line.entered_unit else quantity(line.quantity))
            cols[3].write(quantity(line.done_quantity))
            cols[4].write(quantity(line.cancelled_quantity))
            cols[5].write(quantity(line.open_quantity))
            cols[6].text_input(t("ui.order.line_label", field=t("field.cancel_qty"), line_no=line.line_no),
                               key=_qty_key(prefix, chosen, line.line_id), label_visibility="collapsed",
                               placeholder=t("ui.cancel.qty_placeholder"))
            form_state.line_error(prefix, line.line_no)
        left, right = st.columns([3, 1])
        with left:
            st.text_input(t("field.cancel_reason"), key=f"{prefix}.reason", max_chars=200,
                          placeholder=t("ui.cancel.reason_placeholder"))
            form_state.field_error(prefix, "cancel_reason")
        with right:
            date_field(t("field.cancel_date"), value="today", key=f"{prefix}.date")
            form_state.field_error(prefix, "cancel_date")
        form_state.other_errors(prefix, ("cancel_reason", "cancel_date"))
        token = form_state.token(prefix)
        ids = [line.line_id for line in lines]
        b1, b2, _ = st.columns([1.4, 1.6, 2])
        b1.button(t("ui.cancel.lines_button"), key=f"{prefix}.lines", on_click=_cancel_open,
                  args=(kind, prefix, actions, chosen, ids, False, token))
        b2.button(t("ui.cancel.order_button"), key=f"{prefix}.whole", on_click=_cancel_open,
                  args=(kind, prefix, actions, chosen, ids, True, token))
    if order_id is not None:
        st.markdown(f"**{t('ui.cancel.history')}**")
        if history:
            df = _numeric(pd.DataFrame(history), ("cancelled_qty",))
            show_table(with_headers(df, HISTORY_COLUMNS), key=f"{prefix}.history")
        else:
            st.caption(t("ui.cancel.no_history"))


def fulfilment_list(kind: OrderKind, prefix: str) -> None:
    with read_only() as session:
        records = queries.recent_fulfilments(session, kind, limit=LIST_LIMIT)
    if not records:
        st.info(t("ui.documents.empty"))
        return
    df = _numeric(pd.DataFrame(records), ("quantity",))
    df["status"] = translate_values(df["status"], "state")
    shown = with_headers(df, FULFIL_COLUMNS)
    show_table(shown, key=f"{prefix}.table")
    export_buttons(shown, kind.fulfil_entity, f"{prefix}.export")

