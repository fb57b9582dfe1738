"""The import page (数据导入): admins get every template, the warehouse its opening stock only; the
template downloads are there (the import itself is tested in tests/importing)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("role, kinds", [("admin", 10), ("warehouse", 1)])
def test_import_page_offers_the_templates_of_the_role(app_for, role: str, kinds: int) -> None:
    at = app_for(role, page="views/data_import.py")
    assert not at.exception
    assert len(at.selectbox(key="import_kind").options) == kinds
