"""Flow: send what the outbox holds that is due now (the operator's "retry the failed sends" action, every few minutes).

The sweep sends its digests itself; this run picks up what did not go out then (a mail server that
was down, an address refused for a while): failed rows whose backoff has passed (5 min, 30 min, 2 h,
6 h, then daily), and anything queued but unsent after a crash. It decides nothing and sends nothing
twice: the outbox key and the sent mark see to that.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from prefect import flow

from flows.audit_steps import CheckpointRefused, audit_finish, audit_start, run_actor
from flows.prefect_tasks import check_can_send_task, dispatch_task, flow_store, publish_dispatch_summary
from notifications.dispatch import make_notifier
from notifications.links import link_maker
from operations.context import Actor
from outbox.send import DeliveryFailed
from service.timings import mark


@flow(name="dispatch", flow_run_name="dispatch the outbox")
def dispatch(
    db: str | None = None,
    smtp_url: str | None = None,
    now: datetime | None = None,
    roadmaps: list[str] | None = None,
    workers: int = 4,
    external: Literal["send", "record"] = "send",
    actor: Actor | str | None = None,
) -> dict[str, Any]:
    """Send every outbox message due now; the run ends failed (DeliveryFailed) when a send failed.

    Returns {"dispatch": DispatchReport, "lines": [...], "recorded": [...]}.
    """
    settings, engine = flow_store(db)
    now = now or datetime.now(UTC)
    smtp = smtp_url or settings.smtp_url
    who = run_actor(actor, default="dispatch")
    mark("flow-start")
    try:
        check_can_send_task(engine, smtp)
        start = audit_start(engine, actor=who, now=now)
        notifier, recorder = make_notifier(smtp, external=external)
        sent = dispatch_task(engine, notifier=notifier, now=now, workers=workers, roadmaps=roadmaps, actor=who,
                             link_for=link_maker(settings))  # fmt: skip
        lines = sent.lines() if sent.attempted else ["nothing due to send"]
        signed, signing = audit_finish(engine, since=start, actor=who, now=now)
        lines += [signing] if signing else []
        publish_dispatch_summary("## Dispatch\n\n" + "\n".join(f"    {line}" for line in lines) + "\n")
        result = {"dispatch": sent, "lines": lines, "recorded": recorder.sent, "checkpoint": signed}
        if sent.failed:
            raise DeliveryFailed(sent.failure_line(), result)
        if signing and signed is None:
            raise CheckpointRefused(signing, result)
        return result
    finally:
        engine.dispose()
        mark("flow-end")
