"""Property-based test of the JSON API against its own OpenAPI description (schemathesis).

Hypothesis generates requests for every operation of /api (valid and invalid parameters and bodies),
sent with a real personal token to the application over a real store; no request may end in a
server error, and every response must match the description (status codes and bodies).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from notifications.dispatch import RecordingNotifier
from operations.context import Actor, Clock, Context
from operations.users import add_user, issue_token
from tests.helpers.sechenovsky import PLAN, load_registry, sync
from web.app import create_app

NOW = datetime(2020, 5, 25, 7, tzinfo=UTC)


@pytest.fixture
def api_schema(tmp_path, monkeypatch):
    from models.db import open_store
    from models.settings import get_settings

    monkeypatch.setenv("ROADMAP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    ctx = Context(engine, Actor("operator", "test"), Clock(NOW))
    add_user(ctx, email="curator@example.org", role="curator", org_id="sech-oo-01")
    token = issue_token(ctx, email="curator@example.org")
    engine.dispose()
    app = create_app(db_url=url, clock=lambda: Clock(NOW), mailer=RecordingNotifier())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    schema.token = token  # type: ignore[attr-defined]
    return schema


def test_the_api_never_answers_with_a_server_error_and_keeps_to_its_description(api_schema):
    # (schemathesis.pytest.from_fixture does not work with this pytest: each operation is driven here)
    token = api_schema.token
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {(o.method.upper(), o.path) for o in operations} >= {
        ("GET", "/api/milestones"), ("POST", "/api/milestones/{milestone_id}/complete"), ("GET", "/api/me")
    }  # fmt: skip
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

        check()
