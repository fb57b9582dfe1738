"""Subprocess entry for the reports benchmark, run in a data directory the full pipeline has
published: render the weekly management report (HTML + PDF, Chinese, charts through kaleido) for
the last published day into a temporary folder, and time it. Issue 14's target: ≤ 30 s at scale 20.

Prints a ``SUMMARY`` line the harness records.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

TARGET_S = 30


def main() -> None:
    from reports import render_report

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        rendered = render_report("weekly", out_dir=Path(folder))
        seconds = time.perf_counter() - started
        sizes = rendered.html_path.stat().st_size // 1024, rendered.pdf_path.stat().st_size // 1024
    print(f"SUMMARY weekly report {rendered.period_start}..{rendered.period_end}: {seconds:.1f} s "
          f"(target ≤ {TARGET_S} s), html {sizes[0]} KB, pdf {sizes[1]} KB", flush=True)


if __name__ == "__main__":
    main()
