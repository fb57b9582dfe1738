"""Storage-bin maintenance (库位管理) for one warehouse: turn bins on or off and choose the default
bin, create bins, (de)activate them, see what each bin holds now, and move stock between two bins
(移库). Every action calls ``operational.services.bins``; a ``DomainError`` is shown under the
field it names and nothing is written.

Widget prefixes: ``binw`` (warehouse choice), ``bins`` (settings), ``binc`` (new bin), ``bina``
(activate / deactivate), ``binm`` (move between bins).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import quantity, show_table, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Product, Warehouse
from operational.services import auth, bins, queries, validation
from operational.services.errors import DomainError

WAREHOUSE, SETTINGS, CREATE, ACTIVE, MOVE = "binw", "bins", "binc", "bina", "binm"
ROLES = ("warehouse",)
BIN_COLUMNS = ("bin_code", "bin_name", "is_default", "is_active")
STOCK_COLUMNS = ("bin_code", "sku", "product_name", "quantity")


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


@form_state.guarded(lambda prefix, *_, **__: prefix)
def _run(prefix: str, action: Callable[[Session, int | None], str]) -> None:
    """Run one action in one transaction as the signed-in warehouse user; record its outcome."""
    form_state.clear(prefix)
    try:
        with unit_of_work() as session:
            user = current_user()
            auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)
            message = action(session, user.id if user else None)
    except DomainError as err:
        form_state.record_error(prefix, err)
        return
    form_state.reset_inputs(prefix)
    form_state.record_success(prefix, message)


def _warehouse_id() -> int | None:
    return st.session_state.get(f"{WAREHOUSE}.warehouse")


def _save_settings() -> None:
    def action(session: Session, _: int | None) -> str:
        warehouse_id = _warehouse_id()
        on = bool(st.session_state.get(f"{SETTINGS}.uses.{warehouse_id}"))
        warehouse = bins.configure_bins(session, warehouse_id, uses_bins=on,
                                        default_bin_id=st.session_state.get(f"{SETTINGS}.default.{warehouse_id}"))
        if not on:
            return t("ui.bins.saved_off", warehouse=warehouse.name)
        default = next(b for b in bins.list_bins(session, warehouse.id) if b.is_default)
        return t("ui.bins.saved_on", warehouse=warehouse.name, bin=default.label)
    _run(SETTINGS, action)


def _create() -> None:
    def action(session: Session, _: int | None) -> str:
        found = bins.create_bin(session, _warehouse_id(), _text(f"{CREATE}.code"), _text(f"{CREATE}.name"))
        return t("ui.bins.created", code=found.code, warehouse=session.get(Warehouse, found.warehouse_id).name)
    _run(CREATE, action)


def _toggle(active: bool) -> None:
    def action(session: Session, _: int | None) -> str:
        found = bins.set_bin_active(session, st.session_state.get(f"{ACTIVE}.bin"), active)
        return t("ui.bins.toggled", code=found.code)
    _run(ACTIVE, action)


def _move() -> None:
    state = st.session_state

    def action(session: Session, _: int | None) -> str:
        product = validation.get_or_fail(session, Product, state.get(f"{MOVE}.product"), "product",
                                         field="product_id")
        source, target = state.get(f"{MOVE}.from"), state.get(f"{MOVE}.to")
        qty = validation.positive(_text(f"{MOVE}.quantity"), "quantity")
        doc_no = bins.move_between_bins(session, _warehouse_id(), product.id, source, target, qty,
                                        state.get(f"{MOVE}.date"))
        codes = {b.id: b.code for b in bins.list_bins(session, _warehouse_id())}
        return t("ui.bins.moved", doc_no=doc_no, quantity=quantity(qty), product=f"{product.sku} {product.name}",
                 from_bin=codes[source], to_bin=codes[target])
    _run(MOVE, action)



def _settings(warehouse: Any, choices: list[bins.BinChoice]) -> None:
    st.subheader(t("ui.bins.settings_title"))
    form_state.flash(SETTINGS)
    labels = {b.id: b.label for b in choices if b.is_active}
    options = list(labels)
    cols = st.columns(2, vertical_alignment="bottom")
    with cols[0]:
        st.checkbox(t("ui.bins.uses_bins"), value=warehouse.uses_bins, key=f"{SETTINGS}.uses.{warehouse.id}")
    with cols[1]:
        st.selectbox(t("field.default_bin"), options, key=f"{SETTINGS}.default.{warehouse.id}",
                     index=options.index(warehouse.default_bin_id) if warehouse.default_bin_id in labels else None,
                     format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.order.choose"))
        form_state.field_error(SETTINGS, "default_bin_id")
    form_state.other_errors(SETTINGS, ("default_bin_id",))
    st.button(t("ui.bins.save_settings"), key=f"{SETTINGS}.save", type="primary", on_click=_save_settings)


def _create_section() -> None:
    st.subheader(t("ui.bins.create_title"))
    form_state.flash(CREATE)
    cols = st.columns(2)
    with cols[0]:
        st.text_input(t("field.bin_code"), key=f"{CREATE}.code", placeholder="A-01")
        form_state.field_error(CREATE, "bin_code")
    with cols[1]:
        st.text_input(t("field.bin_name"), key=f"{CREATE}.name")
    form_state.other_errors(CREATE, ("bin_code",))
    st.button(t("ui.bins.create"), key=f"{CREATE}.create", on_click=_create)


def _list_section(choices: list[bins.BinChoice]) -> None:
    st.subheader(t("ui.bins.list_title"))
    form_state.flash(ACTIVE)
    if not choices:
        st.caption(t("ui.bins.none"))
        return
    frame = pd.DataFrame([{"bin_code": b.code, "bin_name": b.name, "is_default": b.is_default,
                           "is_active": b.is_active} for b in choices])
    shown = with_headers(frame, BIN_COLUMNS)
    show_table(shown, key=f"{ACTIVE}.table")
    export_buttons(shown, "storage_bins", f"{ACTIVE}.export")
    labels = {b.id: b.label for b in choices}
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    with cols[0]:
        st.selectbox(t("field.bin"), list(labels), key=f"{ACTIVE}.bin", index=None,
                     format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.order.choose"))
    cols[1].button(t("ui.bins.deactivate"), key=f"{ACTIVE}.off", on_click=_toggle, args=(False,))
    cols[2].button(t("ui.bins.activate"), key=f"{ACTIVE}.on", on_click=_toggle, args=(True,))
    for message in form_state.errors(ACTIVE).values():
        st.error(message, icon=":material/error:")


def _stock_section(stock: list[dict[str, Any]]) -> None:
    st.subheader(t("ui.bins.stock_title"))
    if not stock:
        st.caption(t("ui.bins.no_stock"))
        return
    frame = pd.DataFrame([{**row, "quantity": float(row["quantity"])} for row in stock])
    shown = with_headers(frame, STOCK_COLUMNS)
    show_table(shown, key=f"{MOVE}.stock")
    export_buttons(shown, "stock_per_bin", f"{MOVE}.export")


def _move_section(choices: list[bins.BinChoice], products: dict[int, Any]) -> None:
    st.subheader(t("ui.bins.move_title"))
    form_state.flash(MOVE)
    labels = {b.id: b.label for b in choices}
    st.selectbox(t("field.product"), list(products), key=f"{MOVE}.product", index=None,
                 format_func=lambda pid: products[pid].label if pid in products else str(pid),
                 placeholder=t("ui.order.choose_product"))
    form_state.field_error(MOVE, "product_id")
    cols = st.columns(4)
    for col, name, field in ((cols[0], "from", "from_bin_id"), (cols[1], "to", "to_bin_id")):
        with col:
            st.selectbox(t(f"field.{field}"), list(labels), key=f"{MOVE}.{name}", index=None,
                         format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.order.choose"))
            form_state.field_error(MOVE, field)
    with cols[2]:
        st.text_input(t("field.quantity"), key=f"{MOVE}.quantity")
        form_state.field_error(MOVE, "quantity")
    with cols[3]:
        date_field(t("field.move_date"), value="today", key=f"{MOVE}.date")
        form_state.field_error(MOVE, "move_date")
    form_state.other_errors(MOVE, ("product_id", "from_bin_id", "to_bin_id", "quantity", "move_date"))
    st.button(t("ui.bins.move"), key=f"{MOVE}.move", type="primary", on_click=_move)


def bin_maintenance() -> None:
    st.caption(t("ui.bins.note"))
    with read_only() as session:
        warehouses = dict(queries.stock_warehouses(session))
        warehouse_id = _warehouse_id()
        warehouse = session.get(Warehouse, warehouse_id) if warehouse_id is not None else None
        if warehouse is not None:
            session.expunge(warehouse)  # read after the session ends (its rollback would expire it)
        choices = bins.list_bins(session, warehouse_id) if warehouse is not None else []
        stock = bins.bin_stock(session, warehouse_id) if warehouse is not None and warehouse.uses_bins else []
        products = {p.id: p for p in queries.product_choices(session)}
    st.selectbox(t("ui.bins.warehouse"), list(warehouses), key=f"{WAREHOUSE}.warehouse", index=None,
                 format_func=lambda i: warehouses.get(i, str(i)), placeholder=t("ui.order.choose"))
    if warehouse is None:
        return
    _settings(warehouse, choices)
    st.divider()
    _create_section()
    st.divider()
    _list_section(choices)
    if warehouse.uses_bins:
        st.divider()
        _stock_section(stock)
        st.divider()
        _move_section(choices, products)
