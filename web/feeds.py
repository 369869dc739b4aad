"""Calendar feeds: a user's milestones as iCalendar events, behind a per-user revocable token."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from icalendar import Calendar, Event

from models.db import session_scope
from operations.context import Actor, Context
from operations.status import stream_milestones
from tasks.accounts import user_for_feed
from tasks.status import StatusFilter
from web.app import _scope, site_url, state

router = APIRouter(include_in_schema=False)


@router.get("/calendar/{token}.ics")
def feed(request: Request, token: str) -> Response:
    """Every open milestone of the user's scope with a window: an all-day event over the window, in its zone."""
    web = state(request)
    with session_scope(web.engine, readonly=True) as session:
        user = user_for_feed(session, token)
        if user is not None:
            session.expunge(user)
    if user is None:
        return Response("нет такого календаря (ссылка отозвана?)", status_code=404, media_type="text/plain")
    ctx = Context(web.engine, Actor(user.email, "web", "calendar token"), web.clock(), web.settings)
    scope = _scope(ctx, user)
    calendar = Calendar()
    calendar.add("prodid", "-//roadmap-engine//ЦМН//RU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Дорожные карты наставничества")
    base = site_url(request)
    for row in stream_milestones(ctx, f=scope.narrow(StatusFilter())):
        if row.end is None:
            continue
        event = Event()
        event.add("uid", f"milestone-{row.id}@roadmap-engine")
        event.add("summary", f"{row.item}. {row.title}" + (f" — {row.org_name}" if row.org_name else ""))
        # all-day events: DTEND is exclusive, so the window's last day is included
        event.add("dtstart", row.start or row.end)
        event.add("dtend", row.end + timedelta(days=1))
        event.add("dtstamp", ctx.now)
        event.add("url", f"{base}/milestones/{row.id}")
        event.add("description", (f"Результат: {row.result}\n" if row.result else "") + f"{base}/milestones/{row.id}")
        calendar.add_component(event)
    return Response(calendar.to_ical(), media_type="text/calendar; charset=utf-8")
