"""Managers' reports (数据分析与报表): the daily flash, the weekly management report and the
month-end pack, rendered from the published marts to one self-contained HTML file and a PDF.

``reports.render.render_report`` is the entry point (the CLI ``jxc report``, the reports page and
the scheduled delivery call it); ``reports.content`` decides what each report shows;
``reports.document`` holds the neutral structure both outputs are drawn from; ``reports.charts``
turns plotly figures into static images. See docs/reports.md.
"""

from reports.render import KINDS, RenderedReport, list_reports, render_report

__all__ = ["KINDS", "RenderedReport", "list_reports", "render_report"]
