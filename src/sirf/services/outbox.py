"""Use cases on deliveries: see each channel's state, and send a failed one again."""

from __future__ import annotations

from sirf.domain.delivery import Delivery, DeliveryState
from sirf.domain.errors import Conflict, NotFound
from sirf.domain.raci import Activity, Actor
from sirf.services.context import Env, check_allowed, get_or_raise
from sirf.services.ports import UnitOfWork


def list_deliveries(incident_id: int, *, update_id: int | None, uow: UnitOfWork) -> list[Delivery]:
    with uow(write=False):
        get_or_raise(uow, incident_id)
        return uow.outbox.for_incident(incident_id, update_id=update_id)


def retry_delivery(delivery_id: int, *, actor: Actor, uow: UnitOfWork, env: Env) -> Delivery:
    """Put a failed delivery back in the queue with a fresh attempt budget (operator action)."""
    now = env.clock.now()
    with uow(write=True):
        delivery = uow.outbox.get(delivery_id, for_update=True)
        if delivery is None:
            raise NotFound(f"delivery {delivery_id} does not exist", delivery=delivery_id)
        check_allowed(env, Activity.PUBLISH_UPDATE, actor, get_or_raise(uow, delivery.incident_id))
        if delivery.state is not DeliveryState.FAILED:
            raise Conflict(
                f"delivery {delivery_id} is {delivery.state.value}; only failed deliveries are retried"
            )
        uow.outbox.set_state(
            delivery_id, state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now, updated_at=now
        )
        retried = uow.outbox.get(delivery_id)
        uow.commit()
    assert retried is not None
    return retried
