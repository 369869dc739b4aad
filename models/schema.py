"""The JSON Schema of a roadmap plan, generated from the pydantic models and shipped for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.plan import Roadmap

SCHEMA_FILE = Path(__file__).with_name("roadmap.schema.json")


def plan_schema() -> dict[str, Any]:
    """The schema of what a plan file may contain (input form: deadlines as wording or mappings)."""
    schema = Roadmap.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "roadmap.schema.json",
        "title": "Roadmap plan (дорожная карта)",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(plan_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> None:
    path.write_text(schema_text(), encoding="utf-8")
