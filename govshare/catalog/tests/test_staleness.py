"""Data must be shared on time (R12): a resource not updated within its update cycle is stale,
which supervision (R21) looks for."""

from datetime import timedelta

import pytest
import time_machine

from govshare.catalog import services
from govshare.catalog.models import Resource
from govshare.core import clock
from govshare.core.exceptions import PermissionDenied, ValidationError
from govshare.orgs.models import Application


def test_r12_a_daily_resource_not_updated_for_two_days_is_stale(published, person):
    with time_machine.travel("2025-03-01 09:00 +0800", tick=False):
        resource = published()  # update cycle: daily
        services.resource_mark_data_updated(person("gat_officer"), resource)
        assert not resource.is_stale()
    with time_machine.travel("2025-03-01 20:00 +0800", tick=False):
        assert not resource.is_stale()
        assert resource not in Resource.objects.stale()
    with time_machine.travel("2025-03-03 09:00 +0800", tick=False):
        assert resource.is_stale()
        assert list(Resource.objects.stale()) == [resource]
        services.resource_mark_data_updated(person("gat_officer"), resource)
        resource.refresh_from_db()
        assert not resource.is_stale() and resource not in Resource.objects.stale()


def test_r12_the_clock_starts_at_publication_when_data_was_never_updated(published):
    with time_machine.travel("2025-03-01 09:00 +0800", tick=False):
        resource = published(update_cycle="monthly")
    with time_machine.travel("2025-03-20 09:00 +0800", tick=False):
        assert resource not in Resource.objects.stale()
    with time_machine.travel("2025-04-05 09:00 +0800", tick=False):
        assert list(Resource.objects.stale()) == [resource] and resource.is_stale()


def test_r12_irregular_and_unpublished_resources_are_never_stale(published, compile_resource):
    with time_machine.travel("2024-01-01 09:00 +0800", tick=False):
        irregular = published(update_cycle="irregular")
        draft = compile_resource("gat_staff", name="草稿")
    with time_machine.travel("2025-06-01 09:00 +0800", tick=False):
        assert not irregular.is_stale() and not draft.is_stale()
        assert not Resource.objects.stale().exists()


def test_r12_only_the_provider_marks_its_data_updated(published, person, organization):
    resource = published()
    with pytest.raises(PermissionDenied):
        services.resource_mark_data_updated(person("mzt_officer"), resource)
    with pytest.raises(ValidationError) as error:
        services.resource_mark_data_updated(person("gat_officer"), resource,
                                            at=clock.now() + timedelta(hours=1))
    assert "at" in error.value.field_errors
    # The provider's own systems (an exchange node's application) may report updates too.
    system = Application.objects.create(organization=organization("河北省公安厅"), name="户籍库")
    other = Application.objects.create(organization=organization("河北省民政厅"), name="婚姻库")
    services.resource_mark_data_updated(system, resource)
    with pytest.raises(PermissionDenied):
        services.resource_mark_data_updated(other, resource)
    earlier = clock.now() - timedelta(days=3)
    services.resource_mark_data_updated(person("gat_officer"), resource, at=earlier)
    resource.refresh_from_db()
    assert resource.data_updated_at > earlier, "an older report never moves the time back"
