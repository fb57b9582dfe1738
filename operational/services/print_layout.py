"""Layout of printed documents (单据打印): one page design for every document type, drawn on A4 or on
the 241 mm continuous form of Chinese dot-matrix printers (三联单), and the amount in Chinese capital
numerals (大写金额).

What goes on the paper is a ``PrintDocument`` (built by ``operational.services.printing`` from the
store); this module only draws it. Every page repeats the company, the title, the document's number,
date and partner, its Code 128 barcode and the table header; the lines run over as many pages as
they need, a fixed number per page (``Paper.rows_per_page``), and the totals in figures and in
大写, the note and the signature block come on the last page. Every page says 第 x/y 页, and a
reprint says 补打 next to the title.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from operational.i18n import translate
from operational.services import pdf
from operational.services.errors import ValidationError

CENT = Decimal("0.01")

# --- 大写金额 -------------------------------------------------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿")
WORDS_LIMIT = Decimal("1000000000000")  # 万亿: beyond any document total the store accepts in practice


def amount_in_words(value: Decimal | int | str) -> str:
    """The amount in Chinese capital numerals as written on cheques and invoices (人民币大写).

    Rules (中国人民银行《正确填写票据和结算凭证的基本规定》): rounded half-up to the fen; every
    拾 has its digit (10 → 壹拾); zeros inside the number are one 零; a zero on the 万 or 元 position
    followed by a group unit needs none (105,000 → 壹拾万伍仟); an amount in whole yuan ends in 整,
    so does one ending in 角 (nothing can be added after it); no 元 when there are no yuan
    (0.01 → 壹分); 零 between 元 and 分 when the 角 is zero (1,000,000.05 → 壹佰万元零伍分);
    0 → 零元整; a negative amount starts with 负. Amounts of 1 万亿 or more are refused."""
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(amount) >= WORDS_LIMIT:
        raise ValidationError("amount_too_large_for_words", field="amount", value=f"{amount:,.2f}")
    sign = "负" if amount < 0 else ""
    cents = int(abs(amount) * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    words = _integer_words(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    words += DIGITS[fen] + "分" if fen else "整"
    return sign + words


def _integer_words(number: int) -> str:
    digits = [int(d) for d in str(number)]
    out, zero = "", False
    for index, digit in enumerate(digits):
        position = len(digits) - 1 - index
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + DIGITS[digit] + SMALL_UNITS[position % 4]
            zero = False
        if position % 4 == 0 and position:
            group = digits[max(0, index - 3):index + 1]
            if any(group):
                out += GROUP_UNITS[position // 4]
                zero = False  # the group unit stands for the zeros before it (壹拾万伍仟)
    return out


# --- paper ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """A page design; lengths in millimetres."""

    key: str
    width: float
    height: float
    margin_x: float
    margin_top: float
    margin_bottom: float
    header: float  # company, title, barcode and the document's fields
    footer: float  # totals, 大写, note, signatures, page number
    row: float  # one table row (the table header is one row too)
    font: float  # points
    title_font: float
    bar_width: float  # narrowest Code 128 bar
    bar_height: float
    field_columns: int  # the document's fields under the title, side by side (three rows at most)

    @property
    def rows_per_page(self) -> int:
        body = self.height - self.margin_top - self.margin_bottom - self.header - self.footer - self.row
        return int((Decimal(str(body)) / Decimal(str(self.row))).to_integral_value(rounding="ROUND_FLOOR"))


A4 = Paper("a4", 210, 297, margin_x=15, margin_top=12, margin_bottom=10, header=44, footer=42, row=7,
           font=9, title_font=16, bar_width=0.25, bar_height=10, field_columns=2)
# 241 mm × 139.7 mm: the 9½ in wide continuous form cut in two (二等分, 11 in / 2) that 三联单 come
# on; 12.7 mm tractor strips each side, so the text stays 14 mm from the edges.
CF241 = Paper("cf241", 241, 139.7, margin_x=14, margin_top=6, margin_bottom=6, header=35, footer=24, row=5.5,
              font=8.5, title_font=13, bar_width=0.25, bar_height=8, field_columns=3)
PAPERS = {p.key: p for p in (A4, CF241)}


# --- what is printed -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the line's field
    label: str  # catalog key of the header
    weight: float  # share of the table width
    kind: str = "text"  # text | qty | price | money | rate | blank


@dataclass
class PrintDocument:
    doc_type: str
    doc_no: str
    doc_date: date
    company: str
    partner_label: str  # catalog key (field.customer ...)
    partner: str
    fields: list[tuple[str, str]]  # (catalog key, value) shown under the title
    columns: list[Column]
    lines: list[dict[str, Any]]
    total_quantity: Decimal | None = None
    total_amount: Decimal | None = None  # None: a document without money (transfer, count sheet)
    amount_label: str = "ui.print.total_amount"
    signatures: tuple[str, ...] = ()  # catalog keys
    note: str | None = None
    status: str | None = None  # catalog key of a mark (state.cancelled) or None
    copy_no: int = 1
    printed_by: str = ""
    printed_at: str = ""
    extra_totals: list[tuple[str, str]] = field(default_factory=list)  # (catalog key, value) on the last page

    @property
    def reprint(self) -> bool:
        return self.copy_no > 1


# Optional columns: shown only when some line has a value. The VAT split of document lines (net /
# tax / gross) comes in here and nowhere else: lines that carry ``tax_rate`` / ``tax_amount`` /
# ``gross_amount`` get these columns, lines without them print as today.
OPTIONAL_COLUMNS = {
    "discount_rate": Column("discount_rate", "ui.print.col.discount", 0.7, "rate"),
    "tax_rate": Column("tax_rate", "ui.print.col.tax_rate", 0.7, "rate"),
    "tax_amount": Column("tax_amount", "ui.print.col.tax_amount", 1.1, "money"),
    "gross_amount": Column("gross_amount", "ui.print.col.gross_amount", 1.2, "money"),
}


def with_optional_columns(columns: Sequence[Column], lines: Sequence[dict[str, Any]],
                          before: str = "amount") -> list[Column]:
    """``columns`` plus each optional column some line has a non-zero value for, placed before
    ``before`` (discount, tax rate), after it (tax amount, gross amount)."""
    present = [key for key in OPTIONAL_COLUMNS if any(line.get(key) for line in lines)]
    out = list(columns)
    at = next((i for i, c in enumerate(out) if c.key == before), len(out))
    for key in present:
        if key in ("discount_rate", "tax_rate"):
            out.insert(at, OPTIONAL_COLUMNS[key])
            at += 1
    out += [OPTIONAL_COLUMNS[k] for k in present if k in ("tax_amount", "gross_amount")]
    return out


def cell_text(value: Any, kind: str) -> str:
    if value is None or kind == "blank":
        return ""
    if kind == "qty":
        return pdf.quantity(Decimal(value))
    if kind == "money":
        return pdf.money(Decimal(value))
    if kind == "price":
        return pdf.quantity(Decimal(value)) if Decimal(value) % CENT else pdf.money(Decimal(value))
    if kind == "rate":
        return f"{pdf.quantity(Decimal(value) * 100)}%" if value else ""
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


# --- drawing -------------------------------------------------------------------------------------


def page_count(line_count: int, paper: Paper) -> int:
    return max(1, -(-line_count // paper.rows_per_page))


def render(doc: PrintDocument, paper: Paper, language: str = "zh_CN") -> bytes:
    """The document as a PDF on ``paper``."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    cjk = pdf.cjk_font_info()
    buffer = io.BytesIO()
    title = translate(f"ui.print.title.{doc.doc_type}", language)
    # initialFontName: the page's default font is ours too, so the PDF names no font it does not embed
    canvas = Canvas(buffer, pagesize=(paper.width * mm, paper.height * mm), pageCompression=1,
                    initialFontName=cjk.name)
    canvas.setTitle(f"{title} {doc.doc_no}")
    canvas.setAuthor(doc.company)
    pages = page_count(len(doc.lines), paper)
    per_page = paper.rows_per_page
    for page in range(pages):
        chunk = doc.lines[page * per_page:(page + 1) * per_page]
        drawer = _PageDrawer(canvas, doc, paper, language, cjk, title)
        drawer.header()
        drawer.table(chunk, last=page == pages - 1)
        drawer.footer(page + 1, pages)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _PageDrawer:
    """Draws one page; y runs from the top of the page, in millimetres, like the design."""

    def __init__(self, canvas: Any, doc: PrintDocument, paper: Paper, language: str, font: pdf.CjkFont,
                 title: str):
        from reportlab.lib.units import mm

        self.c, self.doc, self.p, self.lang, self.font, self.title = canvas, doc, paper, language, font.name, title
        self.cjk = font
        self.mm = mm
        self.left, self.right = paper.margin_x, paper.width - paper.margin_x
        self.width = self.right - self.left

    def t(self, key: str, **params: Any) -> str:
        return translate(key, self.lang, **params)

    def _y(self, top: float) -> float:
        return (self.p.height - top) * self.mm

    def text(self, x: float, top: float, value: str, size: float | None = None, *, align: str = "left",
             width: float | None = None) -> None:
        size = size or self.p.font
        value = pdf.drawable(value, self.cjk)
        if width is not None:
            value = pdf.fit_text(value, width * self.mm, self.font, size)
        self.c.setFont(self.font, size)
        draw = {"left": self.c.drawString, "right": self.c.drawRightString, "center": self.c.drawCentredString}
        draw[align](x * self.mm, self._y(top), value)

    def header(self) -> None:
        from reportlab.graphics.barcode.code128 import Code128
        from reportlab.lib import colors

        p, mm = self.p, self.mm
        top = p.margin_top
        barcode = Code128(self.doc.doc_no, barWidth=p.bar_width * mm, barHeight=p.bar_height * mm, quiet=False)
        bar_w = barcode.width / mm
        barcode.drawOn(self.c, (self.right - bar_w) * mm, self._y(top + p.bar_height))
        self.text(self.right - bar_w / 2, top + p.bar_height + 3, self.doc.doc_no, 7, align="center")
        room = self.width - 2 * bar_w - 4
        line = p.title_font * 0.3528 + 2  # points to millimetres, plus a little air
        self.text(p.width / 2, top + line - 1, self.doc.company, p.title_font - 2, align="center", width=room)
        title_top = top + 2 * line
        self.text(p.width / 2, title_top, self.title, p.title_font, align="center", width=room)
        marks = []
        if self.doc.reprint:
            marks.append(self.t("ui.print.reprint", copy_no=self.doc.copy_no))
        if self.doc.status:
            marks.append(self.t(self.doc.status))
        if marks:
            mark = " ".join(marks)
            from reportlab.pdfbase.pdfmetrics import stringWidth

            size = p.title_font - 3
            x = p.width / 2 + stringWidth(self.title, self.font, p.title_font) / mm / 2 + 4
            w = stringWidth(mark, self.font, size) / mm + 3
            self.c.setStrokeColor(colors.red)
            self.c.setFillColor(colors.red)
            self.c.rect(x * mm, self._y(title_top + 1.5), w * mm, (size * 0.3528 + 2.5) * mm, stroke=1, fill=0)
            self.text(x + 1.5, title_top, mark, size)
            self.c.setFillColor(colors.black)
            self.c.setStrokeColor(colors.black)
        fields = [(self.t("ui.print.doc_no"), self.doc.doc_no),
                  (self.t("ui.print.doc_date"), f"{self.doc.doc_date:%Y-%m-%d}"),
                  (self.t(self.doc.partner_label), self.doc.partner)]
        fields += [(self.t(key), value) for key, value in self.doc.fields]
        row_h = p.font * 0.3528 + 2.2
        first = title_top + 1.5 + row_h
        per_row = p.field_columns
        share = self.width / per_row
        for i, (label, value) in enumerate(fields[:per_row * (4 if per_row == 2 else 3)]):
            col, row = i % per_row, i // per_row
            x = self.left + col * share
            self.text(x, first + row * row_h, f"{label}：{value}", width=share - 2)

    def _column_edges(self, columns: Sequence[Column]) -> list[float]:
        total = sum(c.weight for c in columns)
        edges = [self.left]
        for c in columns:
            edges.append(edges[-1] + self.width * c.weight / total)
        return edges

    def _row(self, top: float, edges: list[float], cells: Sequence[tuple[str, str]], *, bold: bool = False) -> None:
        """One table row whose top is at ``top``: (text, kind) per column, a box round each cell."""
        p, mm = self.p, self.mm
        baseline = top + p.row / 2 + p.font * 0.3528 / 2 - 0.3
        self.c.setLineWidth(0.3)
        for i, (value, kind) in enumerate(cells):
            x0, x1 = edges[i], edges[i + 1]
            self.c.rect(x0 * mm, self._y(top + p.row), (x1 - x0) * mm, p.row * mm, stroke=1, fill=0)
            if not value:
                continue
            room = x1 - x0 - 2
            if kind in ("qty", "price", "money", "rate"):
                self.text(x1 - 1, baseline, value, align="right", width=room)
            else:
                self.text(x0 + 1, baseline, value, width=room)

    def table(self, lines: Sequence[dict[str, Any]], *, last: bool) -> None:
        from reportlab.lib import colors

        p, mm = self.p, self.mm
        columns = self.doc.columns
        edges = self._column_edges(columns)
        top = p.margin_top + p.header
        self.c.setFillColor(colors.HexColor("#e8eef7"))
        self.c.rect(self.left * mm, self._y(top + p.row), self.width * mm, p.row * mm, stroke=0, fill=1)
        self.c.setFillColor(colors.black)
        self._row(top, edges, [(self.t(c.label), "text") for c in columns])
        for i, line in enumerate(lines):
            self._row(top + (i + 1) * p.row, edges, [(cell_text(line.get(c.key), c.kind), c.kind) for c in columns])
        end = top + (len(lines) + 1) * p.row
        if not last:
            self.text(self.right, end + p.row * 0.8, self.t("ui.print.continued"), align="right")
            return
        self._totals(end, edges)

    def _totals(self, top: float, edges: list[float]) -> None:
        p, doc = self.p, self.doc
        cells: list[tuple[str, str]] = []
        for i, c in enumerate(doc.columns):
            value = ""
            if i == 0:
                value = self.t("ui.print.total")
            elif c.key in ("quantity",) and doc.total_quantity is not None:
                value = pdf.quantity(doc.total_quantity)
            elif c.key == "amount" and doc.total_amount is not None:
                value = pdf.money(doc.total_amount)
            cells.append((value, "text" if i == 0 else c.kind))
        self._row(top, edges, cells)
        y = top + p.row
        line = p.font * 0.3528 + 2.4
        if doc.total_amount is not None:
            y += line
            words = amount_in_words(doc.total_amount)
            self.text(self.left, y, f"{self.t(doc.amount_label)}：¥{pdf.money(doc.total_amount)}    "
                                    f"{self.t('ui.print.in_words')}：{self.t('ui.print.rmb')}{words}",
                      width=self.width)
        for key, value in doc.extra_totals:
            y += line
            self.text(self.left, y, f"{self.t(key)}：{value}", width=self.width)
        if doc.note:
            y += line
            self.text(self.left, y, f"{self.t('ui.print.note')}：{doc.note}", width=self.width)
        if doc.signatures:
            y += line + 1.5
            share = self.width / len(doc.signatures)
            for i, key in enumerate(doc.signatures):
                self.text(self.left + i * share, y, f"{self.t(key)}：", width=share)
                self.c.line((self.left + i * share + share * 0.45) * self.mm, self._y(y + 0.6),
                            (self.left + (i + 1) * share - 3) * self.mm, self._y(y + 0.6))

    def footer(self, page: int, pages: int) -> None:
        p = self.p
        bottom = p.height - p.margin_bottom
        printed = self.t("ui.print.printed", at=self.doc.printed_at, by=self.doc.printed_by or "—",
                         copy_no=self.doc.copy_no)
        if self.doc.reprint:
            printed += " " + self.t("ui.print.reprint", copy_no=self.doc.copy_no)
        self.text(self.left, bottom, printed, p.font - 1.5, width=self.width * 0.7)
        self.text(self.right, bottom, self.t("ui.print.page", page=page, pages=pages), p.font - 1, align="right")
