"""Policy routes: read the active version, upload, switch and roll back.

Uploads are YAML bodies (`application/yaml`, `text/yaml` or `text/plain`),
validated by the same loader as `tierdesk policy check`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool

from tierdesk.api.deps import Context, CurrentActor, Now, RowId
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.errors import ServiceError
from tierdesk.service.policies import (
    PolicyVersion,
    activate_policy,
    get_policy_text,
    list_policy_versions,
    upload_policy,
)

router = APIRouter(prefix="/policy", tags=["policy"], route_class=StrictJsonRoute)

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
_YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {kind: {"schema": {"type": "string"}} for kind in YAML_TYPES},
    }
}


class UnsupportedMediaType(ServiceError):
    status = 415


class BadRequest(ServiceError):
    status = 400


class PolicyText(PolicyVersion):
    text: str


async def _yaml_text(request: Request) -> str:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in YAML_TYPES:
        raise UnsupportedMediaType(
            "unsupported_media_type",
            f"send the policy as YAML, with Content-Type one of: "
            f"{', '.join(YAML_TYPES)}",
            field="Content-Type",
        )
    raw = await request.body()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(
            "invalid_encoding",
            f"the policy is not valid UTF-8 (byte {exc.start}); save it as UTF-8",
            field="body",
        ) from None


@router.get("", response_model=PolicyText)
def get_active_policy(context: Context, actor: CurrentActor) -> PolicyText:
    version, text = get_policy_text(context, actor, None)
    return PolicyText(**version.model_dump(), text=text)


@router.put("", response_model=PolicyVersion, openapi_extra=_YAML_BODY)
async def put_policy(
    request: Request, context: Context, actor: CurrentActor, now: Now
) -> PolicyVersion:
    """Upload a policy and switch to it atomically; a failing one changes nothing."""
    text = await _yaml_text(request)
    return await run_in_threadpool(upload_policy, context, actor, text, now)


@router.get("/versions", response_model=list[PolicyVersion])
def get_policy_versions(context: Context, actor: CurrentActor) -> list[PolicyVersion]:
    return list_policy_versions(context, actor)


@router.post(
    "/versions",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyVersion,
    openapi_extra=_YAML_BODY,
)
async def post_policy_version(
    request: Request, context: Context, actor: CurrentActor, now: Now
) -> PolicyVersion:
    """Store a policy as a new revision without activating it, for a dry run first."""
    text = await _yaml_text(request)
    return await run_in_threadpool(
        upload_policy, context, actor, text, now, activate=False
    )


@router.get("/versions/{revision}", response_model=PolicyText)
def get_policy_version(
    revision: RowId, context: Context, actor: CurrentActor
) -> PolicyText:
    version, text = get_policy_text(context, actor, revision)
    return PolicyText(**version.model_dump(), text=text)


@router.post("/versions/{revision}/activate", response_model=PolicyVersion)
def post_activate(
    revision: RowId, context: Context, actor: CurrentActor, now: Now
) -> PolicyVersion:
    """Switch to a stored revision, later or earlier: this is also the rollback."""
    return activate_policy(context, actor, revision, now)
