"""grant_check: the exchange's question on every data access (R14, R15)."""

from datetime import date, timedelta

import pytest
import time_machine

from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.core.exceptions import PermissionDenied
from govshare.orgs.models import User
from govshare.sharing.access import grant_check
from govshare.sharing.models import Grant, ShareRequest

FROZEN = "2026-03-02 10:00 +08:00"


def _grant(application, resource, *, state=Grant.State.ACTIVE, items=("id_number", "name"),
           valid_until=date(2026, 12, 31)):
    """A grant written directly: these tests are about the check, not the workflow."""
    request = ShareRequest.objects.create(
        consumer=application.organization, application=application, resource=resource,
        resource_version=resource.published_version, share_type="conditional",
        items=list(items), purpose="社会救助对象核查", duty="最低生活保障审核",
        requested_until=valid_until, coordinating_region=resource.provider.region,
        state=ShareRequest.State.GRANTED,
        requested_by=User.objects.get(username="mzt_officer"),
    )
    return Grant.objects.create(application=application, resource=resource,
                                share_request=request, items=list(items), state=state,
                                valid_from=clock.today(), valid_until=valid_until)


def _reason(application, code, items):
    with pytest.raises(PermissionDenied) as denied:
        grant_check(application, code, items)
    return denied.value.context["reason"], str(denied.value.message)


@time_machine.travel(FROZEN, tick=False)
def test_r14_active_grant_lets_its_items_through(population, relief_app):
    grant = _grant(relief_app, population)
    assert grant_check(relief_app, population.code, ["id_number"]) == grant
    assert grant_check(relief_app, population.code, ["id_number", "name"]) == grant


@time_machine.travel(FROZEN, tick=False)
def test_r14_items_outside_the_grant_are_refused_by_name(population, relief_app):
    _grant(relief_app, population)
    reason, message = _reason(relief_app, population.code, ["id_number", "address"])
    assert reason == "items_not_granted" and "address" in message


@time_machine.travel(FROZEN, tick=False)
def test_r14_no_grant(population, relief_app):
    assert _reason(relief_app, population.code, ["id_number"])[0] == "no_grant"
    assert _reason(relief_app, "no-such-resource", ["id_number"])[0] == "no_grant"


@time_machine.travel(FROZEN, tick=False)
@pytest.mark.parametrize("state, reason", [
    (Grant.State.REVOKED, "revoked"),
    (Grant.State.SUSPENDED, "suspended"),
    (Grant.State.EXPIRED, "expired"),
    (Grant.State.PENDING, "pending_activation"),
])
def test_r14_grant_that_is_not_active_is_refused_with_its_reason(population, relief_app,
                                                                 state, reason):
    _grant(relief_app, population, state=state)
    assert _reason(relief_app, population.code, ["id_number"])[0] == reason


def test_r14_grant_past_its_validity_is_refused_before_any_sweep(population, relief_app):
    with time_machine.travel(FROZEN, tick=False):
        grant = _grant(relief_app, population, valid_until=date(2026, 3, 31))
    with time_machine.travel("2026-03-31 23:59 +08:00", tick=False):
        assert grant_check(relief_app, population.code, ["name"]) == grant
    with time_machine.travel("2026-04-01 00:00:01 +08:00", tick=False):
        assert _reason(relief_app, population.code, ["name"])[0] == "expired"


@time_machine.travel(FROZEN, tick=False)
def test_r15_a_grant_serves_only_its_own_application(population, relief_app, other_app):
    _grant(relief_app, population)
    assert _reason(other_app, population.code, ["id_number"])[0] == "no_grant"


@time_machine.travel(FROZEN, tick=False)
def test_r15_inactive_application_and_withdrawn_resource_are_refused(population, relief_app):
    _grant(relief_app, population)
    Resource.objects.filter(pk=population.pk).update(status=Resource.Status.WITHDRAWN)
    assert _reason(relief_app, population.code, ["id_number"])[0] == "resource_withdrawn"
    relief_app.is_active = False
    relief_app.save()
    assert _reason(relief_app, population.code, ["id_number"])[0] == "application_inactive"


@time_machine.travel(FROZEN, tick=False)
def test_r14_the_latest_grant_explains_a_refusal(population, relief_app):
    _grant(relief_app, population, state=Grant.State.EXPIRED)
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        _grant(relief_app, population, state=Grant.State.REVOKED)
    assert _reason(relief_app, population.code, ["id_number"])[0] == "revoked"
