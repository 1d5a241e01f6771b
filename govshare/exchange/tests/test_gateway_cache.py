"""The gateway keeps verified credentials and grant views per process, and a revocation,
rotation, suspension or new masking still holds from the very next request (R14, R15)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govshare.core import clock, localcache
from govshare.orgs import services as org_services
from govshare.orgs.models import Credential, User
from govshare.sharing import services as sharing_services
from govshare.sharing.models import Grant

from .factories import grant_for
from .test_gateway import ITEMS, setup  # noqa: F401  (the fixture `granted` builds on)

pytestmark = pytest.mark.django_db

KEY = "?key=130104199202022345"


@pytest.fixture
def granted(setup):  # noqa: F811  (the imported fixture, by name)
    resource, _node, application, client = setup
    grant = grant_for(application, resource, ITEMS)
    url = f"/api/v1/data/{resource.code}/records{KEY}"
    assert client.get(url).status_code == 200  # now cached in this process
    return application, grant, client, url


def _officer(application):
    return User.objects.filter(organization=application.organization,
                               roles__role="sharing_officer").first()


def test_r14_a_repeated_lookup_reads_neither_credential_nor_grant_again(granted):
    _application, _grant, client, url = granted
    with CaptureQueriesContext(connection) as first:
        localcache.changed()
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as repeated:
        assert client.get(url).status_code == 200
    tables = " ".join(q["sql"] for q in repeated.captured_queries)
    assert "orgs_credential" not in tables and "sharing_grant" not in tables
    assert len(repeated.captured_queries) < len(first.captured_queries)


def test_r15_a_revoked_credential_is_refused_on_the_next_request(granted):
    application, _grant, client, url = granted
    credential = Credential.objects.get(application=application)
    org_services.credential_revoke(_officer(application), credential)
    assert client.get(url).status_code == 401


def test_r15_a_rotated_credential_is_refused_and_its_successor_accepted(granted, bearer):
    application, _grant, client, url = granted
    credential = Credential.objects.get(application=application)
    _new, token = org_services.credential_rotate(_officer(application), credential)
    assert client.get(url).status_code == 401
    assert bearer(token).get(url).status_code == 200


def test_r14_a_revoked_or_suspended_grant_is_refused_on_the_next_request(granted, person):
    _application, grant, client, url = granted
    sharing_services.grant_suspend(person("gat_officer"), grant, reason="核查期间暂停")
    response = client.get(url)
    assert response.status_code == 403 and "暂停" in response.json()["detail"]
    grant.refresh_from_db()
    sharing_services.grant_revoke(person("gat_officer"), grant, reason="发现超范围使用")
    response = client.get(url)
    assert response.status_code == 403 and "撤销" in response.json()["detail"]


def test_r14_new_masking_applies_to_the_next_request(granted, person):
    from govshare.exchange import services

    _application, grant, client, url = granted
    services.masking_set(person("gat_officer"), grant, {"name": "name"})
    (row,) = client.get(url).json()["results"]
    assert row["name"] == "李*"


def test_r14_a_change_committed_by_another_process_is_seen_on_the_next_request(granted):
    _application, grant, client, url = granted
    # A queryset update sends no signal: as if another worker process had made the change.
    Grant.objects.filter(pk=grant.pk).update(state=Grant.State.REVOKED)
    assert client.get(url).status_code == 200  # still the cached view
    localcache.changed()  # what that process does when its change commits
    assert client.get(url).status_code == 403


def test_r15_changes_that_send_no_signal_hold_once_the_entry_expires(granted, settings):
    application, _grant, client, url = granted
    Credential.objects.filter(application=application).update(revoked_at=clock.now())
    settings.GOVSHARE_ACCESS_CACHE_SECONDS = 0
    localcache.changed()
    assert client.get(url).status_code == 401
