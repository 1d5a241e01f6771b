"""The demo: requests in various states, an active grant for 民政厅 on 公安厅's population
register, and loading twice changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from govshare.sharing.access import grant_check
from govshare.sharing.models import Grant, Objection, ShareRequest


@pytest.mark.django_db
def test_r13_demo_has_requests_in_various_states_and_is_idempotent():
    call_command("demo", stdout=StringIO())
    states = set(ShareRequest.objects.values_list("state", flat=True))
    assert {"granted", "consulting", "explaining", "agreed"} <= states
    grant = Grant.objects.get(resource__published_version__name="常住人口户籍信息",
                              application__organization__name="河北省民政厅")
    assert grant.state == "active"
    assert grant_check(grant.application, grant.resource.code, grant.items[:2]) == grant
    assert Objection.objects.filter(state="open").count() == 1
    counts = (ShareRequest.objects.count(), Grant.objects.count(), Objection.objects.count())
    call_command("demo", stdout=StringIO())
    assert (ShareRequest.objects.count(), Grant.objects.count(),
            Objection.objects.count()) == counts
