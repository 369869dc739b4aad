"""Report downloads: the execution report of a roadmap (or of one organisation) and the monitoring report of a
year, in HTML, XLSX or Markdown, the same files as `roadmap report …` writes.

Who gets what: the operator and the auditor every report; a coordinator the monitoring reports and the
execution report of an organisation of their municipality; a curator the execution report of their own
organisation.
"""

from __future__ import annotations

from typing import Annotated, cast
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from operations.reports import FORMATS, ReportError, execution_download, monitoring_download
from reports.files import Format
from web.app import Viewer, page_viewer, render

router = APIRouter(include_in_schema=False)
NO_FORMAT = f"Отчёт выгружается в форматах: {', '.join(FORMATS)}."


def _refused(request: Request, viewer: Viewer, status_code: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html.j2", status_code=status_code, viewer=viewer, title=title, message=message)


def _format(fmt: str) -> Format | None:
    return cast(Format, fmt) if fmt in FORMATS else None


def _not_built(exc: ReportError, *, roadmap: str, org: str = "", year: int | None = None) -> str:
    """The refusal in Russian (the operation's message names the CLI's options)."""
    text = str(exc)
    if text.startswith("--roadmap"):
        return f"Дорожная карта «{roadmap}» не найдена."
    if text.startswith("--org"):
        return f"У организации «{org}» нет мероприятий в дорожной карте {roadmap}."
    return f"Мониторинг дорожной карты {roadmap}{f' за {year} год' if year else ''} ещё не проводился."


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/reports/execution.{fmt}", response_model=None)
def execution_report(
    request: Request, found: Annotated[Viewer, Depends(page_viewer)], fmt: str, roadmap: str = "", org: str = ""
) -> Response:
    chosen = _format(fmt)
    if chosen is None:
        return _refused(
            request, found, 404, "Нет такого формата", f"Отчёт выгружается в форматах: {', '.join(FORMATS)}."
        )
    role = found.user.role
    if role == "curator":
        if org and org != found.user.org_id:
            return _refused(request, found, 403, "Доступ запрещён", "Отчёт другой организации недоступен.")
        org = found.user.org_id or ""
    elif role == "coordinator" and org not in (found.scope.orgs or ()):
        return _refused(request, found, 403, "Доступ запрещён",
                        "Координатор выгружает отчёт об исполнении по организации своего муниципалитета: "
                        "выберите организацию в сводке.")  # fmt: skip
    try:
        download = execution_download(found.ctx, roadmap_id=roadmap, org_id=org or None, fmt=chosen)
    except ReportError as exc:
        return _refused(request, found, 404, "Отчёт не построен", _not_built(exc, roadmap=roadmap, org=org))
    return Response(download.data, media_type=download.media_type,
                    headers={"Content-Disposition": _attachment(download.filename)})  # fmt: skip


@router.get("/reports/monitoring.{fmt}", response_model=None)
def monitoring_report(
    request: Request,
    found: Annotated[Viewer, Depends(page_viewer)],
    fmt: str,
    roadmap: str = "",
    year: int | None = None,
    snapshot: int | None = None,
) -> Response:
    chosen = _format(fmt)
    if chosen is None:
        return _refused(
            request, found, 404, "Нет такого формата", f"Отчёт выгружается в форматах: {', '.join(FORMATS)}."
        )
    if found.user.role == "curator":
        return _refused(request, found, 403, "Доступ запрещён",
                        "Отчёт о мониторинге доступен оператору, координаторам и аудиторам.")  # fmt: skip
    if year is None and snapshot is None:
        return _refused(request, found, 404, "Отчёт не построен", "Укажите год мониторинга.")
    try:
        download = monitoring_download(found.ctx, roadmap_id=roadmap, year=year, snapshot_id=snapshot, fmt=chosen)
    except ReportError as exc:
        return _refused(request, found, 404, "Отчёт не построен", _not_built(exc, roadmap=roadmap, year=year))
    return Response(download.data, media_type=download.media_type,
                    headers={"Content-Disposition": _attachment(download.filename)})  # fmt: skip
