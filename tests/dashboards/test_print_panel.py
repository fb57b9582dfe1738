"""The print panel on the stocktake page (AppTest): the warehouse clerk picks the count sheet, the
page offers its PDF (the original) as a download; the button's callback logs the print, and the
panel then offers the 补打 copy. The download itself in a browser: tests/browser/test_print_button.py."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdf
from dashboard_support import APP
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY, CurrentUser
from operational.db import unit_of_work
from operational.services import printing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operational"))
from print_support import build_documents  # noqa: E402


def test_stocktake_page_offers_the_count_sheet_and_logs_the_click(store_engine):
    docs = build_documents(store_engine)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[USER_KEY] = CurrentUser(docs.user, "clerk", "仓管小李", "warehouse")
    at.run()
    at.switch_page("views/stocktake.py").run()
    at.selectbox(key="st.print.doc").select(docs.ids["stocktake"]).run()
    assert not at.exception
    number = docs.numbers["stocktake"]
    assert any(f"尚未打印：这次打印为原件 · {number}.pdf" in c.value for c in at.caption)
    button = at.get("download_button")
    assert [b.label for b in button if b.key == "st.print.print"] == ["打印 PDF"]
    with unit_of_work(store_engine) as s:  # what the button offers is the preview: nothing logged yet
        assert printing.print_count(s, "stocktake", number) == 0
        offered = printing.preview_document(s, "stocktake", docs.ids["stocktake"])
    assert "实盘数量" in pypdf.PdfReader(io.BytesIO(offered.pdf)).pages[0].extract_text()
    at.radio(key="st.print.paper").set_value("cf241").run()
    assert any(f"{number}-241.pdf" in c.value for c in at.caption)
