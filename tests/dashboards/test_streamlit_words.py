"""Streamlit's own English words, where they can be set (docs/dashboards.md, "Streamlit's own words"):
a select box that starts empty and every multiselect name their placeholder from the catalog (else
Streamlit shows "Choose an option" / "Choose options"); the toolbar shows nothing of Streamlit's own
(no menu, no Deploy), the data grid offers no English "Download as CSV" that bypasses the pages'
formula-safe export, and errors carry no "Ask Google" links."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _calls_without_placeholder() -> list[str]:
    missing = []
    for path in sorted((ROOT / "dashboards").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("selectbox", "multiselect")):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            starts_empty = node.func.attr == "multiselect" or (
                isinstance(keywords.get("index"), ast.Constant) and keywords["index"].value is None)
            if starts_empty and "placeholder" not in keywords:
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    return missing


def test_every_empty_select_box_has_a_placeholder_from_the_catalog():
    assert _calls_without_placeholder() == []


def test_streamlit_config_hides_its_own_english_controls():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    client = config["client"]
    assert client["toolbarMode"] == "minimal"  # no menu, no Deploy / Rerun / Clear cache
    assert client["disableDataExport"] is True
    assert client["showErrorLinks"] is False
    assert config["browser"]["gatherUsageStats"] is False

