"""Render a report from the current publish: one self-contained HTML file (inline CSS, charts as
inline PNG images, opens offline) and an A4 PDF (reportlab, with the embedded CJK font of every JXC PDF,
operational.services.pdf), both drawn from the same ``reports.document.Document``.

The files go to ``data/reports/<kind>/`` (``Settings.reports_dir``) unless ``out_dir`` says
otherwise, named ``<kind>_<period end>_<lang>`` (``<kind>_<start>_<end>_<lang>`` for a chosen
period), written through a temporary file and ``os.replace`` so a reader never sees half a report.
Every report states the data's as-of date and the publish (run id, time) it came from.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from dashboards import serving
from operational.i18n import LANGUAGES, translate
from operational.services import pdf
from operational.services.errors import ValidationError
from operational.settings import ensure_private_dir, get_settings
from reports import charts, content
from reports.document import Chart, Column, Document, Figure, Note, PublishInfo, Table, cell_text

log = logging.getLogger(__name__)

Kind = Literal["daily", "weekly", "monthly"]
KINDS: tuple[str, ...] = ("daily", "weekly", "monthly")
MAX_PERIOD_DAYS = 366  # a chosen period longer than a year is refused (and would not fit a report)


@dataclass(frozen=True)
class RenderedReport:
    kind: str
    as_of: date  # the date of the data: the period's last day
    period_start: date
    period_end: date
    lang: str
    html_path: Path
    pdf_path: Path
    publish_id: str  # the run id of the publish the data came from (meta_publish.run_id)
    published_at: datetime | None = None


def _publish() -> PublishInfo:
    status = serving.pipeline_status()
    if status.publish is None:
        raise ValidationError("reports_not_published")
    return PublishInfo(status.publish.run_id, status.publish.published_at, status.publish.job_name)


def _check(kind: str, lang: str, as_of: date | None, period: tuple[date, date] | None) -> tuple[date, date, date]:
    if kind not in KINDS:
        raise ValidationError("reports_kind", field="kind", kind=kind)
    if lang not in LANGUAGES:
        raise ValidationError("reports_language", field="lang", lang=lang)
    options = serving.filter_options()
    first, last = options.first_day, options.last_day
    if last is None or first is None:
        raise ValidationError("reports_not_published")
    if period is not None:
        start, end = period
        if end < start:
            raise ValidationError("date_order", field="end_date", field_label="field.end_date",
                                  other_label="field.start_date")
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError("reports_period_too_long", field="end_date", days=MAX_PERIOD_DAYS)
    else:
        start, end = content.period_for(kind, as_of or last)
        # A week or month that began before the first published day starts on that day (a young
        # company's first weekly report is not refused); the report states its period.
        start = max(start, first) if first <= end else start
    for name, day in (("start_date", start), ("end_date", end)):
        if not first <= day <= last:
            raise ValidationError("reports_date_not_published", field=name, date=f"{day:%Y-%m-%d}",
                                  first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}")
    return end, start, end


def build_document(kind: str, *, as_of: date | None = None, period: tuple[date, date] | None = None,
                   lang: str = "zh_CN") -> Document:
    """The report's content (no files written); raises ValidationError for bad input."""
    day, start, end = _check(kind, lang, as_of, period)
    publish = _publish()
    sections = content.BUILDERS[kind](day, start, end)
    return Document(kind, day, start, end, publish, sections, datetime.now(UTC).replace(tzinfo=None))


def render_report(kind: Kind, *, as_of: date | None = None, lang: str = "zh_CN", out_dir: Path | None = None,
                  period: tuple[date, date] | None = None) -> RenderedReport:
    """Render ``kind`` for the date ``as_of`` (default: the last published day) or an explicit
    ``period`` into ``out_dir`` (default data/reports/<kind>/); returns the two files' paths."""
    document = build_document(kind, as_of=as_of, period=period, lang=lang)
    with charts.chart_session():
        images = _chart_images(document, lang)
    folder = ensure_private_dir(out_dir or get_settings().reports_dir / kind)
    stem = (f"{kind}_{document.period_end:%Y%m%d}_{lang}" if period is None
            else f"{kind}_{document.period_start:%Y%m%d}_{document.period_end:%Y%m%d}_{lang}")
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    _write(html_path, to_html(document, lang, images).encode("utf-8"))
    _write(pdf_path, to_pdf(document, lang, images))
    return RenderedReport(kind, document.as_of, document.period_start, document.period_end, lang, html_path,
                          pdf_path, document.publish.run_id, document.publish.published_at)


def _write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_bytes(data)
    os.replace(temp, path)


Images = dict[int, bytes | str]  # id(chart) -> PNG bytes, or the reason it could not be drawn


def _chart_images(document: Document, lang: str) -> Images:
    images: Images = {}
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Chart):
                for trace in block.figure.data:  # series names are catalog keys until drawn
                    if isinstance(trace.name, str) and trace.name.startswith("reports."):
                        trace.name = _t(trace.name, lang)
                try:
                    images[id(block)] = charts.to_png(block.figure)
                except charts.ChartError as exc:
                    images[id(block)] = str(exc)
    return images


# ---------------------------------------------------------------- words

def _t(key: str, lang: str, **params: Any) -> str:
    return translate(key, lang, **params)


def _value(value: Any, column: Column, lang: str) -> str:
    if column.kind == "text" and isinstance(value, str) and value.startswith("reports."):
        return _t(value, lang)  # a catalog key in a text cell (bucket names, segments, "unassigned")
    return cell_text(value, column.kind)


def _header_lines(document: Document, lang: str) -> list[str]:
    publish = document.publish
    published = f"{publish.published_at:%Y-%m-%d %H:%M} UTC" if publish.published_at else "—"
    if document.period_start == document.period_end:
        period = f"{document.period_end:%Y-%m-%d}"
    else:
        period = f"{document.period_start:%Y-%m-%d} ~ {document.period_end:%Y-%m-%d}"
    return [_t("reports.meta.period", lang, period=period),
            _t("reports.meta.as_of", lang, date=f"{document.as_of:%Y-%m-%d}"),
            _t("reports.meta.publish", lang, run_id=publish.run_id or "—", published_at=published),
            _t("reports.meta.generated", lang, at=f"{document.generated_at:%Y-%m-%d %H:%M} UTC")]


# ---------------------------------------------------------------- HTML

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#1f2933}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;border-bottom:2px solid #1f77b4;padding-bottom:3px;
margin-top:28px}h3{font-size:14px;margin:14px 0 6px}.meta{color:#52606d;font-size:12px;margin:2px 0}
.figures{display:flex;flex-wrap:wrap;gap:10px}.figure{border:1px solid #d9e2ec;border-radius:6px;
padding:8px 12px;min-width:150px}.figure .label{font-size:12px;color:#52606d}.figure .value{font-size:18px;
font-weight:600}table{border-collapse:collapse;font-size:12px;margin:4px 0 10px}th,td{border:1px solid #d9e2ec;
padding:3px 8px}th{background:#e8eef7;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{font-size:12px;color:#52606d;font-style:italic}img{max-width:100%}
"""


def to_html(document: Document, lang: str, images: Images | None = None) -> str:
    images = images or {}
    esc = html.escape
    title = _t(f"reports.title.{document.kind}", lang)
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">',
             f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
             f'<h1>{esc(title)}</h1>']
    parts += [f'<p class="meta">{esc(line)}</p>' for line in _header_lines(document, lang)]
    parts.append(f'<div id="report-meta" data-kind="{esc(document.kind)}" data-as-of="{document.as_of:%Y-%m-%d}" '
                 f'data-period-start="{document.period_start:%Y-%m-%d}" '
                 f'data-period-end="{document.period_end:%Y-%m-%d}" data-publish="{esc(document.publish.run_id)}">'
                 f'</div>')
    for section in document.sections:
        parts.append(f'<section id="{esc(section.id)}"><h2>{esc(_t(section.title, lang))}</h2>')
        figures = [b for b in section.blocks if isinstance(b, Figure)]
        if figures:
            parts.append('<div class="figures">')
            for fig in figures:
                parts.append(f'<div class="figure" id="{esc(fig.id)}"><div class="label">{esc(_t(fig.label, lang))}'
                             f'</div><div class="value">{esc(cell_text(fig.value, fig.kind))}</div></div>')
            parts.append("</div>")
        for block in section.blocks:
            if isinstance(block, Note):
                parts.append(f'<p class="note">{esc(_t(block.key, lang, **block.params))}</p>')
            elif isinstance(block, Chart):
                parts.append(f"<h3>{esc(_t(block.title, lang))}</h3>")
                image = images.get(id(block))
                if isinstance(image, bytes):
                    data = base64.b64encode(image).decode("ascii")
                    parts.append(f'<img alt="{esc(_t(block.title, lang))}" src="data:image/png;base64,{data}">')
                else:
                    parts.append(f'<p class="note">{esc(_t("reports.chart_unavailable", lang, reason=image or ""))}'
                                 f"</p>")
            elif isinstance(block, Table):
                parts.append(_html_table(block, lang))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(table: Table, lang: str) -> str:
    esc = html.escape
    out = [f"<h3>{esc(_t(table.title, lang))}</h3>"]
    if not table.rows:
        out.append(f'<p class="note" id="{esc(table.id)}">{esc(_t(table.empty, lang))}</p>')
        return "".join(out)
    out.append(f'<table id="{esc(table.id)}"><thead><tr>')
    out += [f'<th data-col="{esc(c.key)}">{esc(_t(c.label, lang))}</th>' for c in table.columns]
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>")
        for column in table.columns:
            css = "" if column.kind == "text" else ' class="num"'
            out.append(f'<td data-col="{esc(column.key)}"{css}>{esc(_value(row.get(column.key), column, lang))}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------- PDF

def to_pdf(document: Document, lang: str, images: Images | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    images = images or {}
    # The CJK font of every JXC PDF, embedded where the machine has one (operational.services.pdf);
    # pdf.drawable swaps what it cannot draw, e.g. Zen Hei has no U+2212: −¥184.64 prints -¥184.64.
    cjk = pdf.cjk_font_info()
    font = cjk.name

    def esc(text: str) -> str:
        return html.escape(pdf.drawable(text, cjk))

    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=20)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12.5, leading=16, spaceBefore=8, spaceAfter=3,
                        textColor=colors.HexColor("#1f4e79"))
    h3 = ParagraphStyle("h3", fontName=font, fontSize=10, leading=13, spaceBefore=4, spaceAfter=2)
    body = ParagraphStyle("b", fontName=font, fontSize=8.5, leading=11)
    cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9)
    width = A4[0] - 30 * mm

    story: list[Any] = [Paragraph(esc(_t(f"reports.title.{document.kind}", lang)), h1), Spacer(1, 2 * mm)]
    story += [Paragraph(esc(line), body) for line in _header_lines(document, lang)]
    for section in document.sections:
        story.append(Paragraph(esc(_t(section.title, lang)), h2))
        figures = [b for b in section.blocks if isinstance(b, Figure)]
        if figures:
            rows = [[Paragraph(esc(_t(f.label, lang)), cell), pdf.drawable(cell_text(f.value, f.kind), cjk)]
                    for f in figures]
            story.append(PdfTable(rows, colWidths=[60 * mm, 45 * mm], hAlign="LEFT", style=TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("GRID", (0, 0), (-1, -1), 0.25, colors.grey)])))
        for block in section.blocks:
            if isinstance(block, Note):
                story.append(Paragraph(esc(_t(block.key, lang, **block.params)), body))
            elif isinstance(block, Chart):
                image = images.get(id(block))
                if isinstance(image, bytes):
                    chart = Image(io.BytesIO(image), width=width, height=width * charts.HEIGHT / charts.WIDTH)
                    story.append(KeepTogether([Paragraph(esc(_t(block.title, lang)), h3), chart]))
                else:
                    story.append(Paragraph(esc(_t("reports.chart_unavailable", lang, reason=image or "")), body))
            elif isinstance(block, Table):
                story.append(Paragraph(esc(_t(block.title, lang)), h3))
                if not block.rows:
                    story.append(Paragraph(esc(_t(block.empty, lang)), body))
                    continue
                header = [Paragraph(esc(_t(c.label, lang)), cell) for c in block.columns]
                data = [header] + [[Paragraph(esc(_value(r.get(c.key), c, lang)), cell) if c.kind == "text"
                                    else pdf.drawable(_value(r.get(c.key), c, lang), cjk) for c in block.columns]
                                   for r in block.rows]
                text_cols = sum(1 for c in block.columns if c.kind == "text")
                num_cols = len(block.columns) - text_cols
                num_width = min(26 * mm, width / max(len(block.columns), 1))
                text_width = (width - num_width * num_cols) / max(text_cols, 1)
                widths = [text_width if c.kind == "text" else num_width for c in block.columns]
                style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
                         ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                         ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))]
                style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, c in enumerate(block.columns) if c.kind != "text"]
                story.append(PdfTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(style)))
        story.append(Spacer(1, 2 * mm))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=_t(f"reports.title.{document.kind}", lang),
                      initialFontName=font).build(story)
    return buffer.getvalue()


# ---------------------------------------------------------------- listing

@dataclass(frozen=True)
class ReportFile:
    kind: str
    name: str  # the file name without the extension
    html_path: Path | None
    pdf_path: Path | None
    modified: datetime  # naive UTC


def list_reports(root: Path | None = None) -> list[ReportFile]:
    """The reports under data/reports/<kind>/ (newest first): one entry per name, with its HTML and
    PDF where they exist."""
    base = root or get_settings().reports_dir
    found: dict[tuple[str, str], dict[str, Path]] = {}
    for kind in KINDS:
        folder = base / kind
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.suffix in (".html", ".pdf") and not path.name.startswith("."):
                found.setdefault((kind, path.stem), {})[path.suffix] = path
    out = []
    for (kind, stem), paths in found.items():
        newest = max(p.stat().st_mtime for p in paths.values())
        out.append(ReportFile(kind, stem, paths.get(".html"), paths.get(".pdf"),
                              datetime.fromtimestamp(newest, UTC).replace(tzinfo=None)))
    return sorted(out, key=lambda r: (r.modified, r.name), reverse=True)


__all__ = ["KINDS", "RenderedReport", "ReportFile", "build_document", "list_reports", "render_report"]
