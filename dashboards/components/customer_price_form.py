"""Customer price list (客户价目表): pick a customer or a price group; see its prices (the current
one per product and the whole history, with how each is stated: 含税价 / 不含税价); put a customer
in a price group; add a price from a date (product by select box or scanned barcode / typed SKU).

A sales order takes its default unit price from here (``sales.default_price``: the customer's own
row, else its group's). Sales and managers keep the list, finance reads it (``EDIT_ROLES``).
Widget prefixes: ``cp`` (whose list, the group) and ``cpn`` (the new price). Every save runs in one
``unit_of_work``; a ``DomainError`` is shown under the field it names and nothing is written.
"""

from __future__ import annotations

from datetime import date

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
from operational.models import Customer, Product
from operational.services import auth, masterdata, price_lists, queries
from operational.services.errors import DomainError

LIST, PRICE = "cp", "cpn"
EDIT_ROLES = ("sales", "manager")  # admins always; finance reads
KINDS = ("customer", "group")
BASES = ("partner", "with", "without")
COLUMNS = ("sku", "product_name", "unit_price", "price_basis", "currency", "valid_from", "price_state")
PRICE_FIELDS = ("customer_id", "price_group", "product_id", "unit_price", "valid_from")


def can_edit() -> bool:
    user = current_user()
    return user is not None and (user.role == "admin" or user.role in EDIT_ROLES)


def _user_check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *EDIT_ROLES)


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _plain(value: object) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _whose() -> tuple[int | None, str | None]:
    """(customer id, group) of the list being looked at: exactly one of them, or neither yet."""
    if st.session_state.get(f"{LIST}.kind", "customer") == "customer":
        return st.session_state.get(f"{LIST}.customer"), None
    return None, _text(f"{LIST}.group") or None


# ---------------------------------------------------------------- callbacks

@form_state.guarded(LIST)
def _save_group(customer_id: int | None) -> None:
    form_state.clear(LIST)
    try:
        with unit_of_work() as session:
            _user_check(session)
            customer = price_lists.set_customer_price_group(session, customer_id,
                                                            _text(f"{LIST}.customer_group.{customer_id}"))
            message = t("ui.cprice.group_saved", customer=f"{customer.code} {customer.name}",
                        group=customer.price_group or t("ui.cprice.no_group"))
    except DomainError as err:
        form_state.record_error(LIST, err)
        return
    form_state.record_success(LIST, message)


def _product(session: Session) -> int:
    return masterdata.product_by_code_or_id(session, _text(f"{PRICE}.code"),
                                            st.session_state.get(f"{PRICE}.product")).id


@form_state.guarded(PRICE)
def _add_price() -> None:
    form_state.clear(PRICE)
    state = st.session_state
    customer_id, group = _whose()
    basis = state.get(f"{PRICE}.basis", "partner")
    try:
        with unit_of_work() as session:
            _user_check(session)
            row = price_lists.set_customer_price(
                session, _product(session), _text(f"{PRICE}.price"), state.get(f"{PRICE}.valid_from"),
                customer_id=customer_id, price_group=group,
                price_includes_tax=None if basis == "partner" else basis == "with")
            product = session.get(Product, row.product_id)
            message = t("ui.cprice.saved", product=f"{product.sku} {product.name}", price=_plain(row.price),
                        basis=t(f"ui.vat.mode.{'with' if row.price_includes_tax else 'without'}"),
                        valid_from=row.valid_from)
    except DomainError as err:
        form_state.record_error(PRICE, err)
        return
    form_state.reset_inputs(PRICE)
    form_state.record_success(PRICE, message)


# ---------------------------------------------------------------- drawing

def _frame(rows: list[price_lists.CustomerPriceRow]) -> pd.DataFrame:
    frame = pd.DataFrame([{
        "sku": r.sku, "product_name": r.product_name, "valid_from": r.valid_from, "unit_price": float(r.price),
        "price_basis": t(f"ui.vat.mode.{'with' if r.price_includes_tax else 'without'}"), "currency": r.currency,
        "price_state": r.state,
    } for r in rows], columns=list(COLUMNS))
    return frame.assign(price_state=translate_values(frame["price_state"], "ui.price_state"))


def _list(rows: list[price_lists.CustomerPriceRow], name: str) -> None:
    st.subheader(t("ui.cprice.current"))
    if not rows:
        st.caption(t("ui.cprice.none"))
        return
    current = with_headers(_frame([r for r in rows if r.state == "current"]), COLUMNS)
    show_table(current)
    export_buttons(current, f"customer_prices_{name}", f"{LIST}.current_export")
    st.subheader(t("ui.cprice.history"))
    show_table(with_headers(_frame(rows), COLUMNS))


def _group_form(customer: Customer | None, editable: bool) -> None:
    if customer is None:
        return
    st.caption(t("ui.cprice.customer_basis", basis=t(f"ui.vat.mode.{'with' if customer.prices_include_tax else 'without'}"),
                 group=customer.price_group or t("ui.cprice.no_group")))
    if not editable:
        return
    key = f"{LIST}.customer_group.{customer.id}"
    st.session_state.setdefault(key, customer.price_group or "")
    cols = st.columns([3, 1], vertical_alignment="bottom")
    cols[0].text_input(t("field.price_group"), key=key, max_chars=price_lists.GROUP_MAX,
                       placeholder=t("ui.cprice.group_placeholder"))
    cols[1].button(t("ui.cprice.save_group"), key=f"{LIST}.save_group", on_click=_save_group, args=(customer.id,))
    form_state.field_error(LIST, "price_group")


def _price_form(products: dict[int, queries.ProductChoice]) -> None:
    st.subheader(t("ui.cprice.add"))
    form_state.flash(PRICE)
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
        st.radio(t("ui.vat.price_mode"), BASES, key=f"{PRICE}.basis", format_func=lambda m: t(f"ui.cprice.basis.{m}"))
    st.caption(t("ui.cprice.note"))
    form_state.other_errors(PRICE, PRICE_FIELDS)
    st.button(t("ui.cprice.save"), key=f"{PRICE}.save", type="primary", on_click=_add_price)


def customer_prices() -> None:
    editable = can_edit()
    if not editable:
        st.info(t("ui.cprice.read_only"), icon=":material/visibility:")
    st.radio(t("ui.cprice.kind"), KINDS, key=f"{LIST}.kind", horizontal=True,
             format_func=lambda k: t(f"ui.cprice.kind.{k}"), on_change=_forget)
    with read_only() as session:
        customers = dict(masterdata.options(session, Customer))
        groups = price_lists.price_groups(session)
        products = {p.id: p for p in queries.product_choices(session)}
        customer_id, group = _whose()
        customer = session.get(Customer, customer_id) if customer_id in customers else None
        if customer is not None:
            session.expunge(customer)
        rows = (price_lists.customer_price_list(session, date.today(), customer_id=customer_id, price_group=group)
                if customer is not None or group else [])
    if st.session_state.get(f"{LIST}.kind", "customer") == "customer":
        st.selectbox(t("field.customer"), list(customers), key=f"{LIST}.customer", index=None,
                     format_func=lambda cid: customers.get(cid, str(cid)), placeholder=t("ui.order.choose"),
                     on_change=_forget)
    else:
        st.text_input(t("field.price_group"), key=f"{LIST}.group", max_chars=price_lists.GROUP_MAX,
                      placeholder=t("ui.cprice.group_placeholder"), on_change=_forget)
        if groups:
            st.caption(t("ui.cprice.groups_in_use", groups="、".join(groups)))
    form_state.flash(LIST)
    form_state.field_error(LIST, "customer_id")
    form_state.other_errors(LIST, ("customer_id", "price_group"))
    if customer is None and not group:
        return
    _group_form(customer, editable)
    st.divider()
    _list(rows, customer.code if customer is not None else "group")
    if editable:
        _price_form(products)


def _forget() -> None:
    form_state.clear(LIST)
    form_state.clear(PRICE)
