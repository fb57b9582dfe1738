"""Product units (商品单位): pick a product (select box or scanned barcode / typed SKU), see its units
with their factors and barcodes, add or change a unit, remove one, and set the default purchase and
sales units. Every save goes through ``operational.services.units`` in one ``unit_of_work``; a
``DomainError`` is shown under the field it names and nothing is written.

Widget prefix ``uom``; the default-unit widgets are keyed per product so they start from the
stored value.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.format import quantity, show_table
from dashboards.components.product_code import select_product_by_code
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Product
from operational.services import auth, masterdata, queries, units
from operational.services.errors import DomainError

PREFIX = "uom"
ROLES = ("purchasing", "warehouse", "manager")
PRODUCT_KEY = f"{PREFIX}.product"
UNIT_FIELDS = ("unit", "unit_factor", "barcode")


def _key(name: str) -> str:
    return f"{PREFIX}.{name}"


def _default_key(side: str, product_id: int) -> str:
    return f"{PREFIX}.{side}_unit.{product_id}"


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _user_check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)


@form_state.guarded(PREFIX)
def _save_unit(product_id: int) -> None:
    form_state.clear(PREFIX)
    name = _text(_key("unit"))
    try:
        with unit_of_work() as session:
            _user_check(session)
            units.set_unit(session, product_id, name, _text(_key("unit_factor")), barcode=_text(_key("barcode")))
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    for field in UNIT_FIELDS:
        st.session_state.pop(_key(field), None)
    form_state.record_success(PREFIX, t("ui.uom.saved", unit=name))


@form_state.guarded(PREFIX)
def _remove_unit(product_id: int, name: str) -> None:
    form_state.clear(PREFIX)
    try:
        with unit_of_work() as session:
            _user_check(session)
            units.remove_unit(session, product_id, name)
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    form_state.record_success(PREFIX, t("ui.uom.removed", unit=name))


@form_state.guarded(PREFIX)
def _save_defaults(product_id: int) -> None:
    form_state.clear(PREFIX)
    try:
        with unit_of_work() as session:
            _user_check(session)
            units.set_default_units(session, product_id,
                                    purchase_unit=st.session_state.get(_default_key("purchase", product_id)),
                                    sales_unit=st.session_state.get(_default_key("sales", product_id)))
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    form_state.record_success(PREFIX, t("ui.uom.defaults_saved"))


def unit_maintenance() -> None:
    """Draw the page; saving happens in the button callbacks."""
    with read_only() as session:
        products = dict(masterdata.options(session, Product))
        product_id = st.session_state.get(PRODUCT_KEY)
        product = session.get(Product, product_id) if product_id is not None else None
        rows = units.units_of(session, product) if product is not None else []
        # read inside the session: the page draws after it has closed
        base = product.unit if product is not None else ""
        defaults = (units.default_unit(product, "purchase"), units.default_unit(product, "sales")) if product else ()
    pick = st.columns([1, 2])
    pick[0].text_input(t("ui.order.col.code"), key=_key("code"), on_change=select_product_by_code,
                       args=(_key("code"), PRODUCT_KEY),
                       placeholder=t("ui.order.code_placeholder"))
    pick[1].selectbox(t("ui.uom.product"), list(products), key=PRODUCT_KEY, index=None, format_func=products.get,
                      placeholder=t("ui.order.choose_product"))
    message = form_state.success_message(PREFIX)
    if message:
        st.success(message, icon=":material/task_alt:")
    if product is None:
        form_state.other_errors(PREFIX, ())
        return
    st.caption(t("ui.uom.caption", unit=base))
    table = pd.DataFrame([{t("ui.uom.col.unit"): r.unit + (f"（{t('ui.uom.base')}）" if r.is_base else ""),
                           t("ui.uom.col.factor"): quantity(r.factor), t("ui.uom.col.barcode"): r.barcode or ""}
                          for r in rows])
    show_table(table, key=_key("table"))
    if len(rows) == 1:
        st.caption(t("ui.uom.none"))

    st.subheader(t("ui.uom.title"))
    cols = st.columns(3)
    for col, field, label in zip(cols, UNIT_FIELDS, ("ui.uom.unit", "ui.uom.factor", "ui.uom.barcode"), strict=True):
        with col:
            st.text_input(t(label), key=_key(field))
            form_state.field_error(PREFIX, field)
    buttons = st.columns([1, 1, 2])
    buttons[0].button(t("ui.uom.save"), key=_key("save"), type="primary", on_click=_save_unit, args=(product_id,))
    others = [r.unit for r in rows if not r.is_base]
    if others:
        buttons[2].selectbox(t("ui.uom.unit"), others, key=_key("remove_unit"), label_visibility="collapsed")
        buttons[1].button(t("ui.uom.remove"), key=_key("remove"),
                          on_click=_remove_unit, args=(product_id, st.session_state.get(_key("remove_unit"), others[0])))

    st.subheader(t("ui.uom.defaults"))
    names = [r.unit for r in rows]
    sides = st.columns(2)
    for col, side, value in zip(sides, ("purchase", "sales"), defaults, strict=True):
        with col:
            st.selectbox(t(f"ui.uom.{side}_unit"), names, key=_default_key(side, product_id),
                         index=names.index(value) if value in names else 0)
            form_state.field_error(PREFIX, f"{side}_unit")
    st.button(t("ui.uom.save_defaults"), key=_key("save_defaults"), on_click=_save_defaults, args=(product_id,))
    form_state.other_errors(PREFIX, (*UNIT_FIELDS, "purchase_unit", "sales_unit"))
