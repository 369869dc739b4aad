"""The curator's page of the mentorship cycle: the organisation's pairs of the academic year, and forms to
record a meeting's feedback (one answer, or a whole file) and to upload meetings, through the same
operations (and the same checks, line by line) as `roadmap meetings|feedback load`."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from mentorship.pairs import MentorshipError
from operations.mentorship import pairs, record_feedback, record_meetings
from tasks.registry import RegistryError
from web.app import Viewer, page_viewer, render

router = APIRouter(include_in_schema=False)


def _academic_year(viewer: Viewer) -> int:
    today = viewer.ctx.clock.today("Europe/Moscow")
    return today.year if today.month >= 9 else today.year - 1


def _page(request: Request, viewer: Viewer, year: int, *, status_code: int = 200, message: str = "",
          error: str = "") -> HTMLResponse:  # fmt: skip
    org = viewer.user.org_id
    rows = pairs(viewer.ctx, org=org, year=year) if org else []
    return render(request, "mentorship.html.j2", status_code=status_code, viewer=viewer, year=year, rows=rows,
                  message=message, error=error)  # fmt: skip


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
    year = year or _academic_year(found)
    refused = _check(found, csrf)
    if refused:
        return _page(request, found, year, status_code=403, error=refused)
    if file is not None and file.filename:
        text, source = (await file.read()).decode("utf-8", errors="replace"), file.filename
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
    year = year or _academic_year(found)
    refused = _check(found, csrf)
    if refused:
        return _page(request, found, year, status_code=403, error=refused)
    if file is None or not file.filename:
        return _page(request, found, year, status_code=400, error="выберите файл встреч (CSV)")
    text = (await file.read()).decode("utf-8", errors="replace")
    if _foreign(text, found.user.org_id):
        return _page(request, found, year, status_code=403, error="в файле есть строки другой организации")
    try:
        report = record_meetings(found.ctx, text=text, source=file.filename)
    except (RegistryError, MentorshipError) as exc:
        return _page(request, found, year, status_code=400, error=str(exc))
    return _page(request, found, year, message="; ".join(report.lines()))
