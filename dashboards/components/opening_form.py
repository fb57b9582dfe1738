"""Opening balance entry (期初库存): stock that existed before the system, with its unit cost —
warehouse, product (select box or scanned barcode / typed SKU), quantity, unit cost and date; for
a batch-tracked product also the batch number and expiry date. Quantity and unit cost are checked
(quantity > 0, unit cost ≥ 0) before ``inventory.post_opening_balance`` is called; any
``DomainError`` is shown under the field it names and nothing is written.

Widget prefix ``ob``. Below the form: the opening balances posted so far.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.bin_select import bin_select, selected_bin
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import money, quantity, show_table, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Product, Warehouse
from operational.services import auth, idempotency, inventory, masterdata, queries, validation
from operational.services.errors import DomainError

PREFIX = "ob"
ROLES = ("warehouse",)
DOC_NO = "OPENING"
FIELDS = ("warehouse_id", "product_id", "quantity", "unit_cost", "opening_date", "batch_no", "expiry_date")
LIST_COLUMNS = ("opening_date", "warehouse_name", "sku", "product_name", "quantity", "unit", "unit_cost", "batch_no",
                "expiry_date")


def _key(name: str) -> str:
    return f"{PREFIX}.{name}"


def _text(name: str) -> str:
    return str(st.session_state.get(_key(name)) or "").strip()


def _user_check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)


def _prefill_cost(product: Product) -> None:
    if not _text("unit_cost"):
        st.session_state[_key("unit_cost")] = f"{product.standard_cost.normalize():f}"


def _on_code() -> None:
    """A scanned barcode or typed SKU selects the product (and its standard cost when none is typed)."""
    code = _text("code")
    if not code:
        return
    with read_only() as session:
        product = masterdata.find_product(session, code)
        if product is not None:
            st.session_state[_key("product")] = product.id
            _prefill_cost(product)


def _on_product() -> None:
    product_id = st.session_state.get(_key("product"))
    if product_id is None:
        return
    with read_only() as session:
        product = session.get(Product, product_id)
        if product is not None:
            _prefill_cost(product)


def _product(session: Session) -> Product:
    return masterdata.product_by_code_or_id(session, _text("code"), st.session_state.get(_key("product")))


@form_state.guarded(PREFIX)
def _post(token: str | None = None) -> None:
    form_state.clear(PREFIX)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            warehouse = validation.get_or_fail(session, Warehouse, state.get(_key("warehouse")), "warehouse",
                                               field="warehouse_id")
            product = _product(session)
            qty = validation.positive(_text("quantity"), "quantity")
            cost = validation.non_negative(_text("unit_cost"), "unit_cost")
            on = validation.required_date(state.get(_key("date")), "opening_date")
            batch_no = (_text("batch_no") or None) if product.tracks_batches else None
            expiry = state.get(_key("expiry")) if product.tracks_batches else None
            idempotency.once(session, token, lambda: inventory.post_opening_balance(
                session, product.id, warehouse.id, qty, cost, on, doc_no=DOC_NO, batch_no=batch_no,
                expiry_date=expiry, bin_id=selected_bin(PREFIX, warehouse.id)))
            message = t("ui.opening.posted", product=f"{product.sku} {product.name}", quantity=quantity(qty),
                        unit=product.unit, warehouse=warehouse.name, cost=money(cost), date=on)
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    form_state.reset_inputs(PREFIX)
    form_state.record_success(PREFIX, message)


def _posted_list(rows: list[queries.OpeningRow]) -> None:
    st.subheader(t("ui.opening.list_title"))
    if not rows:
        st.caption(t("ui.opening.none"))
        return
    frame = pd.DataFrame([{
        "opening_date": r.movement_date, "warehouse_name": r.warehouse_name, "sku": r.sku,
        "product_name": r.product_name, "quantity": float(r.quantity), "unit": r.unit,
        "unit_cost": None if r.unit_cost is None else float(r.unit_cost), "batch_no": r.batch_no,
        "expiry_date": r.expiry_date,
    } for r in rows])
    shown = with_headers(frame, LIST_COLUMNS)
    show_table(shown)
    export_buttons(shown, "opening_balances", _key("export"))


def opening_form() -> None:
    message = form_state.success_message(PREFIX)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        warehouses = dict(queries.stock_warehouses(session))
        products = {p.id: p for p in queries.product_choices(session)}
        posted = queries.opening_balances(session)
    st.caption(t("ui.opening.note"))

    top = st.columns([3, 2])
    with top[0]:
        st.selectbox(t("field.warehouse"), list(warehouses), key=_key("warehouse"), index=None,
                     format_func=lambda i: warehouses.get(i, str(i)), placeholder=t("ui.order.choose"))
        form_state.field_error(PREFIX, "warehouse_id")
        bin_select(PREFIX, st.session_state.get(_key("warehouse")), inbound=True)
    with top[1]:
        date_field(t("field.opening_date"), value="today", key=_key("date"))
        form_state.field_error(PREFIX, "opening_date")
    code_col, product_col = st.columns([2, 3])
    with code_col:
        st.text_input(t("ui.order.col.code"), key=_key("code"), placeholder=t("ui.order.code_placeholder"),
                      on_change=_on_code)
    with product_col:
        st.selectbox(t("field.product"), list(products), key=_key("product"), index=None,
                     format_func=lambda pid: products[pid].label if pid in products else str(pid),
                     placeholder=t("ui.order.choose_product"), on_change=_on_product)
    form_state.field_error(PREFIX, "product_id")
    qty_col, cost_col = st.columns(2)
    with qty_col:
        st.text_input(t("field.quantity"), key=_key("quantity"))
        form_state.field_error(PREFIX, "quantity")
    with cost_col:
        st.text_input(t("field.unit_cost"), key=_key("unit_cost"))
        form_state.field_error(PREFIX, "unit_cost")

    picked = products.get(st.session_state.get(_key("product")))
    shown_fields = ["warehouse_id", "opening_date", "product_id", "quantity", "unit_cost", "bin_id"]
    if picked is not None and picked.tracks_batches:
        st.caption(t("ui.opening.batch_note"))
        batch_col, expiry_col = st.columns(2)
        with batch_col:
            st.text_input(t("field.batch_no"), key=_key("batch_no"), placeholder=DOC_NO)
            form_state.field_error(PREFIX, "batch_no")
        with expiry_col:
            date_field(t("field.expiry_date"), value=None, key=_key("expiry"))
            form_state.field_error(PREFIX, "expiry_date")
        shown_fields += ["batch_no", "expiry_date"]
    form_state.other_errors(PREFIX, shown_fields)
    st.button(t("ui.opening.post"), key=_key("post"), type="primary", on_click=_post, args=(form_state.token(PREFIX),))
    st.divider()
    _posted_list(posted)
