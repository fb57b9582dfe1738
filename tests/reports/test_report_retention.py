"""Rendered reports are kept to the newest ``keep`` per kind (orchestration.retention.prune_reports)."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.retention import prune_reports


def _report(folder: Path, stem: str, mtime: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in (".html", ".pdf"):
        path = folder / f"{stem}{suffix}"
        path.write_bytes(b"x" * 10)
        os.utime(path, (mtime, mtime))


def test_the_newest_reports_of_each_kind_are_kept_with_both_files(tmp_path):  # noqa: ANN001
    reports = tmp_path / "reports"
    for day in range(1, 6):  # weekly reports of five dates, the oldest first
        _report(reports / "weekly", f"weekly_2026060{day}_zh_CN", 1_000_000 + day)
    _report(reports / "weekly", "weekly_20260605_en", 1_000_010)  # a second language counts on its own
    _report(reports / "daily", "daily_20260601_zh_CN", 1_000_000)  # another kind: its own count
    temp = reports / "weekly" / ".weekly_20260606_zh_CN.html.tmp-4242"  # a render in progress
    temp.write_bytes(b"partial")
    os.utime(temp, (1, 1))

    report = prune_reports(reports, keep=3)

    assert sorted(p.name for p in (reports / "weekly").iterdir()) == sorted([
        ".weekly_20260606_zh_CN.html.tmp-4242",
        "weekly_20260605_en.html", "weekly_20260605_en.pdf",
        "weekly_20260605_zh_CN.html", "weekly_20260605_zh_CN.pdf",
        "weekly_20260604_zh_CN.html", "weekly_20260604_zh_CN.pdf",
    ])
    assert sorted(p.name for p in (reports / "daily").iterdir()) == ["daily_20260601_zh_CN.html",
                                                                     "daily_20260601_zh_CN.pdf"]
    assert len(report.deleted_paths) == 6 and report.freed_bytes == 60
    assert prune_reports(tmp_path / "missing", keep=3).deleted_paths == []
