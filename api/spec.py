"""Write the OpenAPI document to docs/api/openapi.json: ``python -m api.spec`` after changing a
route or a schema (tests/api/test_api_spec.py fails until the committed file equals the served one)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from api.app import openapi_document

SPEC_PATH = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    SPEC_PATH.parent.mkdir(parents=True, exist_ok=True)
    SPEC_PATH.write_text(render(openapi_document()), encoding="utf-8")
    print(SPEC_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
