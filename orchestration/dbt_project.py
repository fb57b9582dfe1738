"""The dbt project (``transforms/``) as Dagster sees it, and a manifest that is never stale.

``dagster dev`` re-parses through ``prepare_if_dev()``. The CLI and tests load the code location
without ``dagster dev``, so they re-parse whenever a file of the project is newer than the
manifest: a teammate's new model shows up in the next ``jxc pipeline run`` without a manual step.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject

from operational.settings import PROJECT_ROOT, get_settings
from orchestration.home import ensure_venv_on_path

TRANSFORMS_DIR = Path(os.environ.get("JXC_DBT_PROJECT_DIR", PROJECT_ROOT / "transforms")).resolve()
# Folders dbt writes into; their files must not count as "the project changed".
_GENERATED = {"target", "logs", "dbt_packages"}

dbt_project = DbtProject(project_dir=TRANSFORMS_DIR, profiles_dir=TRANSFORMS_DIR)


def export_warehouse_path(path: Path | None = None) -> None:
    """The dbt profile reads the DuckDB path from JXC_WAREHOUSE_PATH (default: from the settings)."""
    os.environ["JXC_WAREHOUSE_PATH"] = str(path or get_settings().warehouse_path)


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for path in project_dir.rglob("*"):
        rel = path.relative_to(project_dir).parts
        if rel and rel[0] in _GENERATED:
            continue
        if path.is_file() and path.suffix in {".sql", ".yml", ".yaml", ".csv", ".md"}:
            newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(project.project_dir)


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the project if ``dagster dev`` runs or the manifest is missing or older than a source."""
    if "JXC_WAREHOUSE_PATH" not in os.environ:
        export_warehouse_path()
    ensure_venv_on_path()
    if project.preparer.using_dagster_dev():
        project.prepare_if_dev()
    elif manifest_is_stale(project):
        project.preparer.prepare(project)
    return project.manifest_path


@cache
def load_manifest(path: Path) -> Mapping[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def mart_nodes(manifest: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The models under ``models/marts`` (dims, facts and marts): what the serving file copies."""
    return sorted(
        (
            node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and "marts" in node["fqn"][1:-1]
        ),
        key=lambda node: node["name"],
    )


def marts_schema(manifest: Mapping[str, Any]) -> str:
    """The DuckDB schema dbt builds the marts into (``marts``, or ``main_marts`` without an override)."""
    schemas = {node["schema"] for node in mart_nodes(manifest)}
    if len(schemas) != 1:
        raise ValueError(f"expected the marts in one schema, found {sorted(schemas) or 'none'}")
    return schemas.pop()
