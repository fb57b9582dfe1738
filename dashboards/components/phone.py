"""The pages on a phone (移动端, 390 × 844): the style sheet that app.py injects once per run, and
the scan field of the warehouse forms and the stock lookup.

Streamlit has no notion of the screen width on the server, so every phone rule is a CSS media
query (``PHONE_CSS``, up to 640 px, where Streamlit itself stacks ``st.columns``):

- one column: every ``st.columns`` row stacks into full-width blocks (Streamlit's own rule leaves
  a column's minimum width at the desktop value for some widths; ours makes each one 100 %);
- touch targets of at least 44 px (Apple's and Google's guideline) for buttons, inputs, select
  boxes and tabs; inputs at 16 px, below which iOS Safari zooms the page in on focus;
- no horizontal page scroll: the main block never grows past the screen, wide tables (document
  lists, variance tables) scroll inside their own box, a row of tabs scrolls in its own strip;
- the caption rows that title a form's line columns (drawn in ``header_row``) are hidden: stacked,
  they would stand as a list of words above the lines. Instead each line (drawn in ``line``) shows
  its read-only cells as one caption in words ("订购 24 个 · 已收货 0 · 未完成 24"), hides the bare
  cells, and shows the labels of its inputs ("本次数量（第1行）"), which a desktop row collapses.

``scan_field`` is a text input whose Enter (what a keyboard-wedge scanner sends after the code)
calls back with the code and clears the field for the next scan; the input keeps the focus, so a
clerk scans item after item without touching the screen. What a code means and how scans add up
is not decided here: ``operational.services.scanning``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import streamlit as st

from dashboards.i18n import t

PHONE_MAX_WIDTH = 640  # px; Streamlit's own breakpoint for stacking columns
TOUCH = 44  # px, the smallest touch target

PHONE_CSS = f"""
<style>
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  html, body, .stApp {{ overflow-x: hidden; max-width: 100vw; }}
  .stMainBlockContainer, [data-testid="stMainBlockContainer"] {{
    padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3rem; max-width: 100vw; }}
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; gap: 0.5rem; }}
  [data-testid="stColumn"] {{ min-width: 100% !important; width: 100% !important; flex: 1 1 100% !important; }}
  .stApp button, [data-testid="stBaseButton-primary"], [data-testid="stBaseButton-secondary"] {{
    min-height: {TOUCH}px; min-width: {TOUCH}px; }}
  [data-testid="stTextInput"] input, [data-testid="stNumberInput"] input, [data-testid="stDateInput"] input {{
    min-height: {TOUCH}px; font-size: 16px; }}
  [data-testid="stSelectbox"] [role="group"], [data-testid="stMultiSelect"] [role="group"],
  [data-baseweb="select"] > div {{ min-height: {TOUCH}px !important; }}
  .stTabs [role="tablist"] {{ overflow-x: auto; }}
  .stTabs [role="tab"] {{ min-height: {TOUCH}px; }}
  [data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stPlotlyChart"] {{
    max-width: 100%; overflow-x: auto; }}
  [class*="st-key-phone-header"] {{ display: none; }}
  [class*="st-key-phone-line"] {{ border-top: 1px solid rgba(49, 51, 63, 0.2); padding-top: 0.5rem; }}
  [class*="st-key-phone-line"] label[data-testid="stWidgetLabel"] {{ display: flex !important; }}
  [class*="st-key-phone-line"] [data-testid="stColumn"]:not(:has(input, button, [data-baseweb="select"])) {{
    display: none; }}
}}
@media (min-width: {PHONE_MAX_WIDTH + 1}px) {{
  [class*="st-key-phone-only"] {{ display: none; }}
}}
</style>
"""


def inject_css() -> None:
    """The phone style sheet (called once per run, by app.py, before any page is drawn)."""
    st.html(PHONE_CSS)


def header_row(key: str, widths: Sequence[float], titles: Sequence[str]) -> None:
    """The captions over a form's line columns, hidden on a phone (see the module docstring)."""
    with st.container(key=f"phone-header-{key}"):
        for col, title in zip(st.columns(widths), titles, strict=False):
            col.caption(title)


@contextmanager
def line(key: str, cells: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Draw one line of a form inside this block. ``cells`` are the line's read-only cells as
    (title, value shown as Markdown, escaped by the caller): one caption on a phone only."""
    with st.container(key=f"phone-line-{key}"):
        if cells:
            with st.container(key=f"phone-only-{key}"):
                st.caption(" · ".join(f"{title} {value}".strip() for title, value in cells))
        yield


def scan_field(key: str, on_scan: Callable[..., None], *, args: tuple[Any, ...] = (),
               label: str | None = None) -> None:
    """A scan field: on Enter, ``on_scan(*args, code)`` runs (before the page is redrawn) and the
    field is emptied for the next scan. ``on_scan`` keeps what went wrong for the page to show."""
    st.text_input(label or t("ui.phone.scan"), key=key, placeholder=t("ui.phone.scan_placeholder"),
                  on_change=_scanned, args=(key, on_scan, args), max_chars=80)


def _scanned(key: str, on_scan: Callable[..., None], args: tuple[Any, ...]) -> None:
    code = str(st.session_state.get(key) or "").strip()
    if not code:
        return  # Enter on an empty field (or the field left empty): nothing was scanned
    st.session_state[key] = ""
    on_scan(*args, code)
