"""Runtime configuration, read once from the environment.

Every path and URL the product uses comes from here so that tests, the CLI, Dagster and
Streamlit agree on where the store, the warehouse and the serving file live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    language: str
    # Pipeline runs whose Dagster history, logs and dbt artifacts are kept (JXC_KEEP_RUNS).
    keep_runs: int = 20

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def state_path(self) -> Path:
        """JSON file where the pipeline records its last publish and check results."""
        return self.data_dir / "pipeline_state.json"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed, do not cache)."""
    data_dir = Path(os.environ.get("JXC_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    url = os.environ.get("JXC_DATABASE_URL") or f"sqlite:///{data_dir / 'jxc.sqlite'}"
    return Settings(data_dir=data_dir, database_url=url, language=os.environ.get("JXC_LANG", "zh_CN"),
                    keep_runs=max(1, int(os.environ.get("JXC_KEEP_RUNS") or 20)))
