"""Shared fixtures: a fresh store per test (SQLite in tmp_path, or a throwaway PostgreSQL database).

Migrating a store takes 1–4 s, and several hundred tests start from one. Each test process
migrates one template per backend the first time it is needed and every test gets a copy of it
(SQLite's backup API; PostgreSQL's CREATE DATABASE … TEMPLATE), which is the same schema and rows
``upgrade`` would have produced. tests/operational/test_auth_and_migrations.py still runs the
migrations themselves.

Skips are errors in CI: with JXC_STRICT_SKIPS=1 (set by .ci/run) a test that skips because
PostgreSQL or Chromium is missing is reported as failed, so a green CI means they really ran.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from operational.db import engine_for, make_engine
from operational.migrate import upgrade

PG_ADMIN_URL = os.environ.get("JXC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("JXC_STRICT_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under JXC_STRICT_SKIPS=1 (CI must run every test): {report.longrepr}"


# Under pytest-xdist (`make test`) the folders whose modules take minutes (Dagster runs, dbt builds)
# are handed out first and the many short tests fill in at the end; otherwise one process may get
# a long module last while the other has nothing left to do. Order within a folder is kept.
_LONG_FIRST = ("tests/e2e/", "tests/orchestration/", "tests/cli/", "tests/transforms/", "tests/browser/",
               "tests/dashboards/", "tests/demo/", "tests/reports/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # xdist clears numprocesses in its workers, where the collection that gets scheduled happens
    if not (getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput")):
        return
    rank = {prefix: i for i, prefix in enumerate(_LONG_FIRST)}
    items.sort(key=lambda item: next((r for p, r in rank.items() if item.nodeid.startswith(p)), len(rank)))


@pytest.fixture(scope="session", autouse=True)
def _dbt_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder per test process (per pytest-xdist worker) where tests/transforms/conftest.py's
    ``dbt`` keeps dbt's parse between runs."""
    os.environ["JXC_TEST_DBT_HOME"] = str(tmp_path_factory.mktemp("dbt"))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """An empty JXC_DATA_DIR for this test.

    A test that runs the pipeline (it asks for ``dagster_home``) gets this process's one pipeline
    folder, emptied first, so that its dbt runs can re-use a parse (see ``_pipeline_dbt_target``).
    """
    if "dagster_home" in request.fixturenames:
        path = request.getfixturevalue("_pipeline_dbt_target").parent / "data"
        shutil.rmtree(path, ignore_errors=True)
        # engines are cached per URL: one of the last test's (same URL) would read its deleted file
        engine_for.cache_clear()
    else:
        path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("JXC_DATA_DIR", str(path))
    monkeypatch.delenv("JXC_DATABASE_URL", raising=False)
    return path


@pytest.fixture(scope="session")
def _pipeline_dbt_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dbt target folder holding a parse of ``transforms/`` for this process's pipeline folder.

    dagster-dbt copies ``partial_parse.msgpack`` from DBT_TARGET_PATH into each invocation's folder,
    and dbt re-uses it only when the profile is unchanged; the profile holds the warehouse path.
    With a new data folder per test every pipeline test's dbt parsed the whole project again
    (~8 CPU-seconds, ~4 more than a partial parse). So the pipeline tests of one test process share
    one data folder path (emptied per test) and this one parse of it, made here once.
    """
    from orchestration.resources import dbt_executable

    home = tmp_path_factory.mktemp("pipeline")
    target = home / "dbt-target"
    warehouse = (home / "data").resolve() / "warehouse.duckdb"  # as operational.settings resolves it
    transforms = Path(__file__).resolve().parents[1] / "transforms"
    env = dict(os.environ, JXC_WAREHOUSE_PATH=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="False")
    env.pop("DBT_TARGET_PATH", None)
    subprocess.run([dbt_executable(), "--quiet", "parse", "--project-dir", str(transforms), "--profiles-dir",
                    str(transforms), "--target-path", str(target), "--log-path", str(home / "logs")],
                   env=env, check=True, capture_output=True)
    return target


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store, made once per test process."""
    path = tmp_path_factory.mktemp("store_template") / "jxc.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


@pytest.fixture
def store_engine(data_dir: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path) -> Iterator[Engine]:
    """A freshly migrated SQLite store in the test's data dir (also set as JXC_DATABASE_URL)."""
    path = data_dir / "jxc.sqlite"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("JXC_DATABASE_URL", url)
    engine = make_engine(url)
    with closing(sqlite3.connect(_sqlite_template)) as template, closing(sqlite3.connect(path)) as copy:
        template.backup(copy)
    path.chmod(0o600)  # as the store makes it
    yield engine
    engine.dispose()


@pytest.fixture
def dagster_home(data_dir: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """A throwaway DAGSTER_HOME inside the test's data dir."""
    from orchestration.home import ensure_dagster_home

    # setenv first so that monkeypatch restores DAGSTER_HOME after the test
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    # dagster-dbt's invocation folders go beside this process's parse of the project (see data_dir)
    monkeypatch.setenv("DBT_TARGET_PATH", str(request.getfixturevalue("_pipeline_dbt_target")))
    return ensure_dagster_home()


def _pg_admin() -> Engine:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server here"
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}); "
                    "start it or set JXC_TEST_PG_URL to run the PostgreSQL tests")
    return engine


@contextmanager
def _pg_database(admin: Engine, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` if given), dropped afterwards; its URL."""
    name = f"jxc_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database, made once per test process: the name to copy from."""
    admin = _pg_admin()
    try:
        with _pg_database(admin) as url:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template without connections
            yield url.rsplit("/", 1)[1]
    finally:
        admin.dispose()


@pytest.fixture
def pg_engine(_pg_template: str) -> Iterator[Engine]:
    """A freshly migrated PostgreSQL store (a copy of this process's migrated template)."""
    admin = _pg_admin()
    try:
        with _pg_database(admin, template=_pg_template) as url:
            engine = make_engine(url)
            yield engine
            engine.dispose()
    finally:
        admin.dispose()
