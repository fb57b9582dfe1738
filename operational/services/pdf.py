"""Shared PDF helpers: the CJK font every JXC PDF writes Chinese with, amount formatting and the
grid style of tables. The customer statement (``statements``) and the printed documents
(``print_layout``) both use them, so a font or number-format change happens here once.

The font is reportlab's built-in CID font STSong-Light (Adobe-GB1, encoding UniGB-UCS2-H): the PDF
names the font and carries its metrics and a ToUnicode map, so text extracts and prints; the glyphs
come from the viewer's or printer's Adobe-GB1 font (Acrobat's Asian font pack, or a system CJK font
that poppler / Chrome / CUPS substitute). Nothing needs downloading at run time.
"""

from __future__ import annotations

from decimal import Decimal

CJK_FONT = "STSong-Light"


def cjk_font() -> str:
    """Register the CJK font with reportlab (once per process) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def money(value: Decimal | None, *, blank_zero: bool = False) -> str:
    """1234.5 → '1,234.50'; None (and 0 with ``blank_zero``) → ''."""
    if value is None or (blank_zero and not value):
        return ""
    return f"{value:,.2f}"


def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 12.5000 → '12.5', 24.0000 → '24'; None → ''."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def fit_text(text: str, width: float, font: str, size: float) -> str:
    """``text`` cut (with '…') so that it is at most ``width`` points wide in ``font`` at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def grid_style(font: str, size: float = 9, *, right_from: int = 3) -> object:
    """The table style of JXC PDFs: one font, a light grid, a tinted header row, numbers right-aligned
    from column ``right_from`` on."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
                       ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
                       ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))])
