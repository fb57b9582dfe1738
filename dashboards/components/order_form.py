"""Order entry (purchase order, sales order): header, a line editor with product lookup by
barcode or SKU, and "save as draft" / "save and confirm".

One implementation for both sides, described by an ``OrderFormSpec``. Saving calls the services
inside one ``unit_of_work``; a ``DomainError`` is shown under the field it names and the input
stays; on success the new document number is shown and the form is cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import money, quantity
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Employee, Product
from operational.services import auth, idempotency, masterdata, queries, stock_queries, tax, units
from operational.services.errors import DomainError, ValidationError
from operational.services.orders import OrderKind, OrderLineInput


@dataclass(frozen=True)
class OrderValues:
    """The header as typed, handed to the side's create function."""

    partner_id: int
    warehouse_id: int
    order_date: date | None
    due_date: date | None
    note: str | None
    salesperson_id: int | None = None


@dataclass(frozen=True)
class OrderFormSpec:
    prefix: str  # widget key prefix, e.g. "po"
    kind: OrderKind
    roles: tuple[str, ...]  # who may save (admins always)
    partner_model: type
    due_field: str  # "expected_date" / "required_date"
    price_attr: str  # ProductChoice attribute that prefills the unit price
    create: Callable[[Session, OrderValues, list[OrderLineInput], int], Any]
    confirm: Callable[[Session, int], Any]
    list_page: str
    with_salesperson: bool = False
    # The partner's price list on the order date (sales.default_price / purchasing.default_price),
    # prefilled before the product's own price (``price_attr``).
    default_price: Callable[[Session, int | None, int | None, date | None], Any] | None = None

    @property
    def side(self) -> str:
        """Which default unit a new line starts in (operational.services.units.default_unit)."""
        return "purchase" if self.kind.order_entity == "purchase_order" else "sales"

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def line_key(self, row_id: int, name: str) -> str:
        return f"{self.prefix}.line{row_id}.{name}"


LINE_FIELDS = ("code", "product", "unit", "quantity", "unit_price", "discount_rate", "tax_rate_code")
# How the prices on the form are stated: as the partner (or its price list) states them, with VAT
# (含税价) or without (不含税价). The choice is the order's; each line may override the VAT rate.
TAX_MODES = ("partner", "with", "without")


# ---------------------------------------------------------------- rows (kept as a list of row ids)

def _rows(spec: OrderFormSpec) -> list[int]:
    return st.session_state.setdefault(spec.key("rows"), [1])


def _add_row(spec: OrderFormSpec) -> None:
    rows = _rows(spec)
    rows.append(max(rows, default=0) + 1)


def _remove_row(spec: OrderFormSpec, row_id: int) -> None:
    rows = _rows(spec)
    if len(rows) > 1:
        rows.remove(row_id)
        for name in LINE_FIELDS:
            st.session_state.pop(spec.line_key(row_id, name), None)
    form_state.clear(spec.prefix)


def _is_blank(spec: OrderFormSpec, row_id: int) -> bool:
    state = st.session_state
    return state.get(spec.line_key(row_id, "product")) is None and not any(
        str(state.get(spec.line_key(row_id, name)) or "").strip()
        for name in ("code", "quantity", "unit_price")
    )


# ---------------------------------------------------------------- product lookup

def _prefill_price(session: Session, spec: OrderFormSpec, row_id: int, product: Any,
                   factor: Decimal = Decimal(1)) -> None:
    """An empty price takes the partner's list price on the order date, else the product's own, per
    the line's unit (prices are per base unit: a case of 24 is 24×)."""
    price_key = spec.line_key(row_id, "unit_price")
    if str(st.session_state.get(price_key) or "").strip():
        return
    listed = None
    if spec.default_price is not None:
        state = st.session_state
        listed = spec.default_price(session, state.get(spec.key("partner")), product.id,
                                    state.get(spec.key("order_date")) or date.today())
    price = listed.price if listed is not None else getattr(product, spec.price_attr)
    st.session_state[price_key] = f"{(price * factor).normalize():f}"


def _set_unit(session: Session, spec: OrderFormSpec, row_id: int, product: Product, unit: str | None) -> Decimal:
    """Put the line in ``unit`` (None: the side's default unit); its factor."""
    name = unit or units.default_unit(product, spec.side)
    st.session_state[spec.line_key(row_id, "unit")] = name
    return units.factor_of(session, product, name)[1]


def _on_code(spec: OrderFormSpec, row_id: int) -> None:
    """A scanned barcode or typed SKU selects the product (and its price when none is typed); a
    case barcode puts the line in cases (one case unless a quantity is typed)."""
    code = str(st.session_state.get(spec.line_key(row_id, "code")) or "").strip()
    if not code:
        return
    with read_only() as session:
        found = units.scan(session, code)
        if found is not None:
            st.session_state[spec.line_key(row_id, "product")] = found.product.id
            factor = _set_unit(session, spec, row_id, found.product, found.unit)
            if found.unit is not None and not str(st.session_state.get(spec.line_key(row_id, "quantity")) or "").strip():
                st.session_state[spec.line_key(row_id, "quantity")] = "1"
            _prefill_price(session, spec, row_id, found.product, factor)


def _on_product(spec: OrderFormSpec, row_id: int, products: dict[int, queries.ProductChoice]) -> None:
    product_id = st.session_state.get(spec.line_key(row_id, "product"))
    product = products.get(product_id)
    if product is not None:
        with read_only() as session:
            factor = _set_unit(session, spec, row_id, session.get(Product, product_id), None)
            _prefill_price(session, spec, row_id, product, factor)


def _resolve_product(session: Session, spec: OrderFormSpec, row_id: int, line_no: int) -> int:
    code = str(st.session_state.get(spec.line_key(row_id, "code")) or "").strip()
    if code:
        product = masterdata.find_product(session, code)  # a case barcode names its product too
        if product is None:
            raise ValidationError("not_found", field=f"lines.{line_no}.product_id", line_no=line_no,
                                  entity="entity.product", key=code)
        return product.id
    product_id = st.session_state.get(spec.line_key(row_id, "product"))
    if product_id is None:
        raise ValidationError("required", field=f"lines.{line_no}.product_id", line_no=line_no,
                              field_label="field.product")
    return product_id


# ---------------------------------------------------------------- submit

def _required(value: Any, field: str, label: str) -> Any:
    if value is None:
        raise ValidationError("required", field=field, field_label=label)
    return value


def _collect(session: Session, spec: OrderFormSpec) -> tuple[OrderValues, list[OrderLineInput]]:
    state = st.session_state
    values = OrderValues(
        partner_id=_required(state.get(spec.key("partner")), spec.kind.partner_field,
                             f"field.{spec.kind.partner_entity}"),
        warehouse_id=_required(state.get(spec.key("warehouse")), "warehouse_id", "field.warehouse"),
        order_date=state.get(spec.key("order_date")),
        due_date=state.get(spec.key("due_date")),
        note=str(state.get(spec.key("note")) or "").strip() or None,
        salesperson_id=state.get(spec.key("salesperson")),
    )
    rows = _rows(spec)
    # Trailing empty rows are ignored; an empty row in the middle is reported, so the line
    # numbers in messages always match the rows on screen.
    while len(rows) > 1 and _is_blank(spec, rows[-1]):
        rows = rows[:-1]
    lines = []
    if not (len(rows) == 1 and _is_blank(spec, rows[0])):
        for line_no, row_id in enumerate(rows, start=1):
            lines.append(OrderLineInput(
                product_id=_resolve_product(session, spec, row_id, line_no),
                quantity=state.get(spec.line_key(row_id, "quantity")),
                unit=state.get(spec.line_key(row_id, "unit")) or None,
                unit_price=state.get(spec.line_key(row_id, "unit_price")),
                discount_rate=state.get(spec.line_key(row_id, "discount_rate")),
                price_includes_tax=_mode_includes(spec),
                tax_rate_code=state.get(spec.line_key(row_id, "tax_rate_code")) or None,
            ))
    return values, lines


@form_state.guarded(lambda spec, *_, **__: spec.prefix)
def _submit(spec: OrderFormSpec, confirm: bool, token: str | None = None) -> None:
    form_state.clear(spec.prefix)
    user = current_user()
    try:
        with unit_of_work() as session:
            auth.require_role(queries.user_by_id(session, user.id) if user else None, *spec.roles)
            values, lines = _collect(session, spec)
            # The same drawn form (token) saves one order, however often its buttons are pressed.
            outcome = idempotency.once(session, token, lambda: spec.create(session, values, lines, user.id))
            order = outcome.document
            if confirm and outcome.created:
                spec.confirm(session, order.id)
            doc_no, status = order.doc_no, order.status
    except DomainError as err:
        form_state.record_error(spec.prefix, err)
        return
    form_state.reset_inputs(spec.prefix)
    form_state.record_success(spec.prefix, t("ui.order.saved", doc=t(f"entity.{spec.kind.order_entity}"),
                                             doc_no=doc_no, status=t(f"state.{status}")))


# ---------------------------------------------------------------- drawing

def _mode_includes(spec: OrderFormSpec) -> bool | None:
    """The order's choice: None (as the partner states its prices), True (with VAT), False."""
    mode = st.session_state.get(spec.key("tax_mode"), "partner")
    return None if mode == "partner" else mode == "with"


def _line_split(session: Session, spec: OrderFormSpec, row_id: int) -> tax.LineTax | None:
    """The line's net / VAT / gross as the service will compute it (operational.services.tax), or
    None while something is missing or being typed."""
    state = st.session_state
    try:
        qty = Decimal(str(state.get(spec.line_key(row_id, "quantity")) or "").replace(",", ""))
        price = Decimal(str(state.get(spec.line_key(row_id, "unit_price")) or "").replace(",", ""))
        disc = Decimal(str(state.get(spec.line_key(row_id, "discount_rate")) or "0").replace(",", ""))
    except InvalidOperation:
        return None
    if not (qty.is_finite() and price.is_finite() and disc.is_finite()):
        return None
    product_id = state.get(spec.line_key(row_id, "product"))
    product = session.get(Product, product_id) if product_id is not None else None
    on = state.get(spec.key("order_date")) or date.today()
    includes = _mode_includes(spec)
    try:
        code, rate = (tax.resolve(session, product, on, state.get(spec.line_key(row_id, "tax_rate_code")) or None)
                      if product is not None else (None, Decimal(0)))
        if includes is None:
            partner_id = state.get(spec.key("partner"))
            partner = session.get(spec.partner_model, partner_id) if partner_id is not None else None
            includes = (tax.prices_include_tax(session, partner, product_id=product_id, on=on)
                        if partner is not None else False)
        return tax.split_line(qty, price, rate, includes_tax=includes, discount_rate=disc)
    except (DomainError, ArithmeticError):
        return None


_KNOWN_CODES = frozenset(code for code, *_ in tax.STANDARD_RATES)


def _rate_label(code: str) -> str:
    return t(f"ui.vat.rate.{code}") if code in _KNOWN_CODES else code


def _split_text(split: tax.LineTax | None) -> str:
    if split is None:
        return "—"
    return t("ui.vat.line_split", net=money(split.net), tax=money(split.tax), gross=money(split.gross))


_WIDTHS = [2, 3.4, 0.9, 1.2, 1.2, 1, 1.4, 2.4, 0.6]


def _picked_products(spec: OrderFormSpec) -> set[int]:
    return {pid for r in _rows(spec) if (pid := st.session_state.get(spec.line_key(r, "product"))) is not None}


def _draw_line(spec: OrderFormSpec, line_no: int, row_id: int, products: dict[int, queries.ProductChoice],
               on_hand: dict[int, Decimal], rate_codes: list[str], split: tax.LineTax | None,
               unit_choices: dict[int, list[tuple[str, Decimal]]]) -> None:
    cols = st.columns(_WIDTHS, vertical_alignment="center")

    def label(name: str) -> str:
        return t("ui.order.line_label", field=t(f"ui.order.col.{name}"), line_no=line_no)
    cols[0].text_input(label("code"), key=spec.line_key(row_id, "code"), label_visibility="collapsed",
                       placeholder=t("ui.order.code_placeholder"), on_change=_on_code, args=(spec, row_id))
    cols[1].selectbox(label("product"), list(products), key=spec.line_key(row_id, "product"), index=None,
                      format_func=lambda pid: products[pid].label, label_visibility="collapsed",
                      placeholder=t("ui.order.choose_product"), on_change=_on_product, args=(spec, row_id, products))
    picked = st.session_state.get(spec.line_key(row_id, "product"))
    if picked in on_hand:  # live from the store: what the chosen warehouse holds now
        cols[1].caption(t("ui.live.on_hand", quantity=quantity(on_hand[picked])))
    # The unit quantity and price are typed in: the product's units (1 箱 = 24 个), base first.
    choices = unit_choices.get(picked, [])
    names = [u for u, _ in choices]
    unit_key = spec.line_key(row_id, "unit")
    if st.session_state.get(unit_key) not in names:
        st.session_state.pop(unit_key, None)
    factors = dict(choices)
    cols[2].selectbox(label("unit"), names, key=unit_key, index=0 if names else None, label_visibility="collapsed",
                      format_func=lambda u: u if factors.get(u, 1) == 1 else f"{u} (×{quantity(factors[u])})")
    for col, name in zip(cols[3:6], ("quantity", "unit_price", "discount_rate"), strict=True):
        col.text_input(label(name), key=spec.line_key(row_id, name), label_visibility="collapsed",
                       placeholder="0" if name == "discount_rate" else "")
    cols[6].selectbox(label("tax_rate_code"), rate_codes, key=spec.line_key(row_id, "tax_rate_code"), index=None,
                      format_func=_rate_label, label_visibility="collapsed",
                      placeholder=t("ui.vat.default_rate"))
    cols[7].write(_split_text(split))
    cols[8].button("", key=spec.line_key(row_id, "remove"), icon=":material/delete:", help=t("ui.order.remove_line"),
                   on_click=_remove_row, args=(spec, row_id))
    form_state.line_error(spec.prefix, line_no)


def order_form(spec: OrderFormSpec) -> None:
    """Draw the form; saving happens in the button callbacks."""
    prefix = spec.prefix
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")
        st.page_link(spec.list_page, label=t("ui.order.go_to_list"), icon=":material/list_alt:")

    with read_only() as session:
        partners = dict(masterdata.options(session, spec.partner_model))
        warehouses = dict(masterdata.order_warehouse_options(session))
        products = {p.id: p for p in queries.product_choices(session)}
        salespeople = dict(masterdata.options(session, Employee)) if spec.with_salesperson else {}
        warehouse_id = st.session_state.get(spec.key("warehouse"), next(iter(warehouses), None))
        on_hand = (stock_queries.on_hand_by_product(session, warehouse_id, _picked_products(spec))
                   if warehouse_id is not None else {})
        rate_codes = tax.rate_codes(session)
        splits = {row_id: _line_split(session, spec, row_id) for row_id in _rows(spec)}
        unit_choices = units.unit_options(session, _picked_products(spec))

    header = st.columns(4)
    partner_field, due_field = spec.kind.partner_field, spec.due_field
    with header[0]:
        st.selectbox(t(f"field.{spec.kind.partner_entity}"), list(partners), key=spec.key("partner"), index=None,
                     format_func=partners.get, placeholder=t("ui.order.choose"))
        form_state.field_error(prefix, partner_field)
    with header[1]:
        st.selectbox(t("field.warehouse"), list(warehouses), key=spec.key("warehouse"),
                     index=0 if warehouses else None, format_func=warehouses.get, placeholder=t("ui.order.choose"))
        form_state.field_error(prefix, "warehouse_id")
    with header[2]:
        date_field(t("field.order_date"), value="today", key=spec.key("order_date"))
        form_state.field_error(prefix, "order_date")
    with header[3]:
        date_field(t(f"field.{due_field}"), value=None, key=spec.key("due_date"))
        form_state.field_error(prefix, due_field)
    if spec.with_salesperson:
        st.selectbox(t("ui.order.salesperson"), list(salespeople), key=spec.key("salesperson"), index=None,
                     format_func=salespeople.get, placeholder=t("ui.order.optional"))
    st.text_input(t("ui.order.note"), key=spec.key("note"))
    st.radio(t("ui.vat.price_mode"), TAX_MODES, key=spec.key("tax_mode"), horizontal=True,
             format_func=lambda mode: t(f"ui.vat.mode.{mode}"))

    st.subheader(t("ui.order.lines"))
    titles = st.columns(_WIDTHS)
    for col, name in zip(titles, ("code", "product", "unit", "quantity", "unit_price", "discount_rate"), strict=False):
        col.caption(t(f"ui.order.col.{name}"))
    titles[6].caption(t("ui.vat.col.rate"))
    titles[7].caption(t("ui.vat.col.split"))
    rows = _rows(spec)
    for line_no, row_id in enumerate(rows, start=1):
        _draw_line(spec, line_no, row_id, products, on_hand, rate_codes, splits.get(row_id), unit_choices)
    form_state.field_error(prefix, "lines")
    sums = tax.totals(split for split in splits.values() if split is not None)
    st.markdown(t("ui.order.total", total=money(sums.net)))  # net of VAT, as every order total
    st.caption(t("ui.vat.total", net=money(sums.net), tax=money(sums.tax), gross=money(sums.gross)))

    form_state.other_errors(prefix, (partner_field, "warehouse_id", "order_date", due_field, "lines"))
    buttons = st.columns([1, 1, 1, 3])
    buttons[0].button(t("ui.order.add_line"), key=spec.key("add_line"), icon=":material/add:",
                      on_click=_add_row, args=(spec,))
    buttons[1].button(t("ui.order.save_draft"), key=spec.key("save_draft"), on_click=_submit,
                      args=(spec, False, form_state.token(prefix)))
    buttons[2].button(t("ui.order.save_confirm"), key=spec.key("save_confirm"), type="primary",
                      on_click=_submit, args=(spec, True, form_state.token(prefix)))
