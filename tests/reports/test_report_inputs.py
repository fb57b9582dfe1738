"""Managers' reports without a pipeline run: nothing published yet, unknown report or language —
each refused with a clear message naming what is wrong, and no file written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from operational.services.errors import ValidationError
from orchestration.cli import app
from reports import render_report


def test_nothing_published_is_refused_in_both_languages(data_dir: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        render_report("weekly")
    assert caught.value.code == "reports_not_published"
    assert "jxc pipeline run" in caught.value.message("zh_CN") and "Nothing is published" in caught.value.message("en")
    assert not (data_dir / "reports").exists()
    result = CliRunner().invoke(app, ["report", "daily"])
    assert result.exit_code == 1 and "jxc pipeline run" in result.output


def test_unknown_report_language_or_date_text(data_dir: Path) -> None:
    with pytest.raises(ValidationError) as kind:
        render_report("yearly")  # type: ignore[arg-type]
    assert kind.value.field == "kind" and "yearly" in kind.value.message("en")
    with pytest.raises(ValidationError) as lang:
        render_report("daily", lang="fr")
    assert lang.value.field == "lang" and "fr" in lang.value.message("en")
    bad = CliRunner().invoke(app, ["report", "daily", "--date", "2026-13-01"])
    assert bad.exit_code == 1 and "2026-13-01" in bad.output
