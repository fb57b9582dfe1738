"""Goods receipt and shipment entry: pick an open order, the open quantity of each line is
prefilled, post. One implementation for both sides, described by a ``FulfilFormSpec``.

Or count the goods by scanning (``<prefix>.scan``): the first scan on an order sets every line to
0, and from then on each line's quantity is what was scanned for it (``scanning.line_for_scan``
says which line a scan lands on); the quantities stay editable before posting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state, phone, safe_text
from dashboards.components.bin_select import bin_select, selected_bin
from dashboards.components.date_field import date_field
from dashboards.components.format import quantity
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.services import auth, batches, bins, idempotency, queries, scanning, stock_queries, units
from operational.services.errors import DomainError
from operational.services.orders import FulfilLineInput, LandedCosts, OrderKind


@dataclass(frozen=True)
class FulfilFormSpec:
    prefix: str  # widget key prefix, e.g. "gr"
    kind: OrderKind
    roles: tuple[str, ...]
    # receive_goods / ship_goods: (session, order_id, date, lines, *, user_id) -> document
    post: Callable[..., Any]
    list_page: str
    # Receipts: per line rejected quantity + reason at inspection, and landed costs (freight, duty, basis).
    inspection: bool = False

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def qty_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.qty.{order_id}.{line_id}"

    def rejected_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.rejected.{order_id}.{line_id}"

    def reason_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.reason.{order_id}.{line_id}"

    def batch_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.batch.{order_id}.{line_id}"

    def expiry_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.expiry.{order_id}.{line_id}"

    def unit_key(self, order_id: int, line_id: int) -> str:
        return f"{self.prefix}.unit.{order_id}.{line_id}"

    def scanned_key(self, order_id: int) -> str:
        """line id → quantity scanned so far on this order (absent: not counting by scan)."""
        return f"{self.prefix}.scanned.{order_id}"


def _scan(spec: FulfilFormSpec, order_id: int, lines: list[scanning.ScanLine], code: str) -> None:
    """One scan on the order: the quantity of the line it lands on goes up by what the code stands for."""
    form_state.clear(spec.prefix)
    state = st.session_state
    scanned = state.get(spec.scanned_key(order_id))
    try:
        with read_only() as session:
            item = scanning.resolve_code(session, code)
        line_id = scanning.line_for_scan(lines, scanned or {}, item)
    except DomainError as err:
        form_state.record_error(spec.prefix, err)
        return
    if scanned is None:  # the first scan: from now on the lines hold what was scanned, nothing else
        scanned = {line.line_id: Decimal(0) for line in lines}
        for line in lines:
            state[spec.qty_key(order_id, line.line_id)] = "0"
            state.pop(spec.unit_key(order_id, line.line_id), None)
    scanned = scanning.add_scan(scanned, line_id, item.quantity)
    state[spec.scanned_key(order_id)] = scanned
    state[spec.qty_key(order_id, line_id)] = quantity(scanned[line_id]).replace(",", "")
    line_no = next(n for n, line in enumerate(lines, start=1) if line.line_id == line_id)
    state[spec.key("scan_message")] = t("ui.phone.scanned_line", product=item.label, line_no=line_no,
                                         quantity=quantity(scanned[line_id]), unit=item.unit)


@form_state.guarded(lambda spec, *_, **__: spec.prefix)
def _post(spec: FulfilFormSpec, order_id: int, line_ids: list[int], warehouse_id: int | None = None,
          token: str | None = None) -> None:
    form_state.clear(spec.prefix)
    user = current_user()
    state = st.session_state
    bin_id = selected_bin(spec.prefix, warehouse_id)
    by_scan = state.get(spec.scanned_key(order_id)) is not None  # scans count in the base unit

    def text(key: str) -> str:
        return str(state.get(key) or "").strip()

    lines = [FulfilLineInput(line_id, text(spec.qty_key(order_id, line_id)),
                             text(spec.rejected_key(order_id, line_id)) or 0,
                             text(spec.reason_key(order_id, line_id)) or None,
                             batch_no=text(spec.batch_key(order_id, line_id)) or None,
                             expiry_date=state.get(spec.expiry_key(order_id, line_id)), bin_id=bin_id,
                             unit=None if by_scan else state.get(spec.unit_key(order_id, line_id)) or None)
             for line_id in line_ids]
    extra: dict[str, Any] = {}
    if spec.inspection:
        extra["landed"] = LandedCosts(freight=text(spec.key("freight")) or 0, duty=text(spec.key("duty")) or 0,
                                      basis=state.get(spec.key("basis")) or "value")
    try:
        with unit_of_work() as session:
            auth.require_role(queries.user_by_id(session, user.id) if user else None, *spec.roles)
            doc = idempotency.once(session, token, lambda: spec.post(
                session, order_id, state.get(spec.key("date")), lines, user_id=user.id, **extra)).document
            order = session.get(spec.kind.order_model, order_id)
            doc_no, order_no, status = doc.doc_no, order.doc_no, order.status
    except DomainError as err:
        form_state.record_error(spec.prefix, err)
        return
    form_state.reset_inputs(spec.prefix)
    form_state.record_success(spec.prefix, t("ui.fulfil.posted", doc=t(f"entity.{spec.kind.fulfil_entity}"),
                                             doc_no=doc_no, order_no=order_no, status=t(f"state.{status}")))


def _picking(session: Session, lines: list[queries.OpenLine], warehouse_id: int | None) -> dict[int, str]:
    """Shipments of batch-tracked products: which batches first-expiry-first-out would take; from a
    warehouse with storage bins: which bins largest-bin-first would take (no bin chosen)."""
    found = {}
    in_bins = warehouse_id in bins.bin_warehouse_ids(session)
    for line in lines:
        if in_bins and not line.tracks_batches:
            takes = bins.largest_first(session, line.product_id, warehouse_id, line.open_quantity)
            found[line.line_id] = t("ui.bins.picking", suggestion="，".join(
                t("ui.bins.pick", bin=b.code, quantity=quantity(b.quantity)) for b in takes)
                or t("ui.bins.no_bin_stock"))
        elif line.tracks_batches and warehouse_id is not None:
            takes = batches.fefo_allocation(session, line.product_id, warehouse_id, line.open_quantity)
            found[line.line_id] = "，".join(
                t("ui.fulfil.pick", batch_no=b.batch_no, quantity=quantity(b.quantity),
                  expiry=b.expiry_date.isoformat() if b.expiry_date else "—") for b in takes) or t("ui.fulfil.no_batches")
            found[line.line_id] = t("ui.fulfil.picking", suggestion=found[line.line_id])
    return found


def _load(session: Session, spec: FulfilFormSpec) -> tuple[dict[int, str], list[queries.OpenLine]]:
    choices = dict(queries.order_choices(session, spec.kind, queries.OPEN_STATES))
    order_id = st.session_state.get(spec.key("order"))
    if order_id not in choices:
        # Completed or cancelled meanwhile (maybe by this very form): start from no order.
        st.session_state.pop(spec.key("order"), None)
        return choices, []
    return choices, [line for line in queries.open_order_lines(session, spec.kind, order_id)
                     if line.open_quantity > 0]


_WIDTHS = [0.6, 4, 1.3, 1.3, 1.3, 1.6]
_INSPECTION_WIDTHS = [0.6, 3, 1.1, 1.1, 1.1, 1.4, 1.4, 2]
LANDED_FIELDS = ("freight_amount", "duty_amount", "allocation_basis")
ALLOCATION_BASES = ("value", "quantity")


def fulfil_form(spec: FulfilFormSpec) -> None:
    prefix, kind = spec.prefix, spec.kind
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")
        st.page_link(spec.list_page, label=t("ui.order.go_to_list"), icon=":material/list_alt:")

    with read_only() as session:
        choices, lines = _load(session, spec)
        warehouse_id = queries.order_warehouse(session, spec.kind, st.session_state.get(spec.key("order")))
        picking = {} if spec.inspection or not lines else _picking(session, lines, warehouse_id)
        # Shipping out: what the warehouse holds now, live from the store (a receipt posted a moment
        # ago counts).
        on_hand = ({} if spec.inspection or warehouse_id is None else
                   stock_queries.on_hand_by_product(session, warehouse_id, {line.product_id for line in lines}))

    if not choices:
        st.info(t("ui.fulfil.no_open_orders", doc=t(f"entity.{kind.order_entity}")))
        return
    left, right = st.columns([3, 1])
    with left:
        order_id = st.selectbox(t(f"entity.{kind.order_entity}"), list(choices), key=spec.key("order"), index=None,
                                format_func=choices.get, placeholder=t("ui.fulfil.choose_order"),
                                on_change=form_state.clear, args=(prefix,))
        form_state.field_error(prefix, "order_id")
    with right:
        date_field(t(f"field.{kind.fulfil_date_field}"), value="today", key=spec.key("date"))
        form_state.field_error(prefix, kind.fulfil_date_field)
    if order_id is None:
        return
    # Warehouses with storage bins: the bin received into / shipped from (one for the document).
    bin_select(prefix, warehouse_id, inbound=spec.inspection)
    phone.scan_field(spec.key("scan"), _scan, args=(spec, order_id, [
        scanning.ScanLine(line.line_id, line.product_id, line.open_quantity) for line in lines]))
    if spec.scanned_key(order_id) in st.session_state and not form_state.errors(prefix):
        st.caption(safe_text.text(st.session_state.get(spec.key("scan_message"), "")) + " · " +
                   t("ui.phone.scan_mode"))
    form_state.field_error(prefix, "barcode")  # an unknown code, a product not on the order

    widths = _INSPECTION_WIDTHS if spec.inspection else _WIDTHS
    names = ["line_no", "product", "ordered", "done", "open", "quantity"]
    if spec.inspection:
        names += ["rejected_qty", "reject_reason"]
    phone.header_row(prefix, widths, [
        t(f"ui.fulfil.col.{name}.{kind.fulfil_entity}" if name == "done" else f"ui.fulfil.col.{name}")
        if name not in ("rejected_qty", "reject_reason") else t(f"field.{name}") for name in names])
    for line in lines:
        with phone.line(f"{prefix}-{line.line_id}", _cells(spec, line, on_hand)):
            _line_row(spec, order_id, line, widths, on_hand, picking)
        form_state.line_error(prefix, line.line_no)
    if spec.inspection:
        st.caption(t("ui.fulfil.landed_note"))
        c1, c2, c3 = st.columns(3)
        with c1:
            st.text_input(t("field.freight_amount"), key=spec.key("freight"), placeholder="0.00")
            form_state.field_error(prefix, "freight_amount")
        with c2:
            st.text_input(t("field.duty_amount"), key=spec.key("duty"), placeholder="0.00")
            form_state.field_error(prefix, "duty_amount")
        with c3:
            st.radio(t("field.allocation_basis"), ALLOCATION_BASES, key=spec.key("basis"), horizontal=True,
                     format_func=lambda b: t(f"ui.fulfil.basis.{b}"))
            form_state.field_error(prefix, "allocation_basis")
    form_state.field_error(prefix, "lines")
    form_state.other_errors(prefix, ("order_id", kind.fulfil_date_field, "lines", "bin_id", "barcode",
                                     *(LANDED_FIELDS if spec.inspection else ())))
    st.button(t(f"ui.fulfil.post.{kind.fulfil_entity}"), key=spec.key("post"), type="primary",
              on_click=_post, args=(spec, order_id, [line.line_id for line in lines], warehouse_id,
                                    form_state.token(prefix)))


def _cells(spec: FulfilFormSpec, line: queries.OpenLine, on_hand: dict[int, Any]) -> list[tuple[str, str]]:
    """The line's read-only cells in words, for a phone (``phone.line``)."""
    kind = spec.kind
    cells = [(t("ui.fulfil.col.line_no"), str(line.line_no)),
             ("", safe_text.text(f"{line.sku} {line.product_name}")),
             (t("ui.fulfil.col.ordered"), _ordered(line)),
             (t(f"ui.fulfil.col.done.{kind.fulfil_entity}"), quantity(line.done_quantity)),
             (t("ui.fulfil.col.open"), quantity(line.open_quantity))]
    if line.product_id in on_hand:
        cells.append(("", t("ui.live.on_hand", quantity=quantity(on_hand[line.product_id]))))
    return cells


def _ordered(line: queries.OpenLine) -> str:
    """The ordered quantity; a line entered in another unit (多单位) as typed, then in the base unit."""
    ordered = f"{quantity(line.quantity)} {safe_text.text(line.unit)}"
    if line.entered_unit:
        ordered = f"{quantity(line.entered_quantity)} {safe_text.text(line.entered_unit)} = {ordered}"
    return ordered


def _line_row(spec: FulfilFormSpec, order_id: int, line: queries.OpenLine, widths: list[float],
              on_hand: dict[int, Any], picking: dict[int, str]) -> None:
    """One order line: its cells and its quantity (and, for a receipt, inspection and batch) inputs."""
    cols = st.columns(widths, vertical_alignment="center")
    cols[0].write(str(line.line_no))
    cols[1].write(safe_text.text(f"{line.sku} {line.product_name}"))
    if line.product_id in on_hand:
        cols[1].caption(t("ui.live.on_hand", quantity=quantity(on_hand[line.product_id])))
    cols[2].write(_ordered(line))
    cols[3].write(quantity(line.done_quantity))
    cols[4].write(quantity(line.open_quantity))
    # A line ordered in another unit (10 箱) is received / shipped in it when what is open is a
    # whole number of it (prefilled so); either unit may be chosen, the service converts. Once the
    # clerk scans, the lines count scans in the base unit and the unit choice goes.
    prefill, unit_names, start = line.open_quantity, [], 0
    by_scan = spec.scanned_key(order_id) in st.session_state
    if line.entered_unit and line.entered_quantity and not by_scan:
        unit_names = [line.entered_unit, line.unit]
        whole = units.in_whole_units(line.open_quantity, line.quantity / line.entered_quantity)
        prefill, start = (whole, 0) if whole is not None else (line.open_quantity, 1)
    cols[5].text_input(t("ui.order.line_label", field=t("ui.fulfil.col.quantity"), line_no=line.line_no),
                       value=quantity(prefill).replace(",", ""), key=spec.qty_key(order_id, line.line_id),
                       label_visibility="collapsed")
    if unit_names:
        cols[5].selectbox(t("ui.order.line_label", field=t("ui.order.col.unit"), line_no=line.line_no),
                          unit_names, index=start, key=spec.unit_key(order_id, line.line_id),
                          label_visibility="collapsed")
    if spec.inspection:
        cols[6].text_input(t("ui.order.line_label", field=t("field.rejected_qty"), line_no=line.line_no),
                           key=spec.rejected_key(order_id, line.line_id), label_visibility="collapsed",
                           placeholder="0")
        cols[7].text_input(t("ui.order.line_label", field=t("field.reject_reason"), line_no=line.line_no),
                           key=spec.reason_key(order_id, line.line_id), label_visibility="collapsed",
                           placeholder=t("ui.fulfil.reason_placeholder"))
    if spec.inspection and line.tracks_batches:
        b1, b2, _ = st.columns([2, 2, 4])
        b1.text_input(t("ui.order.line_label", field=t("field.batch_no"), line_no=line.line_no),
                      key=spec.batch_key(order_id, line.line_id), placeholder=t("ui.fulfil.batch_placeholder"))
        date_field(t("ui.order.line_label", field=t("field.expiry_date"), line_no=line.line_no),
                   value=None, key=spec.expiry_key(order_id, line.line_id), where=b2)
    if line.line_id in picking:
        st.caption(safe_text.text(picking[line.line_id]))
