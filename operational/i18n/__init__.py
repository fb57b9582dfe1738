"""Translation catalog shared by services (error messages) and dashboards (every visible word).

Catalogs are JSON files under ``operational/i18n/<language>/``, one file per area
(``errors.json``, ``ui.json``, ...), merged per language. zh_CN is the default; a key missing
from a language falls back to zh_CN, then to the key itself, so a gap shows up as the key.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")


@cache
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = CATALOG_DIR / language
    for path in sorted(folder.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def translate(key: str, language: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """The text for ``key`` in ``language`` with ``{name}`` placeholders filled from ``params``."""
    text = catalog(language).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
