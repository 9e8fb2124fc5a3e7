"""Webhook routes, admin only: subscriptions, their deliveries and attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.webhooks import (
    MAX_DELIVERY_PAGE,
    DeliveryStatus,
    DeliveryView,
    SubscriptionInput,
    SubscriptionSecret,
    SubscriptionUpdate,
    SubscriptionView,
    create_subscription,
    get_delivery,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    redeliver,
    rotate_secret,
    update_subscription,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=StrictJsonRoute)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionSecret)
def post_subscription(
    data: SubscriptionInput, context: Context, actor: CurrentActor, now: Now
) -> SubscriptionSecret:
    """Subscribe a URL to event types; the signing secret is shown only here."""
    return create_subscription(context, actor, data, now)


@router.get("", response_model=list[SubscriptionView])
def get_subscriptions(context: Context, actor: CurrentActor) -> list[SubscriptionView]:
    return list_subscriptions(context, actor)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryView)
def get_one_delivery(
    delivery_id: str, context: Context, actor: CurrentActor
) -> DeliveryView:
    """Return a delivery with its body and every attempt."""
    return get_delivery(context, actor, delivery_id)


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryView)
def post_redelivery(
    delivery_id: str, context: Context, actor: CurrentActor, now: Now
) -> DeliveryView:
    """Queue one more attempt of a dead or cancelled delivery, with the same id."""
    return redeliver(context, actor, delivery_id, now)


@router.get("/{subscription_id}", response_model=SubscriptionView)
def get_one_subscription(
    subscription_id: str, context: Context, actor: CurrentActor
) -> SubscriptionView:
    return get_subscription(context, actor, subscription_id)


@router.patch("/{subscription_id}", response_model=SubscriptionView)
def patch_subscription(
    subscription_id: str,
    changes: SubscriptionUpdate,
    context: Context,
    actor: CurrentActor,
    now: Now,
) -> SubscriptionView:
    """Change the URL, event types, teams, content or `active`."""
    return update_subscription(context, actor, subscription_id, changes, now)


@router.post("/{subscription_id}/rotate-secret", response_model=SubscriptionSecret)
def post_rotate_secret(
    subscription_id: str, context: Context, actor: CurrentActor, now: Now
) -> SubscriptionSecret:
    """Replace the signing secret; the new one is shown only here."""
    return rotate_secret(context, actor, subscription_id, now)


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryView])
def get_deliveries(
    subscription_id: str,
    context: Context,
    actor: CurrentActor,
    status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    before: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DELIVERY_PAGE)] = 50,
) -> list[DeliveryView]:
    """List deliveries newest first; dead ones stay listed."""
    return list_deliveries(
        context, actor, subscription_id, status=status_, before=before, limit=limit
    )
