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


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_no_key_has_two_texts_in_two_catalog_files(language):
    """The files of a language are merged in name order, so a key written twice with different texts
    silently takes the later file's text on every page (an order's "cancel open quantity" message
    once read as a document's "已作废")."""
    texts: dict[str, dict[str, str]] = {}
    for path in sorted((CATALOG_DIR / language).glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            texts.setdefault(key, {})[path.name] = value
    clashes = {key: files for key, files in texts.items() if len(set(files.values())) > 1}
    assert clashes == {}


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


# A literal catalog key in code: t("ui.x.y"), translate("field.x"), _t("state.x"), key="ui.x" ...
_KEY_LITERAL = re.compile(r"""(?<![\w.{])["']((?:ui|field|entity|state|errors|action)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)["']""")
_CODE_DIRS = ("dashboards", "operational", "orchestration", "ingestion")


def _keys_used_in_code() -> dict[str, str]:
    root = CATALOG_DIR.parents[1]
    used: dict[str, str] = {}
    for folder in _CODE_DIRS:
        for path in sorted((root / folder).rglob("*.py")):
            for key in _KEY_LITERAL.findall(path.read_text(encoding="utf-8")):
                used.setdefault(key, str(path.relative_to(root)))
    return used


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_every_key_used_in_code_is_in_the_catalog(language):
    """A key named in code but missing from a catalog shows up as the raw key (or, in English, as
    Chinese) on the page; the two catalogs have every key the code names."""
    from operational.i18n import catalog

    known = catalog(language)
    # Prefixes that code completes at run time (t(f"ui.col.{name}")) are not keys themselves.
    prefixes = {k.rsplit(".", 1)[0] for k in known} | {k for k in known}
    missing = {key: where for key, where in _keys_used_in_code().items()
               if key not in known and key not in prefixes and not any(p.startswith(key + ".") for p in known)}
    assert not missing, missing


def test_all_catalog_files_have_the_same_keys_in_both_languages():
    from operational.i18n import catalog

    assert set(catalog("zh_CN")) == set(catalog("en"))
