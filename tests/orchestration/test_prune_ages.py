"""`jxc prune` beyond the last runs: runs older than JXC_KEEP_RUN_DAYS, backups beyond
JXC_KEEP_BACKUPS per kind in data/backups/ (never a file JXC did not name), and audit-log entries
older than JXC_KEEP_AUDIT_DAYS when that is set."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from operational.backup import create_backup, prune_backups
from operational.db import read_only, unit_of_work
from operational.models import AuditLog, utcnow
from operational.settings import get_settings
from orchestration.retention import PruneReport, prune_runs


@dg.op
def noop() -> int:
    return 1


@dg.job
def tiny_job() -> None:
    noop()


def test_runs_older_than_the_age_limit_go_even_among_the_last(dagster_home: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        run_ids = [tiny_job.execute_in_process(instance=instance).run_id for _ in range(3)]
        report = PruneReport()
        prune_runs(instance, 20, set(), report, max_age_days=90)  # all young: nothing goes
        assert report.deleted_runs == []
        later = time.time() + 91 * 86400
        prune_runs(instance, 20, {run_ids[0]}, report, max_age_days=90, now=later)
        assert sorted(report.deleted_runs) == sorted(run_ids[1:])  # the protected (published) run stays
        assert [r.run_id for r in instance.get_runs()] == [run_ids[0]]
        prune_runs(instance, 20, set(), report, max_age_days=0, now=later + 10**9)  # 0: no age limit
        assert [r.run_id for r in instance.get_runs()] == [run_ids[0]]


def test_jxc_prune_keeps_the_newest_backups_and_old_audit_entries_go(store_engine: Engine, dagster_home: Path,
                                                                      data_dir: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.cli import app

    start = datetime(2026, 12, 1, 2, 15, tzinfo=UTC)
    made = [create_backup(store_engine, now=start + timedelta(days=n))[0] for n in range(4)]
    safety = create_backup(store_engine, prefix="jxc-pre-restore", now=start)[0]
    folder = data_dir / "backups"
    mine = folder / "before-the-upgrade.tar.gz"  # the user's own file: never touched
    mine.write_bytes(made[0].read_bytes())
    with unit_of_work(store_engine) as s:  # an entry from 40 days ago, one from today
        old = utcnow() - timedelta(days=40)
        s.add_all([AuditLog(occurred_at=old, channel="cli", action="update", source="orm", table_name="supplier"),
                   AuditLog(channel="cli", action="update", source="orm", table_name="supplier")])
    with read_only(store_engine) as s:
        before = s.execute(select(func.count()).select_from(AuditLog)).scalar_one()
    monkeypatch.setenv("JXC_KEEP_BACKUPS", "2")
    monkeypatch.setenv("JXC_KEEP_AUDIT_DAYS", "30")
    assert get_settings().keep_backups == 2
    result = CliRunner().invoke(app, ["prune"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "deleted 2 old backups; kept the newest 2 of each kind" in result.output
    assert sorted(p.name for p in folder.iterdir()) == sorted([made[2].name, made[3].name, safety.name, mine.name])
    assert "deleted 1 audit-log entries older than 30 days" in result.output
    with read_only(store_engine) as s:
        assert s.execute(select(func.count()).select_from(AuditLog)).scalar_one() == before - 1
    monkeypatch.setenv("JXC_KEEP_BACKUPS", "0")  # 0: backups are never deleted
    assert prune_backups(get_settings().keep_backups) == []
