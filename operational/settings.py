"""Runtime configuration, read once from the environment.

Every path and URL the product uses comes from here so that tests, the CLI, Dagster and
Streamlit agree on where the store, the warehouse and the serving file live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    language: str
    # Document dates: at most this many days after today (JXC_MAX_FUTURE_DAYS), and never before
    # JXC_EARLIEST_DATE, whatever the company's opening date (docs/input_rules.md).
    max_future_days: int = 31
    earliest_date: date = date(2000, 1, 1)
    # Pipeline runs whose Dagster history, logs and dbt artifacts are kept (JXC_KEEP_RUNS).
    keep_runs: int = 20
    # Rendered reports kept per kind in data/reports/<kind>/ (JXC_KEEP_REPORTS); older ones are deleted.
    keep_reports: int = 60
    # A TrueType CJK font (.ttf/.ttc, optionally #index) to embed in every PDF (JXC_PDF_FONT);
    # unset: the machine's own is looked for (operational/services/pdf.py, docs/printing.md).
    pdf_font: str = ""
    # `jxc prune` (docs/operations.md, "Pruning"): finished pipeline runs older than this many days
    # are deleted even among the last JXC_KEEP_RUNS (JXC_KEEP_RUN_DAYS; 0 = no age limit) ...
    keep_run_days: int = 90
    # ... the newest this many backups of each kind (jxc-backup-*, jxc-pre-restore-*) stay in
    # data/backups/ (JXC_KEEP_BACKUPS; 0 = never delete a backup) ...
    keep_backups: int = 14
    # ... and audit-log entries older than this many days are deleted (JXC_KEEP_AUDIT_DAYS; 0, the
    # default, keeps the audit log for ever).
    keep_audit_days: int = 0

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def state_path(self) -> Path:
        """JSON file where the pipeline records its last publish and check results."""
        return self.data_dir / "pipeline_state.json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


PRIVATE_UMASK = 0o077  # new files rw------- and directories rwx------


def private_files() -> None:
    """From now on this process (and every process it starts) creates files and directories
    readable by their owner only: the store, the warehouse and serving files, the pipeline state
    and Dagster's home hold the company's books."""
    os.umask(PRIVATE_UMASK)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700 after ``private_files()``. The data
    dir itself is also tightened to 0700 when it already exists (an older install made it 0755),
    so nothing in it is readable by other users whatever the files' own modes."""
    private_files()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    data_dir = get_settings().data_dir
    resolved = path.resolve()
    if (resolved == data_dir or data_dir in resolved.parents) and data_dir.exists() \
            and data_dir.stat().st_uid == os.getuid():
        data_dir.chmod(0o700)
    return path


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed, do not cache)."""
    data_dir = Path(os.environ.get("JXC_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    url = os.environ.get("JXC_DATABASE_URL") or f"sqlite:///{data_dir / 'jxc.sqlite'}"
    return Settings(data_dir=data_dir, database_url=url, language=os.environ.get("JXC_LANG", "zh_CN"),
                    max_future_days=document_date_bounds()[0], earliest_date=document_date_bounds()[1],
                    keep_runs=max(1, int(os.environ.get("JXC_KEEP_RUNS") or 20)),
                    keep_reports=max(1, int(os.environ.get("JXC_KEEP_REPORTS") or 60)),
                    pdf_font=os.environ.get("JXC_PDF_FONT", "").strip(),
                    keep_run_days=max(0, int(os.environ.get("JXC_KEEP_RUN_DAYS") or 90)),
                    keep_backups=max(0, int(os.environ.get("JXC_KEEP_BACKUPS") or 14)),
                    keep_audit_days=max(0, int(os.environ.get("JXC_KEEP_AUDIT_DAYS") or 0)))


def document_date_bounds() -> tuple[int, date]:
    """(JXC_MAX_FUTURE_DAYS, JXC_EARLIEST_DATE) as ``get_settings`` reads them, without resolving
    the data dir: every document date asks, and an import of a million lines asks a million times."""
    return (int(os.environ.get("JXC_MAX_FUTURE_DAYS") or 31),
            date.fromisoformat(os.environ.get("JXC_EARLIEST_DATE") or "2000-01-01"))


@dataclass(frozen=True)
class LoginSettings:
    """Login rules (operational.services.auth), each from its environment variable."""

    max_failures_per_user: int = 5  # JXC_LOGIN_MAX_FAILURES: failures of one user name inside the window ...
    max_failures_per_client: int = 20  # JXC_LOGIN_MAX_FAILURES_PER_CLIENT: ... or from one client address
    window_minutes: int = 15  # JXC_LOGIN_WINDOW_MINUTES
    lockout_minutes: int = 15  # JXC_LOGIN_LOCKOUT_MINUTES: how long the user name / client stays locked
    session_hours: int = 12  # JXC_SESSION_HOURS: a session cookie's lifetime
    min_password_length: int = 8  # JXC_PASSWORD_MIN_LENGTH
    # JXC_DEMO_MODE=0 treats a store made by `jxc demo` as a real one (demo password must be changed).
    demo_mode_allowed: bool = True
    # JXC_TRUSTED_PROXIES: reverse proxies in front of Streamlit; the client is then the address the
    # nearest proxy appended to X-Forwarded-For (0: the connection's own address; the header is ignored).
    trusted_proxies: int = 0
    # JXC_KEEP_LOGIN_DAYS: login events (and sessions that ended) older than this many days are deleted.
    keep_login_days: int = 365


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    try:
        return max(minimum, int(os.environ.get(name, default)))
    except ValueError:
        return default


def get_login_settings() -> LoginSettings:
    """The login rules from the environment, with the defaults above."""
    return LoginSettings(
        max_failures_per_user=_env_int("JXC_LOGIN_MAX_FAILURES", 5, 1),
        max_failures_per_client=_env_int("JXC_LOGIN_MAX_FAILURES_PER_CLIENT", 20, 1),
        window_minutes=_env_int("JXC_LOGIN_WINDOW_MINUTES", 15, 1),
        lockout_minutes=_env_int("JXC_LOGIN_LOCKOUT_MINUTES", 15, 1),
        session_hours=_env_int("JXC_SESSION_HOURS", 12, 1),
        min_password_length=_env_int("JXC_PASSWORD_MIN_LENGTH", 8, 8),
        demo_mode_allowed=os.environ.get("JXC_DEMO_MODE", "1").strip().lower() not in {"0", "false", "no", "off"},
        trusted_proxies=_env_int("JXC_TRUSTED_PROXIES", 0, 0),
        keep_login_days=_env_int("JXC_KEEP_LOGIN_DAYS", 365, 1),
    )
