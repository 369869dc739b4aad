"""The pages, in Russian: sign-in by a one-time link, the curator's milestones, one milestone with its
completion form and history, the operator's board, a coordinator's municipality, the auditor's history."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from models.db import session_scope
from models.ru import format_date
from operations.board import board, outbox_rows, retry_failed
from operations.milestones import (
    CompletionError,
    NotFound,
    ScheduleError,
    complete_milestone,
    list_milestones,
    milestone_view,
    schedule_milestone,
)
from operations.reports import board_timeline, report_links, snapshot_charts
from tasks.accounts import (
    AccountError,
    check_password,
    end_session,
    find_user,
    new_feed_token,
    new_signin_link,
    open_session,
    safe_next,
    use_signin_link,
)
from tasks.status import StatusFilter
from web.app import (
    COOKIE,
    SignInRequired,
    Viewer,
    page_viewer,
    read_milestone_link,
    render,
    site_url,
    state,
    viewer,
)

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
STATUS_RU = {"planned": "запланировано", "due": "срок наступил", "overdue": "просрочено", "done": "выполнено",
             "waiting-for-date": "ждёт даты", "retired": "снято с плана"}  # fmt: skip


class Forbidden(Exception):
    pass


def _check_csrf(found: Viewer, token: str) -> None:
    if not found.csrf or token != found.csrf:
        raise Forbidden("форма устарела: обновите страницу и отправьте её снова")


def _forbidden(request: Request, found: Viewer | None, message: str) -> HTMLResponse:
    return render(request, "error.html.j2", status_code=403, viewer=found, title="Доступ запрещён", message=message)


# -- sign-in ------------------------------------------------------------------------------------------


@router.get("/auth/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/", email: str = "") -> HTMLResponse:
    return render(request, "signin.html.j2", next=safe_next(next), email=email, message="")


@router.post("/auth/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    web = state(request)
    address = email.strip().lower()
    client = request.client.host if request.client else "?"
    if not web.limiter.allow(f"ip:{client}") or not web.limiter.allow(f"email:{address}"):
        return render(request, "signin.html.j2", status_code=429, next=safe_next(next), email=address,
                      message="Слишком много попыток входа. Подождите 10 минут и попробуйте снова.")  # fmt: skip
    clock = web.clock()
    if password:
        with session_scope(web.engine) as session:
            user = check_password(session, email=address, password=password)
            if user is None:
                return render(request, "signin.html.j2", status_code=401, next=safe_next(next), email=address,
                              message="Неверный адрес или пароль.")  # fmt: skip
            signed = open_session(session, user=user, how="password", now=clock.now, next_path=next)
        return _signed_in(web, signed.token, signed.next_path)
    with session_scope(web.engine) as session:
        user = find_user(session, address)
        usable = user is not None and user.disabled_at is None
        token = new_signin_link(session, user=user, next_path=next, now=clock.now) if usable and user else None
    if token is not None:
        link = f"{site_url(request)}/auth/link/{token}"
        text = (
            f"Здравствуйте!\n\nДля входа в систему дорожных карт наставничества откройте ссылку:\n{link}\n\n"
            "Ссылка действует 20 минут и только один раз. Если вы не запрашивали вход, ничего не делайте.\n"
        )
        html = web.templates.get_template("mail_signin.html.j2").render(link=link)
        web.mailer.send(address, "Вход в систему дорожных карт наставничества", text, html)  # fmt: skip
    # the same answer whether or not the address is known: the page tells nobody who has an account
    return render(request, "signin_sent.html.j2", email=address)


def _signed_in(web, token: str, next_path: str) -> Response:  # type: ignore[no-untyped-def]
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=web.secure_cookies, max_age=12 * 3600)
    return response


@router.get("/auth/link/{token}", response_class=HTMLResponse)
def link_confirm(request: Request, token: str) -> HTMLResponse:
    # a button, not an automatic sign-in: mail scanners that open links must not spend them
    return render(request, "link.html.j2", token=token)


@router.post("/auth/link/{token}")
def link_use(request: Request, token: str) -> Response:
    web = state(request)
    try:
        with session_scope(web.engine) as session:
            signed = use_signin_link(session, token, web.clock().now)
    except AccountError as exc:
        return render(request, "error.html.j2", status_code=400, title="Вход не выполнен", message=str(exc))
    return _signed_in(web, signed.token, signed.next_path)


@router.post("/auth/signout")
def signout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    found = viewer(request)
    web = state(request)
    if found is not None and csrf == found.csrf:
        with session_scope(web.engine) as session:
            end_session(session, request.cookies.get(COOKIE, ""), web.clock().now)
    response = RedirectResponse("/auth/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# -- home, milestones ---------------------------------------------------------------------------------


@router.get("/")
def home(found: Annotated[Viewer, Depends(page_viewer)]) -> Response:
    target = {"curator": "/milestones", "auditor": "/audit"}.get(found.user.role, "/board")
    return RedirectResponse(target, status_code=303)


@router.get("/m/{token}")
def signed_link(request: Request, token: str) -> Response:
    """A digest's link: straight to the milestone, signing in on the way (the address prefilled)."""
    data = read_milestone_link(state(request), token)
    if data is None:
        return render(request, "error.html.j2", status_code=400, title="Ссылка недействительна",
                      message="Ссылка устарела или повреждена. Откройте список вех после входа.")  # fmt: skip
    target = f"/milestones/{data['m']}"
    if viewer(request) is None:
        raise SignInRequired(target, str(data.get("to", "")))
    return RedirectResponse(target, status_code=303)


def _filter(status: str, roadmap: str, org: str, party: str) -> StatusFilter:
    return StatusFilter(roadmap=roadmap or None, org=org or None, party=party or None,
                        include_all=status in ("all", "done", "retired"),
                        status=status if status in STATUS_RU else None)  # fmt: skip


@router.get("/milestones", response_class=HTMLResponse)
def milestones(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    status: str = "",
    roadmap: str = "",
    org: str = "",
    party: str = "",
    page: int = 0,
) -> HTMLResponse:
    f = found.scope.narrow(_filter(status, roadmap, org, party))
    result = list_milestones(found.ctx, f=f, limit=PER_PAGE, offset=max(page, 0) * PER_PAGE)
    query = {"status": status, "roadmap": roadmap, "org": org, "party": party}
    return render(request, "milestones.html.j2", viewer=found, page=result, page_no=max(page, 0), per_page=PER_PAGE,
                  STATUS_RU=STATUS_RU, query=query, qs=lambda **kw: urlencode({**query, **kw}))  # fmt: skip


@router.get("/milestones/{milestone_id}", response_class=HTMLResponse)
def milestone(request: Request, milestone_id: int, found: Annotated[Viewer, Depends(page_viewer)]) -> HTMLResponse:
    try:
        view = milestone_view(found.ctx, milestone_id)
    except NotFound as exc:
        return render(request, "error.html.j2", status_code=404, viewer=found, title="Не найдено", message=str(exc))
    if not found.scope.may_see(view.milestone):
        return _forbidden(request, found, "Эта веха относится к другой организации.")
    acting = found.scope.acting_party(view.plan, view.milestone)
    return render(request, "milestone.html.j2", viewer=found, view=view, acting=acting, STATUS_RU=STATUS_RU,
                  today=found.ctx.clock.today(view.milestone.timezone), error="", receipt=None)  # fmt: skip


@router.post("/milestones/{milestone_id}/complete", response_class=HTMLResponse)
async def complete(
    request: Request,
    milestone_id: int,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    evidence: Annotated[str, Form()] = "",
    doc_number: Annotated[str, Form()] = "",
    doc_date: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    try:
        _check_csrf(found, csrf)
    except Forbidden as exc:
        return _forbidden(request, found, str(exc))
    try:
        view = milestone_view(found.ctx, milestone_id)
    except NotFound as exc:
        return render(request, "error.html.j2", status_code=404, viewer=found, title="Не найдено", message=str(exc))
    acting = found.scope.acting_party(view.plan, view.milestone)
    if acting is None:
        return _forbidden(request, found, "Отметить выполнение этой вехи вы не можете: она не относится к вашей "
                                          "организации или ответственность за неё выше вашей.")  # fmt: skip
    error = ""
    receipt = None
    upload: Path | None = None
    try:
        parsed_date = date.fromisoformat(doc_date) if doc_date else None
        if file is not None and file.filename:
            with tempfile.NamedTemporaryFile(delete=False, prefix="upload-") as tmp:
                while chunk := await file.read(1 << 20):
                    tmp.write(chunk)
                upload = Path(tmp.name)
        receipt = complete_milestone(found.ctx, milestone_id=milestone_id, evidence=evidence, by=acting,
                                     doc_number=doc_number or None, doc_date=parsed_date, file=upload,
                                     file_name=file.filename if upload and file else None)  # fmt: skip
    except ValueError:
        error = f"Дата документа: ожидается дата вида 2020-05-25, получено «{doc_date}»."
    except CompletionError as exc:
        error = str(exc)
    finally:
        if upload is not None:
            upload.unlink(missing_ok=True)
    view = milestone_view(found.ctx, milestone_id)
    return render(request, "milestone.html.j2", status_code=200 if receipt else 400, viewer=found, view=view,
                  acting=acting, STATUS_RU=STATUS_RU, today=found.ctx.clock.today(view.milestone.timezone),
                  error=error, receipt=receipt)  # fmt: skip


@router.post("/milestones/{milestone_id}/schedule", response_class=HTMLResponse)
def schedule(
    request: Request,
    milestone_id: int,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    window: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Give a milestone that waits for a date its window, in the deadline grammar's words."""
    try:
        _check_csrf(found, csrf)
        view = milestone_view(found.ctx, milestone_id)
    except Forbidden as exc:
        return _forbidden(request, found, str(exc))
    except NotFound as exc:
        return render(request, "error.html.j2", status_code=404, viewer=found, title="Не найдено", message=str(exc))
    acting = found.scope.acting_party(view.plan, view.milestone)
    if acting is None:
        return _forbidden(request, found, "Назначить срок этой вехи вы не можете.")
    error = ""
    try:
        schedule_milestone(found.ctx, milestone_id=milestone_id, window=window, by=acting, note=note or None)
    except ScheduleError as exc:
        error = str(exc)
    view = milestone_view(found.ctx, milestone_id)
    return render(request, "milestone.html.j2", status_code=400 if error else 200, viewer=found, view=view,
                  acting=acting, STATUS_RU=STATUS_RU, today=found.ctx.clock.today(view.milestone.timezone),
                  error=error, receipt=None)  # fmt: skip


# -- operator, coordinator, auditor -------------------------------------------------------------------


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    roadmap: str = "",
    municipality: str = "",
    org: str = "",
    party: str = "",
    status: str = "",
    page: int = 0,
) -> HTMLResponse:
    if found.user.role == "curator":
        return _forbidden(request, found, "Сводка доступна оператору, координаторам и аудиторам.")
    f = found.scope.narrow(_filter(status, roadmap, org, party))
    if found.user.role == "coordinator":
        municipality = found.user.municipality or ""
    data = board(found.ctx, f=f, municipality=municipality or None, page=max(page, 0))
    timeline = board_timeline(found.ctx, roadmap_id=data.roadmap_id, municipality=municipality or None
                              ) if data.roadmap_id else ""  # fmt: skip
    charts = snapshot_charts(found.ctx, roadmap_id=data.roadmap_id) if data.roadmap_id else None
    query = {"roadmap": data.roadmap_id or "", "municipality": municipality, "org": org, "party": party,
             "status": status}  # fmt: skip
    return render(request, "board.html.j2", viewer=found, board=data, query=query, page_no=max(page, 0),
                  STATUS_RU=STATUS_RU, timeline=Markup(timeline), charts=charts,
                  Markup=Markup, qs=lambda **kw: urlencode({**query, **kw}),
                  outbox=outbox_rows(found.ctx, state="failed", roadmap_id=data.roadmap_id, limit=20)
                  if found.user.role == "operator" else [])  # fmt: skip


@router.post("/outbox/retry")
def outbox_retry(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    roadmap: Annotated[str, Form()] = "",
) -> Response:
    if found.user.role != "operator":
        return _forbidden(request, found, "Повторную отправку назначает оператор.")
    try:
        _check_csrf(found, csrf)
    except Forbidden as exc:
        return _forbidden(request, found, str(exc))
    retry_failed(found.ctx, roadmap_id=roadmap or None)
    return RedirectResponse(f"/board?{urlencode({'roadmap': roadmap})}", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, found: Annotated[Viewer, Depends(page_viewer)], milestone: int = 0, again: int = 0
) -> HTMLResponse:
    if found.user.role not in ("auditor", "operator"):
        return _forbidden(request, found, "История изменений доступна аудитору и оператору.")
    from operations.audit_view import audit_overview

    overview = audit_overview(found.ctx, milestone_id=milestone or None, again=bool(again))
    return render(request, "audit.html.j2", viewer=found, overview=overview, reports=report_links(found.ctx))


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, found: Annotated[Viewer, Depends(page_viewer)]) -> HTMLResponse:
    return render(request, "calendar.html.j2", viewer=found, feed_url="")


@router.post("/calendar", response_class=HTMLResponse)
def calendar_new(
    request: Request, found: Annotated[Viewer, Depends(page_viewer)], csrf: Annotated[str, Form()] = ""
) -> HTMLResponse:
    try:
        _check_csrf(found, csrf)
    except Forbidden as exc:
        return _forbidden(request, found, str(exc))
    web = state(request)
    from models.store import WebUser

    with session_scope(web.engine) as session:
        user = session.get(WebUser, found.user.id)
        assert user is not None
        token = new_feed_token(session, user=user)
    url = f"{site_url(request)}/calendar/{token}.ics"
    return render(request, "calendar.html.j2", viewer=found, feed_url=url)


def ru_date(value: date | None) -> str:
    return format_date(value) if value else "—"
