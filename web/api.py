"""The JSON API under /api, for regional portals and scripts: authenticated by a personal token.

401 without a valid token, 403 for a milestone outside the user's scope (or for an auditor writing),
404 for one that does not exist, 409 when the completion rule refuses (already done, retired).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from operations.milestones import CompletionError, NotFound, complete_milestone, list_milestones, milestone_view
from tasks.status import StatusFilter
from web.app import Viewer, api_viewer

router = APIRouter(prefix="/api", tags=["milestones"])
Status = Literal["planned", "due", "overdue", "done", "waiting-for-date", "retired"]


def token_viewer(request: Request) -> Viewer:
    found = api_viewer(request)
    if found is None:
        raise HTTPException(401, "нужен действующий персональный токен: Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return found


class MilestoneOut(BaseModel):
    id: int
    roadmap: str
    item: str
    title: str
    org: str | None
    org_name: str | None
    occurrence: str | None
    start: date | None
    end: date | None
    status: str
    days_left: int | None
    responsible: list[str]
    result: str | None
    done_at: datetime | None
    done_by: str | None
    evidence: str | None


class MilestoneList(BaseModel):
    total: int = Field(description="milestones matching the filter")
    offset: int
    limit: int
    counts: dict[str, int] = Field(description="milestones by status (the status filter aside)")
    milestones: list[MilestoneOut]


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: str = Field(min_length=1, max_length=2000, description="the result document: приказ № …, отчёт, …")
    doc_number: str | None = Field(default=None, max_length=100)
    doc_date: date | None = None


class ReceiptOut(BaseModel):
    milestone_id: int
    roadmap: str
    item: str
    org: str | None
    by: str
    done_at: datetime
    late_days: int
    event_seq: int = Field(description="position of the completion in the audit chain")
    event_hash: str = Field(description="SHA-256 of the audit event that records it")
    receipt: str = Field(description="EVENT:HASH, what `roadmap audit prove` takes")
    checkpoint_size: int | None = Field(default=None, description="the signed checkpoint covering it, if any")


@router.get("/milestones", response_model=MilestoneList, summary="Вехи, видимые пользователю")
def milestones(
    found: Annotated[Viewer, Depends(token_viewer)],
    roadmap: Annotated[str | None, Query(max_length=100)] = None,
    org: Annotated[str | None, Query(max_length=100)] = None,
    party: Annotated[str | None, Query(max_length=100, pattern=r"^[a-z0-9_]+$")] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MilestoneList:
    f = found.scope.narrow(StatusFilter(roadmap=roadmap, org=org, party=party, include_all=True, status=status))
    page = list_milestones(found.ctx, f=f, limit=limit, offset=offset)
    counts = page.counts["counts"]
    total = counts.get(status, 0) if status else sum(counts.values())
    return MilestoneList(
        total=total, offset=offset, limit=limit, counts=counts,
        milestones=[MilestoneOut(**row.as_json()) for row in page.rows],
    )  # fmt: skip


@router.post(
    "/milestones/{milestone_id}/complete",
    response_model=ReceiptOut,
    summary="Отметить веху выполненной",
    responses={401: {"description": "no valid token"}, 403: {"description": "outside the user's scope"},
               404: {"description": "no such milestone"}, 409: {"description": "refused by the completion rule"}},
)  # fmt: skip
def complete(
    milestone_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: CompletionIn,
    found: Annotated[Viewer, Depends(token_viewer)],
) -> ReceiptOut:
    try:
        view = milestone_view(found.ctx, milestone_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    acting = found.scope.acting_party(view.plan, view.milestone)
    if acting is None:
        raise HTTPException(403, f"milestone {milestone_id} is outside what {found.user.email} may complete")
    try:
        receipt = complete_milestone(found.ctx, milestone_id=milestone_id, evidence=body.evidence, by=acting,
                                     doc_number=body.doc_number, doc_date=body.doc_date)  # fmt: skip
    except CompletionError as exc:
        raise HTTPException(409, str(exc)) from None
    return ReceiptOut(milestone_id=receipt.milestone_id, roadmap=receipt.roadmap_id, item=receipt.item,
                      org=receipt.org_id or None, by=receipt.by, done_at=receipt.done_at, late_days=receipt.late_days,
                      event_seq=receipt.event_seq, event_hash=receipt.event_hash, receipt=receipt.token,
                      checkpoint_size=receipt.checkpoint_size)  # fmt: skip


class Me(BaseModel):
    email: str
    role: str
    org: str | None
    municipality: str | None


@router.get("/me", response_model=Me, summary="Кто я")
def me(found: Annotated[Viewer, Depends(token_viewer)]) -> Me:
    return Me(email=found.user.email, role=found.user.role, org=found.user.org_id, municipality=found.user.municipality)
