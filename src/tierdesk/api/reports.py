"""Routes for analysts and administrators: routing dry run, exports, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tierdesk.api.deps import Context, CurrentActor
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.audit import AuditEntry, list_audit
from tierdesk.service.dry_run import DryRunInput, DryRunResult, dry_run
from tierdesk.service.exports import corrections_csv
from tierdesk.service.permissions import require
from tierdesk.service.tickets import MAX_ROW_ID

router = APIRouter(tags=["reports"], route_class=StrictJsonRoute)


@router.post("/routing/dry-run", response_model=DryRunResult)
def post_dry_run(
    data: DryRunInput, context: Context, actor: CurrentActor
) -> DryRunResult:
    """Route a ticket without storing it, under the active or another revision."""
    return dry_run(context, actor, data)


@router.get(
    "/exports/corrections.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def get_corrections(context: Context, actor: CurrentActor) -> StreamingResponse:
    """Tickets whose inquiry type an agent corrected, as `tierdesk train` reads them."""
    require(actor, "export.read")
    return StreamingResponse(
        corrections_csv(context, actor),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="corrections.csv"'},
    )


@router.get("/audit", response_model=list[AuditEntry])
def get_audit(
    context: Context,
    actor: CurrentActor,
    after_id: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntry]:
    """Audit entries after `after_id`, oldest first; page with the last id seen."""
    return list_audit(context, actor, after_id=after_id, limit=limit)
