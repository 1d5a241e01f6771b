"""Objections to a resource's data: raised with evidence, answered by the provider within the
time limit, confirmed or reopened by the consumer, all on the timeline (R16)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile

from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError
from govshare.notifications.models import Notification
from govshare.sharing import services
from govshare.sharing.models import Objection
from govshare.sharing.parties import PLATFORM

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def user_of_population(clock, person, population, relief_app):
    """民政厅 reads the population resource through an active grant."""
    share_request = services.share_request_file(
        person("mzt_officer"), application=relief_app, resource=population,
        items=["id_number", "name", "address"], purpose="核验", duty="救助审核",
        requested_until=date(2027, 1, 1))
    grant = services.share_request_agree(person("gat_officer"), share_request)
    services.grant_activate(person("operator"), grant)
    return population


def _raise(person, resource, **overrides):
    fields = {"kind": Objection.Kind.ACCURACY, "record_key": "130102199001011234",
              "items": ["address"], "description": "住址与实际居住地不符，已现场核实",
              "attachments": [ContentFile(b"site visit photo", name="核实照片.jpg")]}
    fields.update(overrides)
    return services.objection_raise(person("mzt_officer"), resource=resource, **fields)


def _events(username):
    return list(Notification.objects.filter(recipient__username=username)
                .values_list("event", flat=True))


def test_r16_objection_loop_runs_end_to_end(clock, person, user_of_population):
    objection = _raise(person, user_of_population)
    assert objection.state == Objection.State.OPEN
    deadline = objection.open_deadline()
    assert (deadline.party, deadline.duration, deadline.due_date) == (
        "provider", "10wd", date(2026, 3, 16))
    assert "objection.raised" in _events("gat_officer")
    assert objection.timeline.get().attachments.get().name == "核实照片.jpg"

    services.objection_reject(person("gat_officer"), objection,
                              reasons="经核对户籍底册，住址登记无误")
    objection.refresh_from_db()
    assert objection.state == Objection.State.REJECTED
    assert "objection.rejected" in _events("mzt_officer")

    clock.shift(timedelta(days=1))
    services.objection_reopen(person("mzt_officer"), objection,
                              comment="当事人已办理迁移，附迁移证明",
                              attachments=[ContentFile(b"move cert", name="迁移证明.pdf")])
    objection.refresh_from_db()
    assert objection.state == Objection.State.OPEN
    assert objection.open_deadline().due_date == date(2026, 3, 17)
    assert _events("gat_officer").count("objection.reopened") == 1

    services.objection_accept(person("gat_officer"), objection,
                              correction="已按迁移证明更正住址，次日同步至平台")
    objection.refresh_from_db()
    assert objection.state == Objection.State.CORRECTED
    assert "objection.corrected" in _events("mzt_officer")

    services.objection_confirm(person("mzt_staff"), objection, comment="已核对")
    objection.refresh_from_db()
    assert objection.state == Objection.State.CLOSED
    assert "objection.closed" in _events("gat_officer")
    timeline = list(objection.timeline.values_list("action", "role", "actor__username"))
    assert timeline == [("raise", "consumer", "mzt_officer"),
                        ("reject", "provider", "gat_officer"),
                        ("reopen", "consumer", "mzt_officer"),
                        ("accept", "provider", "gat_officer"),
                        ("confirm", "consumer", "mzt_staff")]
    assert not objection.deadlines.filter(closed_at__isnull=True).exists()
    with pytest.raises(InvalidTransition):
        services.objection_reopen(person("mzt_officer"), objection, comment="again")


def test_r16_overdue_answer_is_recorded_and_reported(clock, person, user_of_population):
    objection = _raise(person, user_of_population)
    clock.move_to(datetime(2026, 3, 17, 9, 0, tzinfo=TZ))
    assert services.share_request_sweep(PLATFORM)["overdue"] == 1
    deadline = objection.deadlines.get()
    assert deadline.overdue_at is not None
    assert "objection.overdue" in _events("gat_officer")
    assert "objection.overdue" in _events("hb_reviewer")
    assert objection.timeline.filter(action="overdue").exists()


def test_r16_only_a_department_that_used_the_resource_objects(clock, person, population):
    with pytest.raises(ValidationError) as error:
        _raise(person, population)
    assert "resource" in error.value.field_errors
    assert not Objection.objects.exists()


def test_r16_objection_input_is_checked(clock, person, user_of_population):
    with pytest.raises(ValidationError) as error:
        _raise(person, user_of_population, kind="style", items=["salary"], description=" ")
    assert {"kind", "items", "description"} == set(error.value.field_errors)
    assert "salary" in error.value.field_errors["items"][0]


def test_r16_only_the_provider_answers_and_only_the_consumer_closes(clock, person,
                                                                    user_of_population):
    objection = _raise(person, user_of_population)
    for username in ["mzt_officer", "gat_staff", "hb_reviewer"]:
        with pytest.raises(PermissionDenied):
            services.objection_accept(person(username), objection, correction="x")
    with pytest.raises(ValidationError) as error:
        services.objection_reject(person("gat_officer"), objection, reasons="")
    assert "reasons" in error.value.field_errors
    services.objection_accept(person("gat_officer"), objection, correction="已更正")
    with pytest.raises(PermissionDenied):
        services.objection_confirm(person("gat_officer"), objection)
    with pytest.raises(ValidationError):
        services.objection_reopen(person("mzt_officer"), objection, comment="")
