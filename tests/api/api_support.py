"""Helpers for the API tests (kept out of conftest.py so tests can import them by a name no other
test folder uses): the caller's headers per role, and a token per role."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

# the dashboards' small company and serving builder, shared rather than copied
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboards"))

from dashboard_support import Company  # noqa: E402

from operational.db import unit_of_work  # noqa: E402
from operational.models import ROLES  # noqa: E402
from operational.services import api_tokens  # noqa: E402


@dataclass
class ApiWorld:
    company: Company
    tokens: dict[str, str]  # role -> token
    client: TestClient

    def headers(self, role: str | None, language: str | None = None, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        if language is not None:
            headers["Accept-Language"] = language
        return headers


def issue_tokens(engine: Engine) -> dict[str, str]:
    with unit_of_work(engine) as s:
        return {role: api_tokens.operator_issue_token(s, role, f"test {role}").token for role in ROLES}
