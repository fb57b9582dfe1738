"""Supplier maintenance (供应商维护): pick a supplier; change its status (active / on hold / blocked)
and its over-receipt tolerance; see its price list (the current price per product and the whole
history) and add a price (product by select box or scanned barcode / typed SKU).

Widget prefixes: ``sm`` (the supplier, its status and tolerance; the status and tolerance widgets
are keyed per supplier so they start from the stored value) and ``sp`` (the new price).
Every save runs in one ``unit_of_work``; a ``DomainError`` is shown under the field it names and
nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.components.product_code import select_product_by_code
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import SUPPLIER_STATUSES, Product
from operational.services import auth, masterdata, purchasing, queries
from operational.services.errors import DomainError

SUPPLIER, PRICE = "sm", "sp"
ROLES = ("purchasing", "manager")
SUPPLIER_KEY = f"{SUPPLIER}.supplier"
CURRENT_COLUMNS = ("sku", "product_name", "unit_price", "currency", "valid_from", "min_order_qty", "order_multiple",
                   "lead_time_days", "is_preferred")
HISTORY_COLUMNS = ("sku", "product_name", "valid_from", "unit_price", "currency", "min_order_qty", "order_multiple",
                   "lead_time_days", "is_preferred", "price_state")
PRICE_FIELDS = ("product_id", "unit_price", "valid_from", "min_order_qty", "order_multiple", "lead_time_days")


def status_key(supplier_id: int) -> str:
    return f"{SUPPLIER}.status.{supplier_id}"


def tolerance_key(supplier_id: int) -> str:
    return f"{SUPPLIER}.tolerance.{supplier_id}"


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _user_check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)


def _plain(value: Any) -> str:
    """A Decimal as a clerk would type it: 0.05, 1, 12.5."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# ---------------------------------------------------------------- callbacks

@form_state.guarded(SUPPLIER)
def _save_status(supplier_id: int | None) -> None:
    form_state.clear(SUPPLIER)
    try:
        with unit_of_work() as session:
            _user_check(session)
            status = st.session_state.get(status_key(supplier_id)) if supplier_id is not None else None
            supplier = masterdata.set_supplier_status(session, supplier_id, status)
            code, status = supplier.code, supplier.status
    except DomainError as err:
        form_state.record_error(SUPPLIER, err)
        return
    form_state.record_success(SUPPLIER, t("ui.supplier.status_saved", code=code, status=t(f"state.{status}")))


@form_state.guarded(SUPPLIER)
def _save_tolerance(supplier_id: int | None) -> None:
    form_state.clear(SUPPLIER)
    try:
        with unit_of_work() as session:
            _user_check(session)
            value = _text(tolerance_key(supplier_id)) if supplier_id is not None else None
            supplier = masterdata.set_over_receipt_tolerance(session, supplier_id, value)
            code, rate = supplier.code, supplier.over_receipt_tolerance
    except DomainError as err:
        form_state.record_error(SUPPLIER, err)
        return
    st.session_state[tolerance_key(supplier_id)] = _plain(rate)
    form_state.record_success(SUPPLIER, t("ui.supplier.tolerance_saved", code=code, rate=_plain(rate * 100)))


def _product(session: Session) -> int:
    return masterdata.product_by_code_or_id(session, _text(f"{PRICE}.code"),
                                            st.session_state.get(f"{PRICE}.product")).id


@form_state.guarded(PRICE)
def _add_price(supplier_id: int | None) -> None:
    form_state.clear(PRICE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            product_id = _product(session)
            lead = state.get(f"{PRICE}.lead_time")
            row = purchasing.set_supplier_price(
                session, supplier_id, product_id, _text(f"{PRICE}.price"), state.get(f"{PRICE}.valid_from"),
                min_order_qty=_text(f"{PRICE}.min_order_qty") or 0,
                order_multiple=_text(f"{PRICE}.order_multiple") or 1,
                lead_time_days=None if lead is None else int(lead),
                is_preferred=bool(state.get(f"{PRICE}.preferred")))
            product = session.get(Product, row.product_id)
            message = t("ui.supplier.price_saved", product=f"{product.sku} {product.name}",
                        price=_plain(row.price), valid_from=row.valid_from)
    except DomainError as err:
        form_state.record_error(PRICE, err)
        return
    form_state.reset_inputs(PRICE)
    form_state.record_success(PRICE, message)


# ---------------------------------------------------------------- drawing

def _messages(prefix: str) -> None:
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")


def _settings(supplier: queries.SupplierChoice) -> None:
    sid = supplier.id
    st.session_state.setdefault(status_key(sid), supplier.status)
    st.session_state.setdefault(tolerance_key(sid), _plain(supplier.over_receipt_tolerance))
    status_col, tolerance_col = st.columns(2)
    with status_col:
        st.subheader(t("ui.supplier.status_title"))
        names = {status: t(f"state.{status}") for status in SUPPLIER_STATUSES}
        st.radio(t("field.status"), SUPPLIER_STATUSES, key=status_key(sid), horizontal=True, format_func=names.get)
        form_state.field_error(SUPPLIER, "status")
        st.caption(t("ui.supplier.status_note"))
        st.button(t("ui.supplier.save_status"), key=f"{SUPPLIER}.save_status", type="primary",
                  on_click=_save_status, args=(sid,))
    with tolerance_col:
        st.subheader(t("ui.supplier.tolerance_title"))
        st.text_input(t("field.over_receipt_tolerance"), key=tolerance_key(sid))
        form_state.field_error(SUPPLIER, "over_receipt_tolerance")
        st.caption(t("ui.supplier.tolerance_note"))
        st.button(t("ui.supplier.save_tolerance"), key=f"{SUPPLIER}.save_tolerance",
                  on_click=_save_tolerance, args=(sid,))
    form_state.other_errors(SUPPLIER, ("status", "over_receipt_tolerance"))


def _price_frame(rows: list[queries.PriceRow]) -> pd.DataFrame:
    frame = pd.DataFrame([{
        "sku": r.sku, "product_name": r.product_name, "valid_from": r.valid_from, "unit_price": float(r.price),
        "currency": r.currency, "min_order_qty": float(r.min_order_qty), "order_multiple": float(r.order_multiple),
        "lead_time_days": r.lead_time_days, "is_preferred": t("ui.supplier.preferred_mark") if r.is_preferred else "",
        "price_state": r.state,
    } for r in rows], columns=list(HISTORY_COLUMNS))
    return frame.assign(price_state=translate_values(frame["price_state"], "ui.price_state"))


def _price_list(supplier: queries.SupplierChoice, rows: list[queries.PriceRow]) -> None:
    st.subheader(t("ui.supplier.current_prices"))
    if not rows:
        st.caption(t("ui.supplier.no_prices"))
        return
    current = [r for r in rows if r.state == "current"]
    shown = with_headers(_price_frame(current), CURRENT_COLUMNS)
    show_table(shown)
    export_buttons(shown, f"supplier_prices_{supplier.code}", f"{SUPPLIER}.current_export")
    st.subheader(t("ui.supplier.price_history"))
    history = with_headers(_price_frame(rows), HISTORY_COLUMNS)
    show_table(history)
    export_buttons(history, f"supplier_price_history_{supplier.code}", f"{SUPPLIER}.history_export")


def _price_form(supplier: queries.SupplierChoice, products: dict[int, queries.ProductChoice]) -> None:
    st.subheader(t("ui.supplier.add_price"))
    _messages(PRICE)
    code_col, product_col = st.columns([2, 4])
    with code_col:
        st.text_input(t("ui.order.col.code"), key=f"{PRICE}.code", placeholder=t("ui.order.code_placeholder"),
                      on_change=select_product_by_code,
                      args=(f"{PRICE}.code", f"{PRICE}.product"))
    with product_col:
        st.selectbox(t("field.product"), list(products), key=f"{PRICE}.product", index=None,
                     format_func=lambda pid: products[pid].label if pid in products else str(pid),
                     placeholder=t("ui.order.choose_product"))
    form_state.field_error(PRICE, "product_id")
    cols = st.columns(3)
    with cols[0]:
        st.text_input(t("field.unit_price"), key=f"{PRICE}.price")
        form_state.field_error(PRICE, "unit_price")
    with cols[1]:
        date_field(t("field.valid_from"), value="today", key=f"{PRICE}.valid_from")
        form_state.field_error(PRICE, "valid_from")
    with cols[2]:
        st.number_input(t("field.lead_time_days"), key=f"{PRICE}.lead_time", value=None, min_value=0, step=1,
                        placeholder=t("ui.order.optional"))
        form_state.field_error(PRICE, "lead_time_days")
    cols = st.columns(3)
    with cols[0]:
        st.text_input(t("field.min_order_qty"), key=f"{PRICE}.min_order_qty", placeholder="0")
        form_state.field_error(PRICE, "min_order_qty")
    with cols[1]:
        st.text_input(t("field.order_multiple"), key=f"{PRICE}.order_multiple", placeholder="1")
        form_state.field_error(PRICE, "order_multiple")
    with cols[2]:
        st.checkbox(t("field.is_preferred"), key=f"{PRICE}.preferred")
    st.caption(t("ui.supplier.price_note"))
    form_state.other_errors(PRICE, PRICE_FIELDS)
    st.button(t("ui.supplier.save_price"), key=f"{PRICE}.save", type="primary", on_click=_add_price,
              args=(supplier.id,))


def supplier_maintenance() -> None:
    with read_only() as session:
        suppliers = {s.id: s for s in queries.supplier_choices(session)}
        products = {p.id: p for p in queries.product_choices(session)}
        picked = st.session_state.get(SUPPLIER_KEY)
        prices = queries.supplier_price_list(session, picked, date.today()) if picked in suppliers else []
    if not suppliers:
        st.info(t("ui.supplier.none"))
        return
    labels = {sid: t("ui.supplier.option", label=s.label, status=t(f"state.{s.status}")) for sid, s in suppliers.items()}
    st.selectbox(t("field.supplier"), list(suppliers), key=SUPPLIER_KEY, index=None,
                 format_func=lambda sid: labels.get(sid, str(sid)), placeholder=t("ui.order.choose"),
                 on_change=_on_supplier)
    supplier = suppliers.get(st.session_state.get(SUPPLIER_KEY))
    if supplier is None:
        return
    _messages(SUPPLIER)
    _settings(supplier)
    st.divider()
    _price_list(supplier, prices)
    _price_form(supplier, products)


def _on_supplier() -> None:
    form_state.clear(SUPPLIER)
    form_state.clear(PRICE)

