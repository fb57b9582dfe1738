"""The test serving file and the reader agree with the marts contract in docs/architecture.md,
and a file that breaks the contract makes the pages say "no data" instead of crashing."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from dashboard_support import texts
from marts_builder import CONTRACT

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _contract_from_docs() -> dict[str, list[str]]:
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Marts contract", 1)[1]
    tables = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            tables[cells[0].strip("`")] = list(dict.fromkeys(re.findall(r"`([a-z_]+)`", cells[2])))
    return tables


def test_test_serving_file_has_exactly_the_documented_columns():
    documented = _contract_from_docs()
    assert documented, "marts contract table not found in docs/architecture.md"
    assert {table: [name for name, _ in columns] for table, columns in CONTRACT.items()} == documented


def test_a_file_without_the_marts_shows_no_data(app_for, data_dir):
    con = duckdb.connect(str(data_dir / "serving.duckdb"))
    con.execute("CREATE TABLE unrelated (x INTEGER)")
    con.close()
    for page in ("views/overview.py", "views/inventory.py", "views/pipeline.py"):
        at = app_for("admin", page=page)
        assert not at.exception, page
        assert "尚未发布数据" in texts(at), page
