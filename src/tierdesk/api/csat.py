"""The requester's rating route; the token in the path is the only credential."""

from __future__ import annotations

from fastapi import APIRouter, Path

from tierdesk.api.deps import Context, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.csat import RatingInput, RatingResult, rate

router = APIRouter(prefix="/csat", tags=["csat"], route_class=StrictJsonRoute)


@router.post("/{token}", response_model=RatingResult)
def post_rating(
    data: RatingInput,
    context: Context,
    now: Now,
    token: str = Path(max_length=100),
) -> RatingResult:
    """Rate the ticket from 1 (bad) to 5 (good); each link rates once."""
    return rate(context, token, data, now)
