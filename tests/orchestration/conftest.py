"""Fixtures for the orchestration tests: a tiny company in a fresh store (DAGSTER_HOME: tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tiny_company import build_tiny_company


@pytest.fixture
def tiny_store(store_engine: Engine) -> dict[str, int]:
    """The tiny company posted into the test's store; returns its ids."""
    return build_tiny_company(store_engine)

