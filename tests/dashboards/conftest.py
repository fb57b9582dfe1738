"""Fixtures for the Streamlit tests: a small company in a fresh store, its serving.duckdb, and
AppTest instances of dashboards/app.py (optionally already logged in and on a page)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_support import APP, Company, build_company, post_history
from marts_builder import build_serving
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY


@pytest.fixture
def company(store_engine: Engine) -> Company:
    return build_company(store_engine)


@pytest.fixture
def published(company: Company, data_dir: Path) -> Path:
    """The company's history published to data_dir/serving.duckdb."""
    post_history(company)
    return build_serving(company.engine, data_dir / "serving.duckdb")


@pytest.fixture
def app_for(company: Company) -> Callable[..., AppTest]:
    """AppTest of the whole app, logged in as ``role`` (or not logged in) and optionally on a page."""
    def make(role: str | None = None, page: str | None = None, language: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        if role is not None:
            at.session_state[USER_KEY] = company.users[role]
        if language is not None:
            at.session_state["language"] = language
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at
    return make
