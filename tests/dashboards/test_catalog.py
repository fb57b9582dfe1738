"""Every visible word comes from the catalog: no page shows a raw key, in either language, and
both ui.json catalogs have the same keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dashboard_support import flat

from dashboards.navigation import PAGES
from operational.i18n import CATALOG_DIR

RAW_KEY = re.compile(r"\b(ui|field|entity|state|errors|action)\.[a-z_]+")


def test_ui_catalogs_have_the_same_keys():
    zh = json.loads((CATALOG_DIR / "zh_CN" / "ui.json").read_text(encoding="utf-8"))
    en = json.loads((CATALOG_DIR / "en" / "ui.json").read_text(encoding="utf-8"))
    assert set(zh) == set(en)
    assert all(value.strip() for value in [*zh.values(), *en.values()])


def _visible_strings(at) -> list[str]:  # noqa: ANN001
    out = []
    for node in [*flat(at.main), *flat(at.sidebar)]:
        for attr in ("value", "label", "body", "placeholder", "help"):
            value = getattr(node, attr, None) if attr != "value" or node.type in (
                "title", "header", "subheader", "markdown", "caption", "alert", "info", "success", "error",
                "warning", "metric") else None
            if isinstance(value, str):
                out.append(value)
        if node.type in ("selectbox", "multiselect", "radio"):
            out.extend(str(option) for option in getattr(node, "options", []))
        if node.type == "dataframe":
            frame = node.value
            out.extend(str(c) for c in frame.columns)
            for column in frame.columns:
                out.extend(str(v) for v in frame[column].dropna().unique() if isinstance(v, str))
    return out


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_page_shows_a_raw_catalog_key(app_for, published, language):
    for spec in PAGES:
        at = app_for("admin", page=spec.path, language=language)
        assert not at.exception, spec.key
        raw = [s for s in _visible_strings(at) if RAW_KEY.search(s)]
        assert not raw, (spec.key, raw)


def test_every_page_has_a_title_in_both_languages(app_for):
    at = app_for("admin")
    for spec in PAGES:
        assert Path(at._script_path).parent.joinpath(spec.path).is_file()
    for language in ("zh_CN", "en"):
        from operational.i18n import translate
        for spec in PAGES:
            assert translate(f"ui.page.{spec.key}", language) != f"ui.page.{spec.key}"
            assert translate(f"ui.section.{spec.section}", language) != f"ui.section.{spec.section}"
