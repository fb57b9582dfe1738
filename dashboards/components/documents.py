"""Document lists (recent orders with status and progress, recent receipts / shipments) and the
confirm / cancel actions on orders that nothing has been received or shipped against yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import CONFIRMED, DRAFT, PARTIAL
from operational.models.documents import ORDER_STATES
from operational.services import auth, queries
from operational.services.errors import DomainError
from operational.services.orders import OrderKind

ORDER_COLUMNS = ("doc_no", "order_date", "partner_name", "warehouse_name", "status", "line_count", "total_amount",
                 "ordered_quantity", "received_qty", "shipped_qty")
FULFIL_COLUMNS = ("doc_no", "doc_date", "order_doc_no", "partner_name", "warehouse_name", "status", "line_count",
                  "quantity")
LIST_LIMIT = 200


@dataclass(frozen=True)
class OrderActions:
    roles: tuple[str, ...]  # who may confirm, cancel or close
    confirm: Callable[[Session, int], Any]
    cancel: Callable[[Session, int], Any]
    close: Callable[[Session, int], Any] | None = None  # partly fulfilled: cancel the backorder


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
    df = _numeric(pd.DataFrame(records), ("total_amount", "ordered_quantity", "done_quantity"))
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
    """Confirm a draft, cancel a draft / confirmed order, close a partly fulfilled one."""
    user = current_user()
    if user is None or not (user.role == "admin" or user.role in actions.roles):
        return
    st.subheader(t("ui.documents.actions"))
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        choices = dict(queries.order_choices(session, kind, (DRAFT, CONFIRMED) + ((PARTIAL,) if actions.close else ())))
    if not choices:
        st.caption(t("ui.documents.nothing_to_do"))
        return
    st.selectbox(t(f"entity.{kind.order_entity}"), list(choices), key=f"{prefix}.order", index=None,
                 format_func=choices.get, placeholder=t("ui.fulfil.choose_order"))
    form_state.other_errors(prefix, ())
    cols = st.columns([1, 1, 1.6, 2.4])
    cols[0].button(t("ui.documents.confirm"), key=f"{prefix}.confirm", type="primary",
                   on_click=_act, args=(kind, prefix, actions, "confirm"))
    cols[1].button(t("ui.documents.cancel"), key=f"{prefix}.cancel", on_click=_act,
                   args=(kind, prefix, actions, "cancel"))
    if actions.close:
        cols[2].button(t("ui.documents.close"), key=f"{prefix}.close", on_click=_act,
                       args=(kind, prefix, actions, "close"))


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

