"""prefect.yaml stays true: every deployment points at a real flow and passes parameters it takes."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = YAML(typ="safe").load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_deployment_entrypoint_is_a_flow_that_takes_its_parameters(deployment):
    from prefect import Flow

    path, name = deployment["entrypoint"].split(":")
    assert (ROOT / path).is_file(), f"{path} does not exist"
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name)
    assert isinstance(flow, Flow)
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(deployment.get("parameters") or {}) <= accepted
    assert deployment["work_pool"]["name"] == "roadmap"


def test_every_sweep_deployment_runs_at_nine_local_time_in_its_own_zone():
    sweeps = [d for d in DEPLOYMENTS if d["entrypoint"] == "flows/sweep.py:sweep"]
    assert {z for d in sweeps for z in d["parameters"]["timezones"]} == {
        "Europe/Moscow", "Asia/Yekaterinburg", "Asia/Tomsk"
    }  # fmt: skip
    for d in sweeps:
        [schedule] = d["schedules"]
        assert schedule["cron"] == "0 9 * * *"
        assert [schedule["timezone"]] == d["parameters"]["timezones"]
