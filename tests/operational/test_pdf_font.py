"""The CJK font of JXC's PDFs (operational/services/pdf.py): a printed document and a statement embed
a TrueType subset (FontFile2, a subset tag, a ToUnicode map so the Chinese still extracts); the
setting JXC_PDF_FONT picks another font and is validated; fontconfig's answer is parsed; and with no
TrueType CJK font anywhere the PDF falls back to the referenced STSong-Light, with a warning."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from print_support import COMPANY, build_documents

from operational.db import unit_of_work
from operational.services import pdf, printing, receivables, statements

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # CFF outlines (fonts-noto-cjk)


@pytest.fixture(autouse=True)
def fresh_font(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test looks for the font anew, and the next test module finds the machine's own again."""
    monkeypatch.delenv("JXC_PDF_FONT", raising=False)
    pdf.reset_cjk_font()
    yield
    pdf.reset_cjk_font()


@pytest.fixture
def no_fonts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A machine without TrueType CJK fonts: the font folders are one empty folder, no fontconfig."""
    empty = tmp_path / "fonts"
    empty.mkdir()
    monkeypatch.setattr(pdf, "FONT_DIRS", [empty])
    monkeypatch.setattr(pdf, "FC_MATCH", None)
    return empty


def machine_font() -> pdf.CjkFont:
    font = pdf.cjk_font_info()
    assert font.embedded, "no TrueType CJK font on this machine: run scripts/test-prereqs.sh (fonts-wqy-zenhei)"
    return font


@pytest.fixture
def zenhei() -> Path:
    """The machine's font file (found before ``no_fonts`` hides the font folders)."""
    path = machine_font().path
    pdf.reset_cjk_font()
    return path


def fonts_of(data: bytes) -> list[dict]:
    """Every font the PDF's pages use: base name, type, whether a font file is embedded and its size."""
    out = {}
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            program = descriptor.get("/FontFile2")
            out[str(font["/BaseFont"])] = {"subtype": str(font["/Subtype"]), "to_unicode": "/ToUnicode" in font,
                                           "file2": program is not None,
                                           "file2_bytes": len(program.get_object().get_data()) if program else 0}
    return list(out.items())


def text_of(data: bytes) -> str:
    return "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def printed(engine) -> tuple[bytes, bytes, bytes]:
    """The 送货单 (42.00), the customer's March statement printed (print_layout) and the statement's
    own A4 PDF (statements.to_pdf, the collection page's download)."""
    docs = build_documents(engine)
    with unit_of_work(engine) as s:
        receivables.invoice_shipments(s, [docs.ids["shipment"]], date(2026, 3, 10))
    with unit_of_work(engine) as s:
        note = printing.preview_document(s, "shipment", docs.ids["shipment"]).pdf
        statement = printing.preview_statement(s, docs.customer, date(2026, 3, 1), date(2026, 3, 31)).pdf
        download = statements.to_pdf(statements.build(s, docs.customer, date(2026, 3, 1), date(2026, 3, 31)),
                                     company=COMPANY)
    return note, statement, download


def test_printed_documents_embed_a_truetype_cjk_subset_and_the_chinese_still_extracts(store_engine):
    font = machine_font()
    note, statement, download = printed(store_engine)
    for data in (note, statement, download):
        used = fonts_of(data)
        # One font, ours, and nothing only named (not even Helvetica: the page's default font is ours).
        assert len(used) == 1, used
        name, info = used[0]
        assert re.fullmatch(r"/[A-Z]{6}\+\S+", name), name  # the subset tag of an embedded subset
        assert info["subtype"] == "/TrueType" and info["file2"] and info["to_unicode"]
        # A subset: the glyphs used (a few hundred at most), not the 16 MB collection.
        assert 5_000 < info["file2_bytes"] < 300_000 < font.path.stat().st_size
        assert len(data) < 100_000
    text = text_of(note)
    for expected in (COMPANY, "送货单", "客户：C001苏州便利连锁", "矿泉水550ml", "合计金额：¥42.00",
                     "大写：人民币肆拾贰元整", "收货人签字"):
        assert expected in text, expected
    text = text_of(statement)
    assert "客户对账单" in text and "期末余额：¥42.00" in text and "大写：人民币肆拾贰元整" in text
    text = text_of(download)
    assert f"{COMPANY}客户对账单" in text and "C001苏州便利连锁" in text and "42.00" in text


def test_without_a_truetype_cjk_font_the_pdf_references_stsong_light_and_warns(store_engine, no_fonts, caplog):
    with caplog.at_level(logging.WARNING, logger="jxc.pdf"):
        assert pdf.cjk_font_name() == pdf.FALLBACK_FONT
        note, statement, download = printed(store_engine)  # printing never fails for want of a font
    assert not pdf.cjk_font_info().embedded
    assert sum("no TrueType CJK font found" in r.getMessage() for r in caplog.records) == 1  # once, not per PDF
    for data in (note, statement, download):
        (name, info), = fonts_of(data)
        assert name.startswith("/STSong-Light") and info["subtype"] == "/Type0" and not info["file2"]
        assert len(data) < 10_000
    assert "大写：人民币肆拾贰元整" in text_of(note) and "期末余额：¥42.00" in text_of(statement)
    assert pdf.drawable("−¥184.64") == "−¥184.64"  # the viewer's font draws U+2212


def test_the_setting_names_the_font_file_and_its_index_in_a_collection(store_engine, monkeypatch):
    path = machine_font().path
    pdf.reset_cjk_font()
    monkeypatch.setenv("JXC_PDF_FONT", f"{path}#1")  # Zen Hei's second font: WenQuanYi Zen Hei Mono
    font = pdf.cjk_font_info()
    assert (font.path, font.index) == (path, 1)
    (name, info), = fonts_of(printed(store_engine)[0])
    if path.name == "wqy-zenhei.ttc":
        assert name.endswith("+WenQuanYiZenHeiMono-1"), name
    assert info["file2"]


@pytest.mark.parametrize(("setting", "reason"), [
    ("/nowhere/font.ttf", "no such file"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.otf", "not a .ttf or .ttc"),
    ("{zenhei}#64", "font index 64 is more than 63"),
    ("{zenhei}#7", "bad subfontIndex"),  # Zen Hei holds 3 fonts
    ("{garbage}", "not usable"),
    ("{huge}", "larger than 64 MiB"),
    ("x" * 5000 + ".ttf", "longer than 4096"),
    (str(NOTO_CJK), "postscript outlines are not supported"),  # CFF: reportlab cannot embed it
])
def test_an_unusable_setting_is_named_in_a_warning_and_the_machines_font_is_used(setting, reason, monkeypatch,
                                                                                 tmp_path, caplog):
    default = machine_font()
    pdf.reset_cjk_font()
    (tmp_path / "garbage.ttf").write_bytes(b"not a font at all" * 100)
    with open(tmp_path / "huge.ttc", "wb") as huge:
        huge.truncate(pdf.MAX_FONT_BYTES + 1)  # sparse: costs no disk
    if setting == str(NOTO_CJK) and not NOTO_CJK.is_file():
        setting, reason = "/nowhere/font.ttf", "no such file"  # machines without fonts-noto-cjk
    monkeypatch.setenv("JXC_PDF_FONT", setting.format(zenhei=default.path, garbage=tmp_path / "garbage.ttf",
                                                      huge=tmp_path / "huge.ttc"))
    with caplog.at_level(logging.WARNING, logger="jxc.pdf"):
        font = pdf.cjk_font_info()
    assert (font.path, font.index) == (default.path, default.index)  # never fails: the next font is used
    assert any(reason in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


def test_fontconfigs_chinese_truetype_fonts_are_used_when_no_known_file_is_found(zenhei, no_fonts, monkeypatch,
                                                                                 tmp_path):
    # A stand-in for `fc-match -s :lang=zh-cn -f ...`: fontconfig's preferred first; a CFF font and a
    # Latin-only one come before the TrueType Chinese one and are passed over.
    listing = tmp_path / "listing.txt"
    listing.write_text(f"CFF\t2\ten|ja|ko|zh-cn|zh-tw\t{NOTO_CJK}\n"
                       f"TrueType\t0\taa|de|en\t/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\n"
                       f"TrueType\t0\ten|zh-cn|zh-sg\t{zenhei}\n", encoding="utf-8")
    fake = tmp_path / "fc-match"
    fake.write_text(f"#!/bin/sh\ncat '{listing}'\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "FC_MATCH", str(fake))
    font = pdf.cjk_font_info()
    assert font.embedded and (font.path, font.index) == (zenhei, 0)


def test_a_known_font_is_found_under_any_font_folder(zenhei, no_fonts):
    nested = no_fonts / "some" / "where"
    nested.mkdir(parents=True)
    (nested / zenhei.name).symlink_to(zenhei)
    font = pdf.cjk_font_info()
    assert font.path == nested / zenhei.name and font.embedded


def test_characters_the_embedded_font_lacks_are_replaced_by_look_alikes():
    font = machine_font()
    # Zen Hei has no U+2212 (the app's minus sign): the hyphen-minus reads the same.
    assert pdf.drawable("−¥184.64") == ("−¥184.64" if ord("−") in font.glyphs else "-¥184.64")
    assert (font.path.name != "wqy-zenhei.ttc") or pdf.drawable("−1") == "-1"
    assert pdf.drawable("合计金额：¥42.00") == "合计金额：¥42.00"


def test_the_statement_prints_a_customer_name_with_markup_characters_as_typed(store_engine):
    """reportlab's Paragraph reads markup: "A&B <Ltd>" used to break the statement PDF."""
    from operational.models import Customer

    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        s.get(Customer, docs.customer).name = "A&B <Ltd>"
    with unit_of_work(store_engine) as s:
        data = statements.to_pdf(statements.build(s, docs.customer, date(2026, 3, 1), date(2026, 3, 31)),
                                 company="甲&乙 <公司>")
    text = text_of(data)
    assert "甲&乙<公司>客户对账单" in text and "A&B<Ltd>" in text
