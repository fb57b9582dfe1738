"""Fixtures for the API tests: the dashboards' small company (two warehouses, a supplier, a
customer, two products, a user per role) in a fresh store, a token per role, and a client of the
real app over that store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from api_support import ApiWorld, issue_tokens
from dashboard_support import build_company, post_history
from fastapi.testclient import TestClient
from marts_builder import build_serving
from sqlalchemy import Engine

from api.app import create_app
from operational.db import make_engine


@pytest.fixture
def world(store_engine: Engine, data_dir: Path) -> Iterator[ApiWorld]:
    company = build_company(store_engine)
    with TestClient(create_app(store_engine)) as client:
        yield ApiWorld(company, issue_tokens(store_engine), client)


@pytest.fixture
def published_world(world: ApiWorld, data_dir: Path) -> ApiWorld:
    """The company's history posted and published to data_dir/serving.duckdb."""
    post_history(world.company)
    build_serving(world.company.engine, data_dir / "serving.duckdb")
    return world


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[ApiWorld]:
    """``published_world`` made once for a module whose tests each create what they change
    (the role table: each call posts its own order), so 40 routes do not build 40 companies."""
    data = tmp_path_factory.mktemp("api_world") / "data"
    data.mkdir()
    path = data / "jxc.sqlite"
    with closing(sqlite3.connect(_sqlite_template)) as template, closing(sqlite3.connect(path)) as copy:
        template.backup(copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JXC_DATA_DIR", str(data))
        patch.setenv("JXC_DATABASE_URL", f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        company = build_company(engine)
        post_history(company)
        build_serving(engine, data / "serving.duckdb")
        with TestClient(create_app(engine)) as client:
            yield ApiWorld(company, issue_tokens(engine), client)
        engine.dispose()
