"""Fixtures for the orchestration tests: a tiny company in a fresh store, and a throwaway DAGSTER_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from tiny_company import build_tiny_company

from orchestration.home import ensure_dagster_home


@pytest.fixture
def tiny_store(store_engine: Engine) -> dict[str, int]:
    """The tiny company posted into the test's store; returns its ids."""
    return build_tiny_company(store_engine)


@pytest.fixture
def dagster_home(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # setenv first so that monkeypatch restores DAGSTER_HOME after the test
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    return ensure_dagster_home()
