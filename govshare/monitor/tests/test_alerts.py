"""Anomaly alerts over the gateway's access records, and the operator's decision (R15, R17)."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError
from govshare.monitor import services
from govshare.monitor.models import AccessWindow, Alert, DetectorCursor
from govshare.monitor.tasks import MONITOR, detect_anomalies
from govshare.notifications.models import Notification

from .conftest import person_key

pytestmark = pytest.mark.django_db


def _monday():
    """Next Monday: a working day inside the grants' validity, whatever today is."""
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _detect(at):
    with time_machine.travel(at, tick=False):
        return services.alert_detect(MONITOR)


def _ordinary_day(consumer, day, *, address="10.20.30.40", calls_per_hour=3):
    """A relief officer's day: a few lookups an hour, 09:00–16:59, among 40 familiar people."""
    for hour in range(9, 17):
        for n in range(calls_per_hour):
            key = person_key((hour * 7 + n) % 40)
            assert consumer.lookup([key], address=address,
                                   at=_at(day, hour, n * 10)).status_code == 200


def _scrape(consumer, day, *, start=0, people=400, per_call=10, hour=10):
    """A script walking through the register, ten new identity numbers a call."""
    for first in range(start, start + people, per_call):
        keys = [person_key(n) for n in range(first, first + per_call)]
        minute = (first - start) // per_call % 60
        assert consumer.lookup(keys, at=_at(day, hour, minute)).status_code == 200


def test_r15_key_enumeration_through_the_gateway_raises_an_alert_and_ordinary_use_none(
        consumer, person):
    monday = _monday()
    scraper = consumer("河北省民政厅", "社会救助系统")
    ordinary = consumer("河北省民政厅", "养老服务系统")
    _ordinary_day(ordinary, monday)
    _scrape(scraper, monday)

    raised = _detect(_at(monday, 18))

    assert [(a.rule, a.application_id) for a in raised] == [
        (Alert.Rule.KEY_ENUMERATION, scraper.application.pk)]
    alert = raised[0]
    assert alert.resource_code == scraper.resource.code
    assert 390 <= alert.observed <= 410  # 400 distinct keys, counted by the sketch
    assert alert.threshold == 300
    records = alert.evidence["records"]
    assert records["first_id"] < records["last_id"]
    assert set(records["sample_keys"]) <= {person_key(n) for n in range(400)}
    assert alert.evidence["calls"] == 40
    assert not Alert.objects.filter(application=ordinary.application).exists()
    told = set(Notification.objects.filter(event="alert.key_enumeration")
               .values_list("recipient__username", flat=True))
    assert {"operator", "hb_reviewer"} <= told
    assert not told & {"mzt_admin", "mzt_officer"}


def test_r15_detection_is_incremental_and_updates_the_open_alert(consumer):
    monday = _monday()
    scraper = consumer("河北省民政厅", "社会救助系统")
    _scrape(scraper, monday, people=350)
    first = _detect(_at(monday, 12))
    assert len(first) == 1
    cursor = DetectorCursor.objects.get()
    assert _detect(_at(monday, 12, 5)) == []
    assert DetectorCursor.objects.get().last_record_id >= cursor.last_record_id

    _scrape(scraper, monday, start=350, people=300, hour=14)
    assert _detect(_at(monday, 15)) == []
    alert = Alert.objects.get()
    assert 630 <= alert.observed <= 670
    assert AccessWindow.objects.filter(application=scraper.application).count() == 2

    _scrape(scraper, monday + timedelta(days=1), start=700, people=350)
    assert [a.rule for a in _detect(_at(monday + timedelta(days=1), 12))] == [
        Alert.Rule.KEY_ENUMERATION]
    assert Alert.objects.count() == 2


def test_r15_a_credential_used_from_a_new_network_raises_an_alert(consumer):
    monday = _monday()
    relief = consumer("河北省民政厅", "社会救助系统")
    _ordinary_day(relief, monday, calls_per_hour=1)
    assert _detect(_at(monday, 18)) == []
    tuesday = monday + timedelta(days=1)
    relief.lookup([person_key(1)], address="10.20.30.41", at=_at(tuesday, 9))
    relief.lookup([person_key(2)], address="172.16.5.9", at=_at(tuesday, 10))

    raised = _detect(_at(tuesday, 11))

    assert [(a.rule, a.subject) for a in raised] == [(Alert.Rule.NEW_NETWORK, "172.16.5.0/24")]
    evidence = raised[0].evidence
    assert evidence["addresses"] == ["172.16.5.9"]
    assert evidence["known_networks"] == ["10.20.30.0/24"]
    credential = relief.application.credentials.get()
    assert evidence["credentials"] == [credential.key_id]


def test_r15_a_volume_spike_above_the_baseline_raises_an_alert(consumer, settings):
    settings.GOVSHARE_ALERTS = {**settings.GOVSHARE_ALERTS, "spike_min_calls": 30,
                                "baseline_min_days": 2}
    monday = _monday()
    relief = consumer("河北省民政厅", "社会救助系统")
    for day in (monday, monday + timedelta(days=1)):
        for hour in (9, 10, 11):
            for n in range(3):
                relief.lookup([person_key(n)], at=_at(day, hour, n))
    assert _detect(_at(monday + timedelta(days=1), 18)) == []
    wednesday = monday + timedelta(days=2)
    for n in range(40):
        relief.lookup([person_key(n % 5)], at=_at(wednesday, 10, n % 60))

    raised = _detect(_at(wednesday, 11, 30))

    assert [a.rule for a in raised] == [Alert.Rule.VOLUME_SPIKE]
    assert raised[0].observed == 40
    assert raised[0].evidence["usual_hourly_calls"] == 3
    assert raised[0].window_start == _at(wednesday, 10)


def test_r15_calls_clustered_at_night_raise_an_alert(consumer, settings):
    settings.GOVSHARE_ALERTS = {**settings.GOVSHARE_ALERTS, "off_hours_min_calls": 20}
    tuesday = _monday() + timedelta(days=1)
    night = consumer("河北省民政厅", "社会救助系统")
    daytime = consumer("河北省民政厅", "养老服务系统")
    for n in range(25):
        night.lookup([person_key(n % 5)], at=_at(tuesday, 2, n))
        daytime.lookup([person_key(n % 5)], at=_at(tuesday, 10, n))
    night.lookup([person_key(1)], at=_at(tuesday, 10, 30))

    raised = _detect(_at(tuesday, 23))

    assert [(a.rule, a.application_id) for a in raised] == [
        (Alert.Rule.OFF_HOURS, night.application.pk)]
    assert raised[0].evidence["off_hours_calls"] == 25
    assert raised[0].evidence["calls_by_hour"] == {"02:00": 25, "10:00": 1}


def test_r15_the_periodic_task_runs_the_detector(consumer):
    scraper = consumer("河北省民政厅", "社会救助系统")
    _scrape(scraper, _monday())
    with time_machine.travel(_at(_monday(), 18), tick=False):
        assert detect_anomalies.call() == 1


@pytest.fixture
def alert(consumer):
    scraper = consumer("河北省民政厅", "社会救助系统")
    _scrape(scraper, _monday())
    return _detect(_at(_monday(), 18))[0]


def test_r15_only_the_operator_confirms_or_dismisses_an_alert(alert, person):
    for username in ("hb_reviewer", "supervisor", "mzt_admin", "gat_admin"):
        with pytest.raises(PermissionDenied):
            services.alert_confirm(person(username), alert, comment="确认")
        with pytest.raises(PermissionDenied):
            services.alert_dismiss(person(username), alert, comment="排除")
    with pytest.raises(ValidationError) as error:
        services.alert_confirm(person("operator"), alert, comment="  ")
    assert "comment" in error.value.field_errors

    services.alert_confirm(person("operator"), alert, comment="核实：查询结果提供给了第三方。")

    alert.refresh_from_db()
    assert (alert.state, alert.redistribution) == (Alert.State.CONFIRMED, True)
    assert alert.decided_by == person("operator")
    assert list(Alert.objects.confirmed_redistribution()) == [alert]
    with pytest.raises(InvalidTransition):
        services.alert_dismiss(person("operator"), alert, comment="再次处理")
    assert Notification.objects.filter(event="alert.confirm",
                                       recipient__username="hb_reviewer").exists()


def test_r15_a_dismissed_alert_is_not_counted_as_redistribution(alert, person):
    services.alert_dismiss(person("operator"), alert, comment="系统上线初次全量核对，已报备。")
    alert.refresh_from_db()
    assert alert.state == Alert.State.DISMISSED
    assert not Alert.objects.confirmed_redistribution().exists()


def test_r15_alerts_api_shows_alerts_to_operator_and_authority_only(alert, login):
    path = f"/api/v1/monitor/alerts/{alert.pk}"
    assert login("operator").get(path).json()["rule"] == "key_enumeration"
    assert login("hb_reviewer").get(path).status_code == 200
    assert login("supervisor").get("/api/v1/monitor/alerts").json()[0]["id"] == alert.pk
    assert login("mzt_admin").get(path).status_code == 404
    assert login("gat_admin").get("/api/v1/monitor/alerts").status_code == 403
    assert login("sjz_reviewer").get(path).status_code == 404  # a province department

    refused = login("hb_reviewer").post(f"{path}/confirm", {"comment": "确认"},
                                        content_type="application/json")
    assert refused.status_code == 403
    empty = login("operator").post(f"{path}/dismiss", {"comment": ""},
                                   content_type="application/json")
    assert empty.status_code == 400 and "comment" in empty.json()["errors"]
    done = login("operator").post(f"{path}/confirm",
                                  {"comment": "已核实", "redistribution": False},
                                  content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["redistribution"]) == ("confirmed", False)
    again = login("operator").post(f"{path}/dismiss", {"comment": "x"},
                                   content_type="application/json")
    assert again.status_code == 409


def test_r15_alert_pages_offer_the_decision_to_the_operator_only(alert, login):
    detail = f"/monitor/alerts/{alert.pk}/"
    page = login("operator").get(detail).content.decode()
    assert "确认告警" in page and "遍历大量不同主键" in page and "不同主键数" in page
    reviewer = login("hb_reviewer")
    assert "确认告警" not in reviewer.get(detail).content.decode()
    assert reviewer.post(f"{detail}confirm/", {"comment": "确认"}).status_code == 403
    assert login("mzt_officer").get(detail).status_code == 404
    assert login("mzt_officer").get("/monitor/alerts/").status_code == 403

    response = login("operator").post(f"{detail}confirm/",
                                      {"comment": "核实属实", "redistribution": "on"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.state == Alert.State.CONFIRMED and alert.redistribution
    listing = login("hb_reviewer").get("/monitor/alerts/?state=confirmed").content.decode()
    assert alert.number in listing
