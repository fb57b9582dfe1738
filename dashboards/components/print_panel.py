"""Print a document from its view (单据打印): choose the document and the paper (A4 or the 241 mm
continuous form); one click on the button downloads the PDF and logs the print. The PDF on offer
is the next print — the original the first time, 补打 with its copy number after that — and the
click's callback records it, so the panel then offers the following copy. The rules and the log
are ``operational.services.printing``'s; this is only the button."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import PAPERS
from operational.services import printing


def _user_id() -> int | None:
    user = current_user()
    return user.id if user else None


def _record(doc_type: str, doc_id: int, paper: str) -> None:
    with unit_of_work() as session:
        printing.record_print(session, doc_type, doc_id, paper=paper, user_id=_user_id())


def _record_statement(customer_id: int, start: date, end: date, paper: str) -> None:
    with unit_of_work() as session:
        printing.record_statement_print(session, customer_id, start, end, paper=paper, user_id=_user_id())


def print_panel(doc_type: str, prefix: str) -> None:
    """The print panel for documents of ``doc_type`` (one of ``printing.DOCUMENT_TYPES``)."""
    st.subheader(t("ui.print.panel.title"))
    with read_only() as session:
        docs = {d["id"]: d for d in printing.recent_documents(session, doc_type)}
    if not docs:
        st.caption(t("ui.print.panel.none"))
        return
    labels = {i: f"{d['doc_no']} · {d['doc_date']} · {t('state.' + d['status'])}" for i, d in docs.items()}
    left, right = st.columns([3, 2])
    with left:
        chosen = st.selectbox(t("ui.print.panel.document"), list(docs), key=f"{prefix}.doc", index=None,
                              format_func=lambda i: text(labels.get(i, str(i))),
                              placeholder=t("ui.print.panel.choose"))
    with right:
        paper = st.radio(t("ui.print.panel.paper"), PAPERS, key=f"{prefix}.paper", horizontal=True,
                         format_func=lambda p: t(f"ui.print.paper.{p}"))
    if chosen is None or chosen not in docs:
        return
    with read_only() as session:
        out = printing.preview_document(session, doc_type, chosen, paper=paper, user_id=_user_id(),
                                        language=current_language())
    st.download_button(t("ui.print.panel.button"), out.pdf, file_name=out.file_name, mime="application/pdf",
                       key=f"{prefix}.print", type="primary", icon=":material/print:", on_click=_record,
                       args=(doc_type, chosen, paper))
    printed = out.copy_no - 1  # under the button: once it names the file, the button offers that file
    st.caption(t("ui.print.panel.again", count=printed, file=out.file_name) if printed
               else t("ui.print.panel.first", file=out.file_name))


def statement_print_buttons(customer_id: int, start: date, end: date, prefix: str) -> None:
    """Print the customer statement on A4 or the continuous form (logged; a second print is 补打)."""
    cols = st.columns(len(PAPERS) + 1)
    for col, paper in zip(cols, PAPERS, strict=False):
        with read_only() as session:
            out = printing.preview_statement(session, customer_id, start, end, paper=paper, user_id=_user_id(),
                                             language=current_language())
        col.download_button(t("ui.print.statement_button", paper=t(f"ui.print.paper.{paper}")), out.pdf,
                            file_name=out.file_name, mime="application/pdf", key=f"{prefix}.print.{paper}",
                            icon=":material/print:", on_click=_record_statement,
                            args=(customer_id, start, end, paper))
