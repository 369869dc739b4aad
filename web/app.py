"""The web face: server-rendered pages in Russian and a JSON API, over the same store and operations.

`create_app()` builds the FastAPI application; `roadmap web` serves it with uvicorn. The pages hold no
logic of their own: they resolve who is asking (a session cookie or an API token) and when (one Clock
per request), narrow what is asked to the user's scope, call an operation, and render its result.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.engine import Engine

from models.db import open_store
from models.ru import format_date, plural
from models.settings import Settings, get_settings
from notifications.dispatch import Notifier
from notifications.links import read_link, site_secret
from notifications.smtp import SmtpNotifier
from operations.context import Actor, Clock, Context
from operations.milestones import organisations_of
from tasks.accounts import ROLE_RU, session_for, user_for_api_token
from web.scope import Scope

COOKIE = "roadmap_session"


class SignInRequired(Exception):
    """A page was asked for without a session: the handler redirects to the sign-in page."""

    def __init__(self, next_path: str, email: str = "") -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.email = email


class RateLimiter:
    """At most `limit` attempts per key in a sliding `window` of seconds (in this process)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now = self.clock()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


@dataclass
class WebState:
    engine: Engine
    settings: Settings
    clock: Callable[[], Clock]
    mailer: Notifier
    templates: Environment
    secret: str
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(limit=5, window=600))
    secure_cookies: bool = False


@dataclass
class Viewer:
    """Who is asking, resolved once per request: the user, their scope, the context operations get."""

    ctx: Context
    scope: Scope
    csrf: str = ""

    @property
    def user(self) -> Any:
        return self.scope.user


# what the history says of each action, in Russian (an action not listed is shown as it is stored)
ACTION_RU = {
    "milestone.completed": "отмечено выполнение", "milestone.reopened": "выполнение отменено для исправления",
    "milestone.scheduled": "назначен срок", "milestones.retired": "вехи сняты с плана",
    "roadmap.synced": "загружена дорожная карта", "roadmap.version.loaded": "загружена версия плана",
    "sweep.decided": "определены напоминания", "reminder.sent": "отправлены напоминания",
    "reminder.failed": "напоминания не отправлены", "monitoring.snapshot": "снимок мониторинга",
    "monitoring.notice.queued": "уведомление о мониторинге поставлено в очередь",
    "monitoring.notice.sent": "отправлено уведомление о мониторинге",
    "monitoring.notice.failed": "уведомление о мониторинге не отправлено", "indicators.loaded": "загружены показатели",
    "mentorship.participants.loaded": "загружены участники", "mentorship.pairs.accepted": "утверждены пары",
    "outbox.retry_requested": "назначена повторная отправка", "user.added": "добавлен пользователь",
    "user.disabled": "пользователь отключён", "user.token_issued": "выдан токен API",
    "user.tokens_revoked": "токены API отозваны", "user.password_set": "задан пароль",
}  # fmt: skip


def ru_moment(value: str | datetime) -> str:
    """«2 декабря 2026 г., 17:47» from a local ISO timestamp (as events store it) or an aware datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{format_date(moment.date())}, {moment:%H:%M}"


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ru_date"] = lambda d: format_date(d) if d else "—"
    env.filters["ru_moment"] = ru_moment
    env.filters["ru_action"] = lambda action: ACTION_RU.get(action, action)
    env.globals["plural"] = plural
    env.globals["ROLE_RU"] = ROLE_RU
    return env


def state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def _scope(ctx: Context, user: Any) -> Scope:
    orgs = organisations_of(ctx, user.municipality) if user.role == "coordinator" and user.municipality else None
    return Scope(user, orgs)


def viewer(request: Request) -> Viewer | None:
    """The signed-in user of this request (a session cookie), or None."""
    web = state(request)
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    clock = web.clock()
    from models.db import session_scope

    with session_scope(web.engine, readonly=True) as session:
        found = session_for(session, token, clock.now)
    if found is None:
        return None
    user, web_session = found
    ctx = Context(web.engine, Actor(user.email, "web", f"web session {web_session.id}"), clock, web.settings)
    return Viewer(ctx, _scope(ctx, user), web_session.csrf)


def page_viewer(request: Request) -> Viewer:
    """The signed-in user, or a redirect to the sign-in page that comes back here."""
    found = viewer(request)
    if found is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path)
    return found


def api_viewer(request: Request) -> Viewer | None:
    """The user of a personal API token (Authorization: Bearer TOKEN), or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    web = state(request)
    clock = web.clock()
    from models.db import session_scope

    with session_scope(web.engine) as session:
        user = user_for_api_token(session, token.strip(), clock.now)
        if user is None:
            return None
        session.expunge(user)
    ctx = Context(web.engine, Actor(user.email, "api", "personal API token"), clock, web.settings)
    return Viewer(ctx, _scope(ctx, user))


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    web = state(request)
    found: Viewer | None = values.pop("viewer", None)
    html = web.templates.get_template(name).render(
        request=request, viewer=found, user=found.user if found else None, csrf=found.csrf if found else "",
        **values,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status_code)


def read_milestone_link(web: WebState, token: str) -> dict[str, Any] | None:
    return read_link(web.secret, token)


def site_url(request: Request) -> str:
    """Where the pages are reached: ROADMAP_WEB_URL, else the address this request came to."""
    configured: str = state(request).settings.web_url
    return (configured or str(request.base_url)).rstrip("/")


def create_app(
    *,
    db_url: str | None = None,
    settings: Settings | None = None,
    clock: Callable[[], Clock] = Clock,
    mailer: Notifier | None = None,
) -> FastAPI:
    """The application over the store at `db_url` (default the settings' store)."""
    from web import api, feeds, mentorship, pages, reports

    settings = settings or get_settings()
    engine = open_store(db_url or settings.db_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Дорожные карты наставничества: API",
        description="Вехи дорожных карт, видимые пользователю, и отметка о выполнении. "
        "Авторизация: персональный токен (Authorization: Bearer TOKEN).",
        version="1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    secret = site_secret(settings)
    app.state.web = WebState(
        engine=engine, settings=settings, clock=clock, mailer=mailer or SmtpNotifier(settings.smtp_url),
        templates=templates(), secret=secret,
        secure_cookies=settings.web_url.startswith("https://"),
    )  # fmt: skip

    @app.exception_handler(SignInRequired)
    async def _to_sign_in(request: Request, exc: SignInRequired) -> Response:
        from urllib.parse import urlencode

        query = {"next": exc.next_path} | ({"email": exc.email} if exc.email else {})
        return RedirectResponse(f"/auth/signin?{urlencode(query)}", status_code=303)

    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(mentorship.router)
    app.include_router(reports.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/api/docs"):
            response.headers.setdefault(
                "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
            )
        return response

    return app
