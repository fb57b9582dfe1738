"""Plotly figures to static PNG images for the reports, through kaleido (1.x), which drives the
machine's Chromium (the Debian package scripts/test-prereqs.sh installs; no download at run time).

One headless browser serves all the charts of a render (``chart_session``): starting it costs about
3 s, each image after that about 0.3 s. Where no browser can be started the report still renders,
each chart replaced by a note saying why (``ChartError`` carries the reason), so a scheduled report
is never lost to a missing browser.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any

from dashboards.components.charts import VALUE_TICKS

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 900, 360
FONT = "Noto Sans CJK SC, Noto Sans CJK, WenQuanYi Zen Hei, sans-serif"


class ChartError(RuntimeError):
    """The chart could not be drawn (no browser, or the exporter failed)."""


_session: dict[str, bool] = {"open": False}


@contextlib.contextmanager
def chart_session() -> Iterator[None]:
    """Keep one headless browser for the charts drawn inside (falls back to one per chart)."""
    try:
        import kaleido

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.start_sync_server(silence_warnings=True)
        _session["open"] = True
    except Exception as exc:  # noqa: BLE001 - no browser: each chart reports its own error
        log.warning("chart browser not started: %s", exc)
        yield
        return
    try:
        yield
    finally:
        _session["open"] = False
        with contextlib.suppress(Exception):
            kaleido.stop_sync_server(silence_warnings=True)


def to_png(figure: Any, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The figure as PNG bytes; raises ``ChartError`` with the reason when it cannot be drawn."""
    figure.update_layout(font={"family": FONT}, template="plotly_white", showlegend=len(figure.data) > 1,
                         margin={"l": 60, "r": 20, "t": 30, "b": 50}, legend={"orientation": "h", "y": 1.1})
    figure.update_yaxes(tickformat=VALUE_TICKS)
    # Every x value of a report chart is a label ("2026-03", "06-24", a category), never a time axis:
    # as a date axis plotly would tick "Feb 8, Feb 22" between the months the bars stand for.
    figure.update_xaxes(type="category")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server"
            return figure.to_image(format="png", width=width, height=height, scale=1.5)
    except Exception as exc:  # noqa: BLE001 - any exporter failure becomes a note in the report
        raise ChartError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
