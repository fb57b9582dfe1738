"""Transfer entry (调拨): the shipping leg (from, to, date, product lines picked by select box or by
a scanned barcode / typed SKU) and the receiving leg (pick an in-transit transfer, the received
quantity of each line defaults to what was shipped; a shortfall is written off as transit loss).

On the shipping leg, a scan (``trs.scan``) adds one of the product to its line, or fills the first
empty line / adds a line for a product not yet on the transfer (``scanning.add_scan``). On the
receiving leg (``trr.scan``), as on a goods receipt: the first scan sets every line to 0, then each
line holds what was scanned for it (``scanning.line_for_scan``).
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state, phone
from dashboards.components.bin_select import bin_select, selected_bin
from dashboards.components.date_field import date_field
from dashboards.components.format import quantity
from dashboards.components.safe_text import text
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import Product, StockTransfer
from operational.services import (
    auth,
    idempotency,
    masterdata,
    queries,
    scanning,
    stock_queries,
    transfers,
    units,
)
from operational.services.errors import DomainError, ValidationError
from operational.services.transfers import TransferLineInput
from operational.services.validation import non_negative

SHIP, RECEIVE = "trs", "trr"  # widget key prefixes of the two legs
ROLES = ("warehouse",)
LINE_FIELDS = ("code", "product", "quantity", "unit")


def _key(prefix: str, name: str) -> str:
    return f"{prefix}.{name}"


def _line_key(row_id: int, name: str) -> str:
    return f"{SHIP}.line{row_id}.{name}"


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _user_check(session: Session) -> int | None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)
    return user.id if user else None


# ---------------------------------------------------------------- shipping: line rows

def _rows() -> list[int]:
    return st.session_state.setdefault(_key(SHIP, "rows"), [1])


def _add_row() -> None:
    rows = _rows()
    rows.append(max(rows, default=0) + 1)


def _remove_row(row_id: int) -> None:
    rows = _rows()
    if len(rows) > 1:
        rows.remove(row_id)
        for name in LINE_FIELDS:
            st.session_state.pop(_line_key(row_id, name), None)
    form_state.clear(SHIP)


def _is_blank(row_id: int) -> bool:
    return st.session_state.get(_line_key(row_id, "product")) is None and not any(
        _text(_line_key(row_id, name)) for name in ("code", "quantity"))


def _on_code(row_id: int) -> None:
    """A scanned barcode or typed SKU selects the product; a case barcode puts the line in cases
    (one case unless a quantity is typed)."""
    code = _text(_line_key(row_id, "code"))
    if not code:
        return
    with read_only() as session:
        found = units.scan(session, code)
        if found is not None:
            st.session_state[_line_key(row_id, "product")] = found.product.id
            # (product, unit): the unit holds only while the line keeps that product
            st.session_state[_line_key(row_id, "unit")] = (found.product.id, found.unit)
            if found.unit is not None and not _text(_line_key(row_id, "quantity")):
                st.session_state[_line_key(row_id, "quantity")] = "1"


@form_state.guarded(SHIP)
def _scan(code: str) -> None:
    """One scan: one more of the product on its line (the first line of that product), else on the
    first empty line, else on a new line."""
    form_state.clear(SHIP)
    state = st.session_state
    rows = _rows()
    try:
        with read_only() as session:
            item = scanning.resolve_code(session, code)
        row_id = next((r for r in rows if state.get(_line_key(r, "product")) == item.product_id), None)
        if row_id is None:
            row_id = next((r for r in rows if _is_blank(r)), None)
        if row_id is None:
            _add_row()
            row_id = rows[-1]
        line_no = rows.index(row_id) + 1
        typed = _text(_line_key(row_id, "quantity"))
        # A quantity typed on the line counts (a bad one is refused, not replaced by the scans).
        counted = {row_id: non_negative(typed, "quantity", line_no=line_no) if typed else None}
        if counted[row_id] is not None and (unit := _unit(row_id, item.product_id)):
            # the line was in cases (a case barcode in its code field): scans count in the base unit
            with read_only() as session:
                product = session.get(Product, item.product_id)
                counted[row_id] *= units.factor_of(session, product, unit, line_no=line_no)[1]
    except DomainError as err:
        form_state.record_error(SHIP, err)
        return
    total = scanning.add_scan(counted, row_id, item.quantity)[row_id]
    state.pop(_line_key(row_id, "unit"), None)
    state[_line_key(row_id, "product")] = item.product_id
    state[_line_key(row_id, "code")] = ""
    state[_line_key(row_id, "quantity")] = quantity(total).replace(",", "")
    state[_key(SHIP, "scan_message")] = t("ui.phone.scanned_line", product=item.label, line_no=line_no,
                                          quantity=quantity(total), unit=item.unit)


def _resolve_product(session: Session, row_id: int, line_no: int) -> int:
    code = _text(_line_key(row_id, "code"))
    if code:
        product = masterdata.find_product(session, code)
        if product is None:
            raise ValidationError("not_found", field=f"lines.{line_no}.product_id", line_no=line_no,
                                  entity="entity.product", key=code)
        return product.id
    product_id = st.session_state.get(_line_key(row_id, "product"))
    if product_id is None:
        raise ValidationError("required", field=f"lines.{line_no}.product_id", line_no=line_no,
                              field_label="field.product")
    return product_id


def _lines(session: Session) -> list[TransferLineInput]:
    rows = _rows()
    while len(rows) > 1 and _is_blank(rows[-1]):  # trailing empty rows are ignored
        rows = rows[:-1]
    if len(rows) == 1 and _is_blank(rows[0]):
        return []
    bin_id = selected_bin(SHIP, st.session_state.get(_key(SHIP, "from")))
    return [TransferLineInput(product_id, _text(_line_key(row_id, "quantity")), bin_id, unit=_unit(row_id, product_id))
            for n, row_id in enumerate(rows, start=1)
            for product_id in (_resolve_product(session, row_id, n),)]


def _unit(row_id: int, product_id: int) -> str | None:
    """The unit a scanned case barcode put the line in, while the line keeps that product."""
    scanned = st.session_state.get(_line_key(row_id, "unit"))
    return scanned[1] if scanned and scanned[0] == product_id else None


@form_state.guarded(SHIP)
def _ship(token: str | None = None) -> None:
    form_state.clear(SHIP)
    state = st.session_state
    try:
        with unit_of_work() as session:
            user_id = _user_check(session)
            doc = idempotency.once(session, token, lambda: transfers.ship_transfer(
                session, state.get(_key(SHIP, "from")), state.get(_key(SHIP, "to")), state.get(_key(SHIP, "date")),
                _lines(session), note=_text(_key(SHIP, "note")) or None, user_id=user_id)).document
            doc_no = doc.doc_no
    except DomainError as err:
        form_state.record_error(SHIP, err)
        return
    form_state.reset_inputs(SHIP)
    form_state.record_success(SHIP, t("ui.transfer.shipped", doc_no=doc_no))


def ship_form() -> None:
    message = form_state.success_message(SHIP)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        warehouses = dict(queries.stock_warehouses(session))
        products = {p.id: p for p in queries.product_choices(session)}
        from_id = st.session_state.get(_key(SHIP, "from"))
        picked = {pid for r in _rows() if (pid := st.session_state.get(_line_key(r, "product"))) is not None}
        # live from the store: what the source warehouse holds now
        on_hand = stock_queries.on_hand_by_product(session, from_id, picked) if from_id is not None else {}

    header = st.columns(3)
    for col, name, field in zip(header, ("from", "to"), ("from_warehouse_id", "to_warehouse_id"), strict=False):
        with col:
            st.selectbox(t(f"field.{field}"), list(warehouses), key=_key(SHIP, name), index=None,
                         format_func=lambda i: warehouses.get(i, str(i)), placeholder=t("ui.order.choose"))
            form_state.field_error(SHIP, field)
            if name == "from":
                bin_select(SHIP, st.session_state.get(_key(SHIP, "from")), inbound=False)
    with header[2]:
        date_field(t("field.ship_date"), value="today", key=_key(SHIP, "date"))
        form_state.field_error(SHIP, "ship_date")
    st.text_input(t("ui.order.note"), key=_key(SHIP, "note"))

    st.subheader(t("ui.order.lines"))
    phone.scan_field(_key(SHIP, "scan"), _scan)
    if st.session_state.get(_key(SHIP, "scan_message")) and not form_state.errors(SHIP):
        st.caption(text(st.session_state[_key(SHIP, "scan_message")]))
    form_state.field_error(SHIP, "barcode")
    widths = [2, 4, 1.5, 0.6]
    phone.header_row(SHIP, widths, [t(f"ui.order.col.{name}") for name in ("code", "product", "quantity")])
    for line_no, row_id in enumerate(_rows(), start=1):
        with phone.line(f"{SHIP}-{row_id}", ()):
            cols = st.columns(widths, vertical_alignment="center")

            def label(name: str, line_no: int = line_no) -> str:
                return t("ui.order.line_label", field=t(f"ui.order.col.{name}"), line_no=line_no)
            cols[0].text_input(label("code"), key=_line_key(row_id, "code"), label_visibility="collapsed",
                               placeholder=t("ui.order.code_placeholder"), on_change=_on_code, args=(row_id,))
            cols[1].selectbox(label("product"), list(products), key=_line_key(row_id, "product"), index=None,
                              format_func=lambda pid: products[pid].label if pid in products else str(pid),
                              label_visibility="collapsed", placeholder=t("ui.order.choose_product"))
            if (pid := st.session_state.get(_line_key(row_id, "product"))) in on_hand:
                cols[1].caption(t("ui.live.on_hand", quantity=quantity(on_hand[pid])))
            cols[2].text_input(label("quantity"), key=_line_key(row_id, "quantity"), label_visibility="collapsed")
            if pid is not None and (unit := _unit(row_id, pid)):
                cols[2].caption(text(unit))
            cols[3].button("", key=_line_key(row_id, "remove"), icon=":material/delete:",
                           help=t("ui.order.remove_line"), on_click=_remove_row, args=(row_id,))
        form_state.line_error(SHIP, line_no)
    form_state.field_error(SHIP, "lines")
    form_state.other_errors(SHIP, ("from_warehouse_id", "to_warehouse_id", "ship_date", "lines", "bin_id", "barcode"))
    buttons = st.columns([1, 1, 4])
    buttons[0].button(t("ui.order.add_line"), key=_key(SHIP, "add_line"), icon=":material/add:", on_click=_add_row)
    buttons[1].button(t("ui.transfer.ship"), key=_key(SHIP, "post"), type="primary", on_click=_ship,
                      args=(form_state.token(SHIP),))


# ---------------------------------------------------------------- receiving

def _qty_key(transfer_id: int, line_id: int) -> str:
    return f"{RECEIVE}.qty.{transfer_id}.{line_id}"


def _scanned_key(transfer_id: int) -> str:
    return f"{RECEIVE}.scanned.{transfer_id}"


@form_state.guarded(RECEIVE)
def _scan_arrival(transfer_id: int, lines: list[scanning.ScanLine], code: str) -> None:
    """One scan on the arriving transfer: the received quantity of the line it lands on goes up."""
    form_state.clear(RECEIVE)
    state = st.session_state
    scanned = state.get(_scanned_key(transfer_id))
    try:
        with read_only() as session:
            item = scanning.resolve_code(session, code)
        line_id = scanning.line_for_scan(lines, scanned or {}, item)
    except DomainError as err:
        form_state.record_error(RECEIVE, err)
        return
    if scanned is None:  # the first scan: from now on the lines hold what was scanned, nothing else
        scanned = {line.line_id: Decimal(0) for line in lines}
        for line in lines:
            state[_qty_key(transfer_id, line.line_id)] = "0"
    scanned = scanning.add_scan(scanned, line_id, item.quantity)
    state[_scanned_key(transfer_id)] = scanned
    state[_qty_key(transfer_id, line_id)] = quantity(scanned[line_id]).replace(",", "")
    line_no = next(n for n, line in enumerate(lines, start=1) if line.line_id == line_id)
    state[_key(RECEIVE, "scan_message")] = t("ui.phone.scanned_line", product=item.label, line_no=line_no,
                                             quantity=quantity(scanned[line_id]), unit=item.unit)


@form_state.guarded(RECEIVE)
def _receive(transfer_id: int | None, line_ids: list[int], to_warehouse_id: int | None = None) -> None:
    form_state.clear(RECEIVE)
    state = st.session_state
    try:
        if transfer_id is None:
            raise ValidationError("required", field="transfer_id", field_label="entity.stock_transfer")
        received = {line_id: _text(_qty_key(transfer_id, line_id)) for line_id in line_ids}
        with unit_of_work() as session:
            user_id = _user_check(session)
            doc = transfers.receive_transfer(session, transfer_id, state.get(_key(RECEIVE, "date")), received,
                                             user_id=user_id, bin_id=selected_bin(RECEIVE, to_warehouse_id))
            loss = sum((line.quantity - line.received_qty for line in doc.lines), Decimal(0))
            doc_no = doc.doc_no
    except DomainError as err:
        form_state.record_error(RECEIVE, err)
        return
    form_state.reset_inputs(RECEIVE)
    message = t("ui.transfer.received", doc_no=doc_no)
    if loss:
        message += t("ui.transfer.transit_loss", quantity=quantity(loss))
    form_state.record_success(RECEIVE, message)


def receive_form() -> None:
    message = form_state.success_message(RECEIVE)
    if message:
        st.success(message, icon=":material/task_alt:")
    state = st.session_state
    with read_only() as session:
        choices = dict(queries.in_transit_transfers(session))
        transfer_id = state.get(_key(RECEIVE, "transfer"))
        if transfer_id not in choices:  # received meanwhile (maybe by this very form)
            state.pop(_key(RECEIVE, "transfer"), None)
            transfer_id = None
        lines = queries.transfer_lines(session, transfer_id) if transfer_id is not None else []
        to_warehouse_id = session.get(StockTransfer, transfer_id).to_warehouse_id if transfer_id is not None else None
    if not choices:
        st.info(t("ui.transfer.none_in_transit"))
        return
    left, right = st.columns([3, 1])
    with left:
        transfer_id = st.selectbox(t("entity.stock_transfer"), list(choices), key=_key(RECEIVE, "transfer"),
                                   index=None, format_func=lambda i: choices.get(i, str(i)),
                                   placeholder=t("ui.transfer.choose"), on_change=form_state.clear, args=(RECEIVE,))
        form_state.field_error(RECEIVE, "transfer_id")
    with right:
        date_field(t("field.receive_date"), value="today", key=_key(RECEIVE, "date"))
        form_state.field_error(RECEIVE, "receive_date")
    if transfer_id is not None:
        bin_select(RECEIVE, to_warehouse_id, inbound=True)
        phone.scan_field(_key(RECEIVE, "scan"), _scan_arrival, args=(transfer_id, [
            scanning.ScanLine(line.line_id, line.product_id, line.quantity) for line in lines]))
        if _scanned_key(transfer_id) in state and not form_state.errors(RECEIVE):
            st.caption(text(state.get(_key(RECEIVE, "scan_message"), "")) + " · " + t("ui.phone.scan_mode"))
        form_state.field_error(RECEIVE, "barcode")
        widths = [0.6, 4, 1.5, 1.6]
        phone.header_row(RECEIVE, widths, [t(f"ui.transfer.col.{name}")
                                           for name in ("line_no", "product", "shipped", "received")])
        for line in lines:
            key = _qty_key(transfer_id, line.line_id)
            state.setdefault(key, quantity(line.quantity).replace(",", ""))  # what was shipped, unless typed otherwise
            with phone.line(f"{RECEIVE}-{line.line_id}", [
                    (t("ui.transfer.col.line_no"), str(line.line_no)), ("", text(f"{line.sku} {line.product_name}")),
                    (t("ui.transfer.col.shipped"), f"{quantity(line.quantity)} {text(line.unit)}")]):
                cols = st.columns(widths, vertical_alignment="center")
                cols[0].write(str(line.line_no))
                cols[1].write(text(f"{line.sku} {line.product_name}"))
                cols[2].write(f"{quantity(line.quantity)} {text(line.unit)}")
                cols[3].text_input(t("ui.order.line_label", field=t("ui.transfer.col.received"),
                                     line_no=line.line_no), key=key, label_visibility="collapsed")
            form_state.line_error(RECEIVE, line.line_no)
        st.caption(t("ui.transfer.loss_note"))
    form_state.other_errors(RECEIVE, ("transfer_id", "receive_date", "bin_id", "barcode"))
    st.button(t("ui.transfer.receive"), key=_key(RECEIVE, "post"), type="primary",
              on_click=_receive, args=(transfer_id, [line.line_id for line in lines], to_warehouse_id))
