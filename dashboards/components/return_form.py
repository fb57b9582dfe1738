"""Return entry (采购退货 against a goods receipt, 销售退货 against a shipment): find the source
document by number or partner, see per line what was moved and what is still returnable, enter
the quantities to take back, a reason and the date (and for customer returns where the goods go:
back into stock or to the quarantine warehouse), post.

One implementation for both sides, described by a ``ReturnFormSpec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboards.components import form_state, safe_text
from dashboards.components.date_field import date_field
from dashboards.components.format import quantity
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import RESTOCK, RETURN_DISPOSITIONS
from operational.services import auth, idempotency, queries, returns
from operational.services.errors import DomainError, ValidationError
from operational.services.returns import ReturnKind, ReturnLineInput


@dataclass(frozen=True)
class ReturnFormSpec:
    prefix: str  # widget key prefix, e.g. "pr"
    kind: ReturnKind
    roles: tuple[str, ...]  # who may post (admins always)
    with_disposition: bool = False  # customer returns: restock or quarantine

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    def qty_key(self, source_id: int, line_id: int) -> str:
        return f"{self.prefix}.qty.{source_id}.{line_id}"

    def unit_key(self, source_id: int, line_id: int) -> str:
        return f"{self.prefix}.unit.{source_id}.{line_id}"


@form_state.guarded(lambda spec, *_, **__: spec.prefix)
def _post(spec: ReturnFormSpec, source_id: int | None, lines: list[tuple[int, int]], token: str | None = None) -> None:
    form_state.clear(spec.prefix)
    kind, state, user = spec.kind, st.session_state, current_user()

    def text(key: str) -> str:
        return str(state.get(key) or "").strip()

    quantities = [text(spec.qty_key(source_id, line_id)) if source_id is not None else "" for line_id, _ in lines]
    inputs = [ReturnLineInput(line_id, qty, unit=state.get(spec.unit_key(source_id, line_id)) or None)
              for (line_id, _), qty in zip(lines, quantities, strict=True)]
    try:
        if source_id is None:
            raise ValidationError("required", field=kind.source_fk, field_label=f"entity.{kind.source_entity}")
        with unit_of_work() as session:
            auth.require_role(queries.user_by_id(session, user.id) if user else None, *spec.roles)
            doc = idempotency.once(session, token, lambda: returns.create_return(
                session, kind, source_id, state.get(spec.key("date")), inputs,
                reason=text(spec.key("reason")) or None,
                disposition=state.get(spec.key("disposition")) or RESTOCK, user_id=user.id if user else None)).document
            doc_no, source_no = doc.doc_no, session.get(kind.source_model, source_id).doc_no
    except DomainError as err:
        form_state.record_error(spec.prefix, err)
        return
    form_state.reset_inputs(spec.prefix)
    form_state.record_success(spec.prefix, t("ui.return.posted", doc=t(f"entity.{kind.entity}"), doc_no=doc_no,
                                             source_no=source_no))


def _load(spec: ReturnFormSpec) -> tuple[dict[int, str], list[queries.ReturnableLine]]:
    state = st.session_state
    with read_only() as session:
        choices = dict(queries.return_source_choices(session, spec.kind, search=str(state.get(spec.key("search"))
                                                                                      or "")))
        source_id = state.get(spec.key("source"))
        if source_id is not None and source_id not in choices:
            # Keep the chosen document while the search text no longer matches it.
            label = queries.return_source_label(session, spec.kind, source_id)
            if label is None:
                state.pop(spec.key("source"), None)
                return choices, []
            choices = {source_id: label, **choices}
        lines = queries.returnable_lines(session, spec.kind, source_id) if source_id is not None else []
    return choices, lines


_WIDTHS = [0.6, 3.5, 1.3, 1.3, 1.3, 1.6]
_COLUMNS = ("line_no", "product", "moved", "returned", "returnable", "quantity")


def return_form(spec: ReturnFormSpec) -> None:
    prefix, kind = spec.prefix, spec.kind
    message = form_state.success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")

    choices, lines = _load(spec)
    left, middle, right = st.columns([1.5, 3, 1.2])
    with left:
        st.text_input(t("ui.return.search"), key=spec.key("search"), placeholder=t("ui.return.search_placeholder"))
    with middle:
        source_id = st.selectbox(t(f"entity.{kind.source_entity}"), list(choices), key=spec.key("source"),
                                 index=None, format_func=lambda i: choices.get(i, str(i)),
                                 placeholder=t("ui.return.choose_source"), on_change=form_state.clear, args=(prefix,))
        if not choices:
            st.caption(t(f"ui.return.no_sources.{kind.source_entity}"))
        form_state.field_error(prefix, kind.source_fk)
    with right:
        date_field(t("field.return_date"), value="today", key=spec.key("date"))
        form_state.field_error(prefix, "return_date")

    if source_id is not None:
        titles = st.columns(_WIDTHS)
        for col, name in zip(titles, _COLUMNS, strict=True):
            col.caption(t(f"ui.return.col.{name}.{kind.source_entity}" if name == "moved" else f"ui.return.col.{name}"))
        for line in lines:
            cols = st.columns(_WIDTHS, vertical_alignment="center")
            cols[0].write(str(line.line_no))
            cols[1].write(safe_text.text(f"{line.sku} {line.product_name}"))
            moved = f"{quantity(line.quantity)} {safe_text.text(line.unit)}"
            if line.entered_unit:  # entered in another unit (多单位): as typed, then in the base unit
                moved = f"{quantity(line.entered_quantity)} {safe_text.text(line.entered_unit)} = {moved}"
            cols[2].write(moved)
            cols[3].write(quantity(line.returned_qty))
            cols[4].write(quantity(line.returnable))
            cols[5].text_input(t("ui.order.line_label", field=t("ui.return.col.quantity"), line_no=line.line_no),
                               key=spec.qty_key(source_id, line.line_id), label_visibility="collapsed",
                               placeholder="0", disabled=line.returnable <= 0)
            if line.entered_unit:  # returned in the unit the line was entered in (a case), or the base unit
                cols[5].selectbox(t("ui.order.line_label", field=t("ui.order.col.unit"), line_no=line.line_no),
                                  [line.entered_unit, line.unit], key=spec.unit_key(source_id, line.line_id),
                                  label_visibility="collapsed", disabled=line.returnable <= 0)
            form_state.line_error(prefix, line.line_no)
        form_state.field_error(prefix, "lines")

    st.text_input(t("field.return_reason"), key=spec.key("reason"), placeholder=t("ui.return.reason_placeholder"))
    form_state.field_error(prefix, "return_reason")
    if spec.with_disposition:
        # Labels looked up now, not inside format_func: AppTest calls it outside the script run.
        labels = {d: t(f"ui.disposition.{d}") for d in RETURN_DISPOSITIONS}
        st.radio(t("field.disposition"), RETURN_DISPOSITIONS, key=spec.key("disposition"), horizontal=True,
                 format_func=labels.__getitem__)
        form_state.field_error(prefix, "disposition")
    form_state.other_errors(prefix, (kind.source_fk, "return_date", "lines", "return_reason", "disposition"))
    line_refs: list[Any] = [(line.line_id, line.line_no) for line in lines]
    st.button(t(f"ui.return.post.{kind.entity}"), key=spec.key("post"), type="primary",
              on_click=_post, args=(spec, source_id, line_refs, form_state.token(prefix)))
