"""The print button in a real browser: on the sales documents page a clerk picks the shipment and
the 241 mm paper, one click downloads its delivery note (送货单) as a PDF; on A4 the next click
downloads it again marked 补打, and both prints are in the log (fixtures in conftest.py)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pypdf
import pytest
from browser_steps import log_in
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import printing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "operational"))
from print_support import build_documents  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "clerk-password-1"


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    build_documents(store_engine)
    return store_engine


def _settled(page) -> None:  # noqa: ANN001
    """Wait for the rerun a widget change started to finish (the button then carries the new choice)."""
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    page.wait_for_timeout(300)


def _download(page, button) -> tuple[bytes, str]:  # noqa: ANN001
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes(), info.value.suggested_filename


def test_one_click_prints_the_delivery_note_and_the_second_is_a_reprint(browser_page, server, seeded_store):  # noqa: ANN001
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    page = browser_page
    log_in(page, server, "sales_documents", "clerk", PASSWORD)
    page.get_by_role("tab", name="发货单").click()
    page.get_by_test_id("stSelectbox").filter(has_text="要打印的单据").filter(visible=True).click()
    page.get_by_role("option", name="SH-2026-000001", exact=False).click()
    page.get_by_text("241 mm 连续纸（三联单）").filter(visible=True).click()
    expect(page.get_by_text("尚未打印：这次打印为原件 · SH-2026-000001-241.pdf")).to_be_visible()
    _settled(page)
    button = page.get_by_role("button", name="打印 PDF").filter(visible=True)

    first, name = _download(page, button)
    assert name == "SH-2026-000001-241.pdf" and first.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(first))
    text = "".join(reader.pages[0].extract_text().split())
    assert round(float(reader.pages[0].mediabox.width) * 25.4 / 72) == 241
    assert "送货单" in text and "SH-2026-000001" in text and "大写：人民币肆拾贰元整" in text and "补打" not in text

    # the click logged the print: the panel now offers copy 2, which says 补打 (here on A4)
    expect(page.get_by_text("已打印 1 次").filter(visible=True)).to_be_visible()
    page.get_by_text("A4", exact=True).filter(visible=True).click()
    expect(page.get_by_text("已打印 1 次：再次打印的单据标记为“补打” · SH-2026-000001.pdf")).to_be_visible()
    _settled(page)
    second, name = _download(page, page.get_by_role("button", name="打印 PDF").filter(visible=True))
    assert name == "SH-2026-000001.pdf"
    assert "补打（第2次打印）" in "".join(pypdf.PdfReader(io.BytesIO(second)).pages[0].extract_text().split())
    expect(page.get_by_text("已打印 2 次").filter(visible=True)).to_be_visible()  # the click's callback ran
    with unit_of_work(seeded_store) as s:
        history = printing.print_history(s, "shipment", "SH-2026-000001")
    assert [(h["copy_no"], h["paper"], h["printed_by"]) for h in history] == [(1, "cf241", "仓管小李"),
                                                                              (2, "a4", "仓管小李")]
