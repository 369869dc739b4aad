"""The draft plan as YAML: the plan language, a source location beside every item, a summary at the end."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from importer.build import Counts, ImportResult
from models.loader import PlanError, parse_plan
from models.plan import Roadmap

_KEEP_NULL = {"deadline", "result"}
_ORDER = {
    "section": ["number", "source_number", "title", "review", "items", "sections"],
    "item": ["number", "source_number", "title", "deadline", "responsible", "scope", "result", "targets",
             "targets_text", "target_unit", "review"],
}  # fmt: skip


class ImporterBug(RuntimeError):
    """The importer wrote a plan the loader refuses: a bug in the importer, not a user mistake."""


def _clean(value: Any, *, key: str | None = None) -> Any:
    if isinstance(value, dict):
        out = CommentedMap()
        keys = [k for k in value if not str(k).startswith("_")]
        order = _ORDER["item"] if "deadline" in value else _ORDER["section"] if "items" in value else None
        if order:
            keys = [k for k in order if k in value] + [k for k in keys if k not in order]
        for k in keys:
            v = value[k]
            if v is None and k not in _KEEP_NULL:
                continue
            if isinstance(v, list | dict) and not v and k not in ("items",):
                continue
            if k == "items" and not v and value.get("sections"):
                continue
            out[k] = _clean(v, key=k)
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_clean(v) for v in value)
        if key in ("responsible", "org_kinds", "per_organisation"):
            seq.fa.set_flow_style()
        return seq
    return value


def _annotate(node: CommentedMap, raw: dict[str, Any]) -> None:
    for section_node, section in zip(node.get("sections", []), raw["sections"], strict=True):
        if "_where" in section:
            section_node.yaml_add_eol_comment(f"source: {section['_where']}", "number")
        for item_node, item in zip(section_node.get("items", []), section["items"], strict=True):
            item_node.yaml_add_eol_comment(f"source: {item['_view'].where}", "number")
            if item["deadline"] is None:
                item_node.yaml_add_eol_comment("no deadline in the source", "deadline")
        _annotate(section_node, section)


def summary_lines(counts: Counts) -> list[str]:
    return [
        f"items read: {counts.items}",
        f"deadlines parsed: {counts.deadlines_parsed} of {counts.deadlines} given"
        f" ({counts.deadlines - counts.deadlines_parsed} kept as text, kind unparsed;"
        f" {counts.deadlines_missing} items without a deadline)",
        f"parties matched: {counts.parties_matched} of {counts.mentions} mentions"
        f" ({counts.mentions - counts.parties_matched} unknown, read as bodies)",
        f"indicators read: {counts.indicators}",
        f"notes to review: {counts.review}",
    ]


def render(result: ImportResult, *, name: str) -> tuple[str, Roadmap]:
    """The YAML text of the draft and the plan it validates to; `ImporterBug` if it does not validate."""
    data = _clean(result.plan)
    _annotate(data, result.plan)
    yaml = YAML(typ="rt")
    yaml.width = 4096  # no folding: folded plain scalars keep a trailing space on each line
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    buffer.write("# yaml-language-server: $schema=../models/roadmap.schema.json\n")
    buffer.write(f"# Draft plan made by `roadmap import` from {result.document.path.name} ({result.document.form}).\n")
    buffer.write("# Check every `review:` note against the source, fix what is wrong, then delete the note;\n")
    buffer.write("# `roadmap validate` counts the notes that are left.\n")
    yaml.dump(data, buffer)
    buffer.write("\n# Import summary\n")
    for line in summary_lines(result.counts):
        buffer.write(f"#   {line}\n")
    text = buffer.getvalue()
    try:
        roadmap = parse_plan(text, name)
    except PlanError as exc:
        raise ImporterBug(f"the draft plan does not validate (a bug in the importer):\n{exc}") from None
    return text, roadmap
