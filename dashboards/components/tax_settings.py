"""Tax settings (增值税设置): dated VAT rates, the default rate of each product category and
product, how each supplier and customer states its prices (含税价 / 不含税价), and the company's
small-scale taxpayer status (小规模纳税人) from a date.

Every rule is in ``operational.services.tax``; this page only collects what was typed and shows
what the store holds. Finance and admins change the settings, managers read them (``EDIT_ROLES``).
Widget prefixes: ``tr`` (a new rate), ``td`` (default rates), ``tb`` (pricing basis), ``ts``
(taxpayer status). Every save runs in one ``unit_of_work``; a ``DomainError`` is shown under the
field it names and nothing is written.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Customer, Supplier
from operational.services import auth, queries, tax, tax_queries
from operational.services.errors import DomainError

EDIT_ROLES = ("finance",)  # admins always; managers read
RATE, DEFAULT, BASIS, STATUS = "tr", "td", "tb", "ts"
RATE_COLUMNS = ("tax_rate_code", "tax_rate_name", "tax_rate", "valid_from", "is_exempt", "price_state", "last_used")
CATEGORY_COLUMNS = ("category_code", "category_name", "parent_category", "tax_rate_code")
PRODUCT_COLUMNS = ("sku", "product_name", "category_code", "tax_rate_code", "effective_rate_code")
PARTNER_COLUMNS = ("partner_code", "partner_name", "price_basis")
NONE = ""  # the select-box choice "no rate of its own"
PARTNERS = {"supplier": Supplier, "customer": Customer}


def can_edit() -> bool:
    user = current_user()
    return user is not None and (user.role == "admin" or user.role in EDIT_ROLES)


def _user_check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *EDIT_ROLES)


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _percent(value: Any) -> str:
    text = f"{(value * 100).normalize():f}"
    return f"{text}%"


def _basis(includes: bool) -> str:
    return t("ui.vat.mode.with") if includes else t("ui.vat.mode.without")


def _rate_label(code: str) -> str:
    return t("ui.tax.no_rate") if code == NONE else code


# ---------------------------------------------------------------- callbacks

@form_state.guarded(RATE)
def _save_rate() -> None:
    form_state.clear(RATE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            row = tax.set_rate(session, _text(f"{RATE}.code"), tax.rate_from_percent(_text(f"{RATE}.percent")),
                               state.get(f"{RATE}.valid_from"), name=_text(f"{RATE}.name") or None,
                               is_exempt=bool(state.get(f"{RATE}.exempt")))
            message = t("ui.tax.rate_saved", code=row.code, rate=_percent(row.rate), valid_from=row.valid_from)
    except DomainError as err:
        form_state.record_error(RATE, err)
        return
    form_state.reset_inputs(RATE)
    form_state.record_success(RATE, message)


@form_state.guarded(DEFAULT)
def _save_default(kind: str) -> None:
    form_state.clear(DEFAULT)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            code = state.get(f"{DEFAULT}.{kind}_rate") or None
            if kind == "category":
                target = tax.set_category_rate(session, state.get(f"{DEFAULT}.category"), code)
                name = f"{target.code} {target.name}"
            else:
                target = tax.set_product_rate(session, state.get(f"{DEFAULT}.product"), code)
                name = f"{target.sku} {target.name}"
            message = t("ui.tax.default_saved", target=name, code=code or t("ui.tax.no_rate"))
    except DomainError as err:
        form_state.record_error(DEFAULT, err)
        return
    form_state.record_success(DEFAULT, message)


@form_state.guarded(BASIS)
def _save_basis() -> None:
    form_state.clear(BASIS)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            kind = state.get(f"{BASIS}.kind", "supplier")
            includes = state.get(f"{BASIS}.basis", "with") == "with"
            partner = tax.set_partner_prices_include_tax(session, PARTNERS[kind], state.get(f"{BASIS}.partner"),
                                                         includes)
            message = t("ui.tax.basis_saved", partner=f"{partner.code} {partner.name}", basis=_basis(includes))
    except DomainError as err:
        form_state.record_error(BASIS, err)
        return
    form_state.record_success(BASIS, message)


@form_state.guarded(STATUS)
def _save_status() -> None:
    form_state.clear(STATUS)
    state = st.session_state
    try:
        with unit_of_work() as session:
            _user_check(session)
            small = state.get(f"{STATUS}.status") == "small"
            company = tax.set_small_scale(session, small, state.get(f"{STATUS}.from"))
            status = t(f"ui.tax.status.{'small' if small else 'general'}")
            since = company.small_scale_from
            message = (t("ui.tax.status_saved", status=status, valid_from=since) if since is not None
                       else t("ui.tax.status_saved_start", status=status))
    except DomainError as err:
        form_state.record_error(STATUS, err)
        return
    form_state.record_success(STATUS, message)


# ---------------------------------------------------------------- drawing

def _rates(rows: list[tax.RateRow], editable: bool) -> None:
    st.subheader(t("ui.tax.rates_title"))
    st.caption(t("ui.tax.rates_note"))
    frame = pd.DataFrame([{
        "tax_rate_code": r.code, "tax_rate_name": r.name, "tax_rate": _percent(r.rate), "valid_from": r.valid_from,
        "is_exempt": t("ui.tax.exempt_mark") if r.is_exempt else "", "price_state": r.state,
        "last_used": r.last_used,
    } for r in rows], columns=list(RATE_COLUMNS))
    frame = frame.assign(price_state=translate_values(frame["price_state"], "ui.price_state"))
    show_table(with_headers(frame, RATE_COLUMNS))
    if not editable:
        return
    st.subheader(t("ui.tax.new_rate"))
    form_state.flash(RATE)
    cols = st.columns(4)
    with cols[0]:
        st.text_input(t("field.tax_rate_code"), key=f"{RATE}.code", max_chars=tax.CODE_MAX,
                      placeholder="standard")
        form_state.field_error(RATE, "tax_rate_code")
    with cols[1]:
        st.text_input(t("ui.tax.rate_percent"), key=f"{RATE}.percent", placeholder="13")
        form_state.field_error(RATE, "tax_rate")
    with cols[2]:
        date_field(t("field.valid_from"), value="today", key=f"{RATE}.valid_from")
        form_state.field_error(RATE, "valid_from")
    with cols[3]:
        st.text_input(t("field.tax_rate_name"), key=f"{RATE}.name", max_chars=tax.NAME_MAX,
                      placeholder=t("ui.order.optional"))
        form_state.field_error(RATE, "tax_rate_name")
    st.checkbox(t("ui.tax.exempt"), key=f"{RATE}.exempt")
    form_state.other_errors(RATE, ("tax_rate_code", "tax_rate", "valid_from", "tax_rate_name"))
    st.button(t("ui.tax.save_rate"), key=f"{RATE}.save", type="primary", on_click=_save_rate)


def _defaults(categories: list[tax_queries.CategoryRate], products: list[tax_queries.ProductRate],
              codes: list[str], editable: bool) -> None:
    st.subheader(t("ui.tax.defaults_title"))
    st.caption(t("ui.tax.defaults_note"))
    frame = pd.DataFrame([{"category_code": c.code, "category_name": c.name, "parent_category": c.parent,
                           "tax_rate_code": c.tax_rate_code} for c in categories], columns=list(CATEGORY_COLUMNS))
    show_table(with_headers(frame, CATEGORY_COLUMNS))
    frame = pd.DataFrame([{"sku": p.sku, "product_name": p.name, "category_code": p.category,
                           "tax_rate_code": p.tax_rate_code, "effective_rate_code": p.effective_code}
                          for p in products], columns=list(PRODUCT_COLUMNS))
    show_table(with_headers(frame, PRODUCT_COLUMNS))
    if not editable:
        return
    form_state.flash(DEFAULT)
    choices = [NONE, *codes]
    by_category = {c.id: c for c in categories}
    by_product = {p.id: p for p in products}
    left, right = st.columns(2)
    with left:
        st.selectbox(t("ui.tax.category"), list(by_category), key=f"{DEFAULT}.category", index=None,
                     format_func=lambda cid: by_category[cid].label if cid in by_category else str(cid),
                     placeholder=t("ui.order.choose"))
        form_state.field_error(DEFAULT, "category_id")
        st.selectbox(t("field.tax_rate_code"), choices, key=f"{DEFAULT}.category_rate", format_func=_rate_label)
        st.button(t("ui.tax.save_category_rate"), key=f"{DEFAULT}.save_category", on_click=_save_default,
                  args=("category",))
    with right:
        st.selectbox(t("field.product"), list(by_product), key=f"{DEFAULT}.product", index=None,
                     format_func=lambda pid: by_product[pid].label if pid in by_product else str(pid),
                     placeholder=t("ui.order.choose_product"))
        form_state.field_error(DEFAULT, "product_id")
        st.selectbox(t("field.tax_rate_code"), choices, key=f"{DEFAULT}.product_rate", format_func=_rate_label)
        st.button(t("ui.tax.save_product_rate"), key=f"{DEFAULT}.save_product", on_click=_save_default,
                  args=("product",))
    form_state.field_error(DEFAULT, "tax_rate_code")
    form_state.other_errors(DEFAULT, ("category_id", "product_id", "tax_rate_code"))


def _bases(partners: dict[str, list[tax_queries.PartnerBasis]], editable: bool) -> None:
    st.subheader(t("ui.tax.basis_title"))
    st.caption(t("ui.tax.basis_note"))
    left, right = st.columns(2)
    for col, kind in zip((left, right), PARTNERS, strict=True):
        with col:
            st.markdown(f"**{t(f'entity.{kind}')}**")
            frame = pd.DataFrame([{"partner_code": p.code, "partner_name": p.name,
                                   "price_basis": _basis(p.prices_include_tax)} for p in partners[kind]],
                                 columns=list(PARTNER_COLUMNS))
            show_table(with_headers(frame, PARTNER_COLUMNS))
    if not editable:
        return
    form_state.flash(BASIS)
    kind = st.radio(t("ui.tax.partner_kind"), list(PARTNERS), key=f"{BASIS}.kind", horizontal=True,
                    format_func=lambda k: t(f"entity.{k}"))
    options = {p.id: p for p in partners[kind]}
    st.selectbox(t(f"field.{kind}"), list(options), key=f"{BASIS}.partner", index=None,
                 format_func=lambda pid: options[pid].label if pid in options else str(pid),
                 placeholder=t("ui.order.choose"))
    form_state.field_error(BASIS, f"{kind}_id")
    st.radio(t("ui.tax.price_basis"), ("with", "without"), key=f"{BASIS}.basis", horizontal=True,
             format_func=lambda mode: t(f"ui.vat.mode.{mode}"))
    form_state.other_errors(BASIS, (f"{kind}_id",))
    st.button(t("ui.tax.save_basis"), key=f"{BASIS}.save", on_click=_save_basis)


def _status(status: tax.TaxpayerStatus, editable: bool) -> None:
    st.subheader(t("ui.tax.status_title"))
    current = t(f"ui.tax.status.{'small' if status.small_scale else 'general'}")
    st.markdown(t("ui.tax.status_now", status=current, valid_from=status.effective_from)
                if status.effective_from is not None else t("ui.tax.status_now_start", status=current))
    st.warning(t("ui.tax.status_warning"), icon=":material/warning:")
    if status.last_receipt is not None:
        st.caption(t("ui.tax.status_last_receipt", last=status.last_receipt))
    if not editable:
        return
    form_state.flash(STATUS)
    st.session_state.setdefault(f"{STATUS}.status", "small" if status.small_scale else "general")
    st.radio(t("ui.tax.status_label"), ("general", "small"), key=f"{STATUS}.status", horizontal=True,
             format_func=lambda s: t(f"ui.tax.status.{s}"))
    form_state.field_error(STATUS, "small_scale_taxpayer")
    date_field(t("field.small_scale_from"), value=None, key=f"{STATUS}.from")
    form_state.field_error(STATUS, "small_scale_from")
    form_state.other_errors(STATUS, ("small_scale_taxpayer", "small_scale_from"))
    st.button(t("ui.tax.save_status"), key=f"{STATUS}.save", type="primary", on_click=_save_status)


def tax_settings() -> None:
    editable = can_edit()
    with read_only() as session:
        rates = tax.rate_history(session)
        codes = tax.rate_codes(session)
        categories = tax_queries.category_rates(session)
        products = tax_queries.product_rates(session)
        partners = {kind: tax_queries.partner_bases(session, model) for kind, model in PARTNERS.items()}
        status = tax.taxpayer_status(session)
    if not editable:
        st.info(t("ui.tax.read_only"), icon=":material/visibility:")
    tabs = st.tabs([t("ui.tax.tab.rates"), t("ui.tax.tab.defaults"), t("ui.tax.tab.basis"), t("ui.tax.tab.status")])
    with tabs[0]:
        _rates(rates, editable)
    with tabs[1]:
        _defaults(categories, products, codes, editable)
    with tabs[2]:
        _bases(partners, editable)
    with tabs[3]:
        _status(status, editable)
