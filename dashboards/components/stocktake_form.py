"""Stocktake entry (库存盘点): open a count sheet (warehouse, optional category, count date), enter
counts in the sheet's table and/or by scanning a barcode (or typing a SKU) with its quantity, see
the variance (book, counted, difference), post the gains and losses or cancel the sheet.

Three widget prefixes: ``stko`` (opening a sheet), ``stks`` (the scan box, its counts are saved at
once) and ``stk`` (the chosen sheet: table counts, post, cancel). The scan box has a scan field
(``stks.scan``: each scan of a code adds one to its product's count, ``stocktakes.count_scan``) and
a row to enter a whole count for a code (``stks.code`` + ``stks.qty``: the count is set). Counts typed in the table are
saved with "保存盘点数" or together with posting, in the same transaction.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state, phone
from dashboards.components.bin_select import is_bin_warehouse
from dashboards.components.date_field import date_field
from dashboards.components.format import quantity, show_table, with_headers
from dashboards.components.safe_text import text
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import ProductCategory, Stocktake
from operational.services import auth, idempotency, masterdata, queries, stocktakes
from operational.services.errors import DomainError, ValidationError

OPEN, SCAN, SHEET = "stko", "stks", "stk"
ROLES = ("warehouse",)
SHEET_KEY = f"{SHEET}.sheet"
VARIANCE_COLUMNS = ("line_no", "sku", "product_name", "book_qty", "counted_qty", "difference_qty")


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _user_check(session: Session) -> int | None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)
    return user.id if user else None


def _count_key(sheet_id: int, line_id: int) -> str:
    return f"{SHEET}.count.{sheet_id}.{line_id}"


# ---------------------------------------------------------------- callbacks

@form_state.guarded(OPEN)
def _open(token: str | None = None) -> None:
    form_state.clear(OPEN)
    state = st.session_state
    try:
        with unit_of_work() as session:
            user_id = _user_check(session)
            sheet = idempotency.once(session, token, lambda: stocktakes.open_stocktake(
                session, state.get(f"{OPEN}.warehouse"), state.get(f"{OPEN}.date"),
                category_id=state.get(f"{OPEN}.category"), user_id=user_id)).document
            sheet_id, doc_no, n = sheet.id, sheet.doc_no, len(sheet.lines)
    except DomainError as err:
        form_state.record_error(OPEN, err)
        return
    form_state.reset_inputs(OPEN)
    form_state.record_success(OPEN, t("ui.stocktake.opened", doc_no=doc_no, n=n))
    form_state.clear(SHEET)
    state[SHEET_KEY] = sheet_id  # continue with the new sheet


@form_state.guarded(SCAN)
def _scan(sheet_id: int) -> None:
    form_state.clear(SCAN)
    state = st.session_state
    code, counted = _text(f"{SCAN}.code"), _text(f"{SCAN}.qty")
    try:
        if not code:
            raise ValidationError("required", field="barcode", field_label="field.barcode")
        with unit_of_work() as session:
            _user_check(session)
            stocktakes.record_counts(session, sheet_id, {code: counted})
            product = masterdata.find_product(session, code)
            label = f"{product.sku} {product.name}"
            line_id = next(line.id for line in session.get(Stocktake, sheet_id).lines
                           if line.product_id == product.id)
    except DomainError as err:
        form_state.record_error(SCAN, err)
        return
    # The table shows the stored count from now on (unless the clerk typed another one there).
    key = _count_key(sheet_id, line_id)
    if key in state:
        state[key] = counted
    form_state.reset_inputs(SCAN)
    form_state.record_success(SCAN, t("ui.stocktake.scanned", product=label, quantity=counted))


@form_state.guarded(SCAN)
def _count_scan(sheet_id: int, code: str) -> None:
    """One scan: the product's count goes up by one (of what the code stands for), saved at once."""
    form_state.clear(SCAN)
    try:
        with unit_of_work() as session:
            _user_check(session)
            line, item = stocktakes.count_scan(session, sheet_id, code)
            line_id, counted = line.id, line.counted_qty
    except DomainError as err:
        form_state.record_error(SCAN, err)
        return
    st.session_state[_count_key(sheet_id, line_id)] = quantity(counted).replace(",", "")  # the table follows
    form_state.record_success(SCAN, t("ui.phone.counted", product=item.label, quantity=quantity(counted),
                                      unit=item.unit))


def _typed_counts(sheet_id: int, lines: list[tuple[int, int]]) -> dict[int, str]:
    """product id → counted, for the table rows with a count typed in."""
    return {product_id: _text(_count_key(sheet_id, line_id)) for line_id, product_id in lines
            if _text(_count_key(sheet_id, line_id))}


_DONE = {"save": "ui.stocktake.saved", "post": "ui.stocktake.posted", "cancel": "ui.stocktake.cancelled"}


@form_state.guarded(SHEET)
def _act(action: str, sheet_id: int | None, lines: list[tuple[int, int]]) -> None:
    """save: record the typed counts; post: record them and post; cancel: drop the sheet."""
    form_state.clear(SHEET)
    form_state.clear(SCAN)
    try:
        if sheet_id is None:
            raise ValidationError("required", field="stocktake_id", field_label="entity.stocktake")
        with unit_of_work() as session:
            _user_check(session)
            if action == "cancel":
                sheet = stocktakes.cancel_stocktake(session, sheet_id)
            else:
                sheet = stocktakes.record_counts(session, sheet_id, _typed_counts(sheet_id, lines))
                if action == "post":
                    sheet = stocktakes.post_stocktake(session, sheet_id)
            doc_no = sheet.doc_no
    except DomainError as err:
        form_state.record_error(SHEET, err)
        return
    if action != "save":  # the sheet is closed: forget it and its typed counts
        form_state.reset_inputs(SHEET)
    form_state.record_success(SHEET, t(_DONE[action], doc_no=doc_no))


# ---------------------------------------------------------------- drawing


def _open_section() -> None:
    with read_only() as session:
        warehouses = dict(queries.stock_warehouses(session))
        categories = dict(masterdata.options(session, ProductCategory))
    with st.expander(t("ui.stocktake.open_title"), expanded=not st.session_state.get(SHEET_KEY)):
        form_state.flash(OPEN)
        cols = st.columns(3)
        with cols[0]:
            st.selectbox(t("field.warehouse"), list(warehouses), key=f"{OPEN}.warehouse", index=None,
                         format_func=lambda i: warehouses.get(i, str(i)), placeholder=t("ui.order.choose"))
            form_state.field_error(OPEN, "warehouse_id")
        with cols[1]:
            st.selectbox(t("ui.filter.category"), list(categories), key=f"{OPEN}.category", index=None,
                         format_func=lambda i: categories.get(i, str(i)), placeholder=t("ui.filter.all_categories"))
            form_state.field_error(OPEN, "category_id")
        with cols[2]:
            date_field(t("field.count_date"), value="today", key=f"{OPEN}.date")
            form_state.field_error(OPEN, "count_date")
        form_state.other_errors(OPEN, ("warehouse_id", "category_id", "count_date"))
        st.button(t("ui.stocktake.open"), key=f"{OPEN}.open", type="primary", on_click=_open,
                  args=(form_state.token(OPEN),))


def _scan_section(sheet_id: int) -> None:
    st.subheader(t("ui.stocktake.scan_title"))
    form_state.flash(SCAN)
    phone.scan_field(f"{SCAN}.scan", _count_scan, args=(sheet_id,))
    cols = st.columns([2, 1, 1], vertical_alignment="bottom")
    with cols[0]:
        st.text_input(t("ui.order.col.code"), key=f"{SCAN}.code", placeholder=t("ui.order.code_placeholder"))
    with cols[1]:
        st.text_input(t("field.counted_qty"), key=f"{SCAN}.qty")
    with cols[2]:
        st.button(t("ui.stocktake.record"), key=f"{SCAN}.record", on_click=_scan, args=(sheet_id,))
    # Every problem with a scan (unknown code, bad quantity) is shown right under the scan row.
    for message in form_state.errors(SCAN).values():
        st.error(message, icon=":material/error:")


def _variance(lines: list[queries.CountLine]) -> None:
    counted = [line for line in lines if line.counted_qty is not None]
    st.subheader(t("ui.stocktake.variance_title"))
    if not counted:
        st.caption(t("ui.stocktake.nothing_counted"))
        return
    df = pd.DataFrame([{"line_no": line.line_no, "sku": line.sku, "product_name": line.product_name,
                        "book_qty": float(line.book_qty), "counted_qty": float(line.counted_qty),
                        "difference_qty": float(line.difference)} for line in counted])
    show_table(with_headers(df, VARIANCE_COLUMNS), key=f"{SHEET}.variance")
    gain = sum(line.difference for line in counted if line.difference > 0)
    loss = -sum(line.difference for line in counted if line.difference < 0)
    st.caption(t("ui.stocktake.summary", counted=len(counted), uncounted=len(lines) - len(counted),
                 gain=quantity(gain), loss=quantity(loss)))


def stocktake_form() -> None:
    _open_section()
    state = st.session_state
    with read_only() as session:
        sheets = dict(queries.open_stocktakes(session))
        sheet_id = state.get(SHEET_KEY)
        if sheet_id not in sheets:  # posted or cancelled meanwhile
            state.pop(SHEET_KEY, None)
            sheet_id = None
        lines = queries.stocktake_lines(session, sheet_id) if sheet_id is not None else []
        sheet_warehouse = session.get(Stocktake, sheet_id).warehouse_id if sheet_id is not None else None
    form_state.flash(SHEET)
    if not sheets:
        st.info(t("ui.stocktake.no_open_sheets"))
        return
    sheet_id = st.selectbox(t("entity.stocktake"), list(sheets), key=SHEET_KEY, index=None,
                            format_func=lambda i: sheets.get(i, str(i)), placeholder=t("ui.stocktake.choose"))
    form_state.field_error(SHEET, "stocktake_id")
    if sheet_id is None:
        return
    if is_bin_warehouse(sheet_warehouse):
        # Counted per warehouse: the gains and losses are spread over the bins by the posting rule.
        st.info(t("ui.bins.stocktake_note"), icon=":material/shelves:")
    _scan_section(sheet_id)

    st.subheader(t("ui.stocktake.sheet_title"))
    widths = [0.6, 4, 1.4, 1.6, 1.4]
    phone.header_row(SHEET, widths, [t(f"ui.fulfil.col.{name}" if name in ("line_no", "product") else f"ui.col.{name}")
                                     for name in ("line_no", "product", "book_qty", "counted_qty", "difference_qty")])
    for line in lines:
        key = _count_key(sheet_id, line.line_id)
        if line.counted_qty is not None:
            state.setdefault(key, quantity(line.counted_qty).replace(",", ""))
        difference = "—" if line.difference is None else quantity(line.difference)
        with phone.line(f"{SHEET}-{line.line_id}", [
                (t("ui.fulfil.col.line_no"), str(line.line_no)), ("", text(f"{line.sku} {line.product_name}")),
                (t("ui.col.book_qty"), f"{quantity(line.book_qty)} {text(line.unit)}"),
                (t("ui.col.difference_qty"), difference)]):
            cols = st.columns(widths, vertical_alignment="center")
            cols[0].write(str(line.line_no))
            cols[1].write(text(f"{line.sku} {line.product_name}"))
            cols[2].write(f"{quantity(line.book_qty)} {text(line.unit)}")
            cols[3].text_input(t("ui.order.line_label", field=t("ui.col.counted_qty"), line_no=line.line_no),
                               key=key, label_visibility="collapsed", placeholder=t("ui.stocktake.not_counted"))
            cols[4].write(difference)
        form_state.line_error(SHEET, line.line_no)
    if not lines:
        st.caption(t("ui.stocktake.empty_sheet"))
    form_state.other_errors(SHEET, ("stocktake_id",))
    refs = [(line.line_id, line.product_id) for line in lines]
    buttons = st.columns([1, 1, 1, 3])
    buttons[0].button(t("ui.stocktake.save"), key=f"{SHEET}.save", on_click=_act, args=("save", sheet_id, refs))
    buttons[1].button(t("ui.stocktake.post"), key=f"{SHEET}.post", type="primary", on_click=_act,
                      args=("post", sheet_id, refs))
    buttons[2].button(t("ui.stocktake.cancel"), key=f"{SHEET}.cancel", on_click=_act,
                      args=("cancel", sheet_id, refs))
    _variance(lines)
