"""The curator's page of the mentorship cycle: the organisation's pairs of the academic year, and forms to
record a meeting's feedback (one answer, or a whole file) and to upload meetings, through the same
operations (and the same checks, line by line) as `roadmap meetings|feedback load`."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mentorship.pairs import AcceptReport, MentorshipError
from operations.mentorship import (
    DEFAULT_MAX_MENTEES,
    accept_pairs,
    pair_steps,
    pairs,
    propose_pairs,
    record_feedback,
    record_meetings,
)
from tasks.complete import CompletionError
from tasks.registry import RegistryError, decode_csv
from web.app import Viewer, page_viewer, render

router = APIRouter(include_in_schema=False)


def _academic_year(viewer: Viewer) -> int:
    today = viewer.ctx.clock.today("Europe/Moscow")
    return today.year if today.month >= 9 else today.year - 1


def _page(request: Request, viewer: Viewer, year: int, *, status_code: int = 200, message: str = "",
          error: str = "", proposal: dict[str, Any] | None = None) -> HTMLResponse:  # fmt: skip
    org = viewer.user.org_id
    rows = pairs(viewer.ctx, org=org, year=year) if org else []
    return render(request, "mentorship.html.j2", status_code=status_code, viewer=viewer, year=year, rows=rows,
                  message=message, error=error, proposal=proposal, max_mentees=DEFAULT_MAX_MENTEES,
                  proposal_csv=_editable(proposal) if proposal else "")  # fmt: skip


def _editable(proposal: dict[str, Any]) -> str:
    """The proposal as the list a curator edits and uploads back: mentor,mentee,form, a row per mentee."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["mentor", "mentee", "form"])
    for group in proposal["pairs"]:
        writer.writerows([group["mentor"], mentee, group["form"]] for mentee in group["mentees"])
    return out.getvalue()


def _accepting_party(viewer: Viewer, year: int) -> tuple[str | None, str]:
    """The party the curator accepts pairs as (the same rule as a completion of the pair-formation step), or
    the reason they cannot."""
    steps = pair_steps(viewer.ctx, org=viewer.user.org_id, year=year)
    if not steps:
        return None, (f"в дорожных картах организации нет мероприятия «формирование наставнических пар» "
                      f"на {year}/{year + 1} учебный год: пары утверждает оператор (roadmap pairs accept)")  # fmt: skip
    for milestone, plan in sorted(steps, key=lambda s: s[0].status == "done"):
        party = viewer.scope.acting_party(plan, milestone)
        if party is not None:
            return party, ""
    return None, "утвердить пары может ответственный за формирование пар: куратору организации это не поручено"


def _accepted_ru(report: AcceptReport) -> str:
    mentees = sum(len(p["mentees"]) for p in report.pairs)
    text = (f"Утверждено пар и групп: {len(report.pairs)} (наставляемых: {mentees})"
            + (", по исправленному списку" if report.edited else ""))  # fmt: skip
    if report.completed:
        done = ", ".join(f"№ {m.id} ({m.item_number})" for m in report.completed)
        text += f". Мероприятие отмечено выполненным (вехи {done}): {report.evidence}"
    elif report.already_done:
        text += ". Мероприятие формирования пар уже было отмечено выполненным."
    return text


@router.get("/mentorship", response_class=HTMLResponse)
def mentorship(request: Request, found: Annotated[Viewer, Depends(page_viewer)], year: int = 0) -> HTMLResponse:
    if found.user.role != "curator":
        return render(request, "error.html.j2", status_code=403, viewer=found, title="Доступ запрещён",
                      message="Пары и обратную связь ведёт куратор организации.")  # fmt: skip
    return _page(request, found, year or _academic_year(found))


def _foreign(text: str, org: str | None) -> bool:
    """Whether a file names an organisation other than the curator's in its `org` column."""
    reader = csv.DictReader(io.StringIO(text))
    return any((row.get("org") or "").strip() != org for row in reader if any((v or "").strip() for v in row.values()))


def _guard(request: Request, found: Viewer, csrf: str, year: int) -> tuple[int, HTMLResponse | None]:
    """The academic year asked for (this one by default), and the refusal of a form the user may not send."""
    year = year or _academic_year(found)
    refused = _check(found, csrf)
    return year, _page(request, found, year, status_code=403, error=refused) if refused else None


async def _upload(file: UploadFile) -> tuple[str, str]:
    """An uploaded CSV's text and name, read as the commands read files: UTF-8, a bad byte refused by its line."""
    source = file.filename or "файл"
    return decode_csv(await file.read(), source=source), source


def _check(found: Viewer, csrf: str) -> str:
    if found.user.role != "curator":
        return "Пары и обратную связь ведёт куратор организации."
    if not found.csrf or csrf != found.csrf:
        return "форма устарела: обновите страницу и отправьте её снова"
    return ""


@router.post("/mentorship/feedback", response_class=HTMLResponse)
async def feedback(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    year: Annotated[int, Form()] = 0,
    pair: Annotated[str, Form()] = "",
    meeting: Annotated[str, Form()] = "",
    participant: Annotated[str, Form()] = "",
    satisfied: Annotated[str, Form()] = "",
    score: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """One answer from the form, or a whole feedback file: checked as `roadmap feedback load` checks it."""
    year, refused = _guard(request, found, csrf, year)
    if refused:
        return refused
    if file is not None and file.filename:
        try:
            text, source = await _upload(file)
        except RegistryError as exc:
            return _page(request, found, year, status_code=400, error=str(exc))
        if _foreign(text, found.user.org_id):
            return _page(request, found, year, status_code=403, error="в файле есть строки другой организации")
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["org", "pair", "meeting", "participant", "satisfied", "score", "comment"])
        writer.writerow([found.user.org_id, pair, meeting, participant, satisfied, score, comment])
        text, source = out.getvalue(), "форма"
    try:
        report = record_feedback(found.ctx, text=text, source=source)
    except (RegistryError, MentorshipError) as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    return _page(request, found, year, message="; ".join(report.lines()))


@router.post("/mentorship/meetings", response_class=HTMLResponse)
async def meetings(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    year: Annotated[int, Form()] = 0,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """A file of the pairs' meetings (org,pair,number,kind,date), checked as `roadmap meetings load` checks it."""
    year, refused = _guard(request, found, csrf, year)
    if refused:
        return refused
    if file is None or not file.filename:
        return _page(request, found, year, status_code=400, error="выберите файл встреч (CSV)")
    try:
        text, source = await _upload(file)
    except RegistryError as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    if _foreign(text, found.user.org_id):
        return _page(request, found, year, status_code=403, error="в файле есть строки другой организации")
    try:
        report = record_meetings(found.ctx, text=text, source=source)
    except (RegistryError, MentorshipError) as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    return _page(request, found, year, message="; ".join(report.lines()))


@router.post("/mentorship/propose", response_class=HTMLResponse)
def propose(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    year: Annotated[int, Form()] = 0,
    max_mentees: Annotated[int, Form()] = DEFAULT_MAX_MENTEES,
) -> HTMLResponse:
    """Propose pairs and groups for the mentees still without a mentor (as `roadmap pairs propose`); kept to accept."""
    year, refused = _guard(request, found, csrf, year)
    if refused:
        return refused
    try:
        proposal = propose_pairs(found.ctx, org=found.user.org_id, year=year, max_mentees=max_mentees)
    except MentorshipError as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    return _page(request, found, year, proposal=proposal)


@router.post("/mentorship/accept", response_class=HTMLResponse)
async def accept(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    csrf: Annotated[str, Form()] = "",
    year: Annotated[int, Form()] = 0,
    proposal: Annotated[int | None, Form()] = None,
    file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Accept the kept proposal, or the curator's edited list (CSV mentor,mentee,form), as `roadmap pairs accept`:
    every pair checked, the list refused whole on any bad row; the pair-formation step is completed."""
    year, refused = _guard(request, found, csrf, year)
    if refused:
        return refused
    by, why_not = _accepting_party(found, year)
    if by is None:
        return _page(request, found, year, status_code=403, error=why_not)
    text = source = None
    try:
        if file is not None and file.filename:
            text, source = await _upload(file)
        report = accept_pairs(found.ctx, org=found.user.org_id, year=year, by=by, proposal_id=proposal, text=text,
                              source=source)  # fmt: skip
    except (RegistryError, MentorshipError, CompletionError) as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    return _page(request, found, year, message=_accepted_ru(report))
