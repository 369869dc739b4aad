"""Bad plan files: each mistake gives one located, readable error (file:line:column: field: message)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from models.loader import PlanError, load_plan

VALID = """\
id: sample
title: Тестовый план
issuer: Управление образования
order: {number: "1", date: "01.02.2021"}
level: municipality
territory: {region: Тестовая область, municipality: Тестовый район}
timezone: Europe/Moscow
period: {start: 2021-01-01, end: 2021-12-31}
parties:
  - id: uo
    kind: body
    name: УО
  - id: oo_head
    kind: role
    role: head
    name: Руководители ОО
    per_organisation: true
    org_kinds: [ОО]
    escalates_to: uo
sections:
  - number: "1"
    title: Раздел
    items:
      - number: "1.1"
        title: Приказ
        deadline: до 01.03.2021
        responsible: [uo]
        result: Приказ УО
      - number: "1.2"
        title: Дорожные карты ОО
        deadline: март - апрель 2021 г.
        responsible: [oo_head]
        result: Дорожные карты
        scope: {per_organisation: [ОО]}
        depends_on: ["1.1"]
"""


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(PlanError) as err:
        load_plan(path)
    return [str(issue) for issue in err.value.issues]


def test_the_valid_sample_loads(tmp_path):
    roadmap = load_plan(write(tmp_path, VALID))
    assert [i.number for i in roadmap.items] == ["1.1", "1.2"]


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    bad = VALID.replace("title: Приказ\n", "title: [Приказ\n")
    [message] = errors_of(tmp_path, bad)
    assert message.startswith(f"{tmp_path / 'plan.yaml'}:")
    assert "YAML syntax error" in message
    line = int(message.split(":")[1])
    assert 25 <= line <= 27  # the unclosed bracket on line 25 is noticed on the following lines


def test_wrong_type_says_what_was_expected_and_found(tmp_path):
    bad = VALID.replace("period: {start: 2021-01-01, end: 2021-12-31}", "period: {start: soon, end: 2021-12-31}")
    [message] = errors_of(tmp_path, bad)
    assert message == (
        f"{tmp_path / 'plan.yaml'}:8:17: period.start: input should be a valid date or datetime, "
        "input is too short; found «soon» (str)"
    )


def test_unknown_key_is_an_error_listing_the_keys_accepted(tmp_path):
    bad = VALID.replace("        result: Приказ УО\n", "        result: Приказ УО\n        owner: someone\n")
    [message] = errors_of(tmp_path, bad)
    assert message.startswith(
        f"{tmp_path / 'plan.yaml'}:29:9: sections[0].items[0].owner: unknown key; expected one of: number,"
    )
    assert "deadline" in message and "responsible" in message


def test_unknown_party_is_named_with_the_known_ones(tmp_path):
    bad = VALID.replace("responsible: [uo]", "responsible: [uo, ministry]")
    [message] = errors_of(tmp_path, bad)
    assert message == (
        f"{tmp_path / 'plan.yaml'}:27:27: sections[0].items[0].responsible[1]: unknown party «ministry»; "
        "known parties: uo, oo_head"
    )


def test_duplicate_item_number_points_at_the_second_one(tmp_path):
    bad = VALID.replace('number: "1.2"', 'number: "1.1"')
    messages = errors_of(tmp_path, bad)
    assert messages[0] == (
        f"{tmp_path / 'plan.yaml'}:29:17: sections[0].items[1].number: duplicate item number «1.1» "
        "(first at sections[0].items[0])"
    )
    # the renamed item now depends on its own number, which is reported too
    assert messages[1:] == [
        f"{tmp_path / 'plan.yaml'}:35:22: sections[0].items[1].depends_on[0]: item 1.1 depends on itself"
    ]


def test_depends_on_a_missing_item(tmp_path):
    bad = VALID.replace('depends_on: ["1.1"]', 'depends_on: ["1.9"]')
    [message] = errors_of(tmp_path, bad)
    assert message == (
        f"{tmp_path / 'plan.yaml'}:35:22: sections[0].items[1].depends_on[0]: depends on item «1.9», "
        "which is not in this roadmap"
    )


def test_dependency_cycle_is_reported(tmp_path):
    bad = VALID.replace("        result: Приказ УО\n", '        result: Приказ УО\n        depends_on: ["1.2"]\n')
    messages = errors_of(tmp_path, bad)
    assert any(
        "dependency cycle: 1.1 -> 1.2 -> 1.1" in m or "dependency cycle: 1.2 -> 1.1 -> 1.2" in m for m in messages
    )


def test_window_that_ends_before_it_starts(tmp_path):
    bad = VALID.replace(
        "deadline: до 01.03.2021",
        "deadline: {text: 'по приказу', kind: window, start: 2021-05-01, end: 2021-03-01}",
    )
    [message] = errors_of(tmp_path, bad)
    assert message == (
        f"{tmp_path / 'plan.yaml'}:26:9: sections[0].items[0].deadline: "
        "window ends (2021-03-01) before it starts (2021-05-01)"
    )


def test_period_that_ends_before_it_starts(tmp_path):
    bad = VALID.replace("period: {start: 2021-01-01, end: 2021-12-31}", "period: {start: 2021-12-31, end: 2021-01-01}")
    messages = errors_of(tmp_path, bad)
    assert f"{tmp_path / 'plan.yaml'}:8:1: period: period ends (2021-01-01) before it starts (2021-12-31)" in messages


def test_unreadable_deadline_shows_the_phrase(tmp_path):
    bad = VALID.replace("deadline: до 01.03.2021", "deadline: V квартал 2021")
    [message] = errors_of(tmp_path, bad)
    assert message.startswith(
        f"{tmp_path / 'plan.yaml'}:26:19: sections[0].items[0].deadline: cannot read deadline «V квартал 2021»: "
        "quarter must be 1-4 (I, II, III, IV), found «V»"
    )


def test_missing_required_key(tmp_path):
    bad = VALID.replace("        result: Приказ УО\n", "")
    [message] = errors_of(tmp_path, bad)
    assert message == f"{tmp_path / 'plan.yaml'}:24:9: sections[0].items[0].result: required key is missing"


def test_per_organisation_party_in_a_roadmap_scoped_item(tmp_path):
    bad = VALID.replace("responsible: [uo]", "responsible: [oo_head]")
    [message] = errors_of(tmp_path, bad)
    assert message.endswith(
        "sections[0].items[0].responsible[0]: party «oo_head» is per organisation, so the item needs "
        "'scope: {per_organisation: [ОО]}'"
    )


def test_unknown_time_zone_suggests_a_close_one(tmp_path):
    bad = VALID.replace("timezone: Europe/Moscow", "timezone: Moscow")
    [message] = errors_of(tmp_path, bad)
    assert (
        message
        == f"{tmp_path / 'plan.yaml'}:7:11: timezone: unknown IANA time zone «Moscow»; did you mean Europe/Moscow?"
    )


def test_duplicate_yaml_key_is_an_error(tmp_path):
    bad = VALID.replace("level: municipality\n", "level: municipality\nlevel: region\n")
    [message] = errors_of(tmp_path, bad)
    assert "YAML syntax error" in message and "duplicate key" in message


def test_cli_validate_prints_located_errors_and_exits_2(tmp_path):
    good = write(tmp_path, VALID, "good.yaml")
    bad = write(tmp_path, VALID.replace("responsible: [uo]", "responsible: [ministry]"), "bad.yaml")
    result = CliRunner().invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"ok {good}: sample, 2 items, 0 indicators" in result.stdout
    assert f"{bad}:27:23: sections[0].items[0].responsible[0]: unknown party «ministry»" in result.stderr
    assert "1 valid, 1 invalid" in result.stderr
    assert "Traceback" not in result.output


def test_cli_validate_a_missing_file(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope.yaml'}:0:0: no such file" in result.stderr


def test_cli_validate_an_empty_folder(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no plan files (*.yaml, *.yml) found in: {tmp_path}" in result.stderr


def test_a_file_that_is_not_a_mapping(tmp_path):
    [message] = errors_of(tmp_path, "- just\n- a list\n")
    assert message == f"{tmp_path / 'plan.yaml'}:1:1: expected a mapping at the top of the file, found a list"
