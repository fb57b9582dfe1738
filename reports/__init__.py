"""Managers' reports (数据分析与报表): the daily flash, the weekly management report and the
month-end pack, rendered from the published marts to one self-contained HTML file and a PDF.

``reports.render.render_report`` is the entry point (the CLI ``jxc report``, the reports page and
the scheduled delivery call it); ``reports.content`` decides what each report shows;
``reports.document`` holds the neutral structure both outputs are drawn from; ``reports.charts``
turns plotly figures into static images. See docs/reports.md.
"""

import logging

# Outside the Streamlit app (CLI, Dagster, delivery) the dashboards' read cache warns, when
# dashboards.serving is imported, that it has no runtime and keeps its cache in memory: expected
# here, so not worth a line on every run. A filter set before that import (Streamlit resets its
# loggers' levels, not their filters).
logging.getLogger("streamlit.runtime.caching.cache_data_api").addFilter(
    lambda record: "No runtime found" not in record.getMessage())

from reports.render import KINDS, RenderedReport, list_reports, render_report  # noqa: E402 - after the filter

__all__ = ["KINDS", "RenderedReport", "list_reports", "render_report"]
