"""Anonymous use is rate-limited across processes (429 with Retry-After); downloads and API
calls are counted per dataset and day and in Prometheus (R19)."""

import pytest
from django.core.cache import caches

from govshare.monitor.metrics import REGISTRY
from govshare.opendata.models import DailyUsage

pytestmark = pytest.mark.usefixtures("one_ratelimit_window")


def test_r19_anonymous_use_is_limited_with_retry_after(client, scenic, settings, login):
    settings.GOVSHARE_OPENDATA_ANONYMOUS_RATE = "3/m"
    assert settings.CACHES["ratelimit"]["BACKEND"].endswith("DatabaseCache"), \
        "a cache every process shares"
    for _n in range(3):
        assert client.get("/opendata/").status_code == 200
    page = client.get("/opendata/")
    assert page.status_code == 429 and 1 <= int(page["Retry-After"]) <= 60
    api = client.get("/api/3/action/package_list")
    assert api.status_code == 429 and int(api["Retry-After"]) >= 1
    assert api.json()["success"] is False
    assert api.json()["error"]["__type"] == "Rate Limit Error"
    download = client.get(f"/opendata/datasets/{scenic.code}/download.csv")
    assert download.status_code == 429
    assert login("mzt_staff").get("/opendata/").status_code == 200, "people are not limited"
    other = client.get("/opendata/", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200, "counted by address"


def test_r19_registrants_have_their_own_higher_limit(client, scenic, registrant, settings):
    settings.GOVSHARE_OPENDATA_ANONYMOUS_RATE = "1/m"
    settings.GOVSHARE_OPENDATA_REGISTRANT_RATE = "3/m"
    token = registrant[1]
    client.get("/opendata/")
    assert client.get("/opendata/").status_code == 429
    for _n in range(3):
        assert client.get("/opendata/", headers={"Authorization": f"Bearer {token}"}) \
            .status_code == 200
    assert client.get("/opendata/", headers={"Authorization": f"Bearer {token}"}) \
        .status_code == 429


def test_r19_the_count_lives_in_the_database_cache(client, scenic, settings):
    settings.GOVSHARE_OPENDATA_ANONYMOUS_RATE = "1/m"
    client.get("/opendata/")
    caches["ratelimit"].clear()
    assert client.get("/opendata/").status_code == 200


def _metric(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_r19_downloads_and_api_calls_are_counted(client, scenic):
    downloads = _metric("govshare_opendata_downloads_total", resource=scenic.code, format="csv")
    calls = _metric("govshare_opendata_api_calls_total", action="package_show", outcome="ok")
    errors = _metric("govshare_opendata_api_calls_total", action="package_show",
                     outcome="error")
    for _n in range(2):
        b"".join(client.get(f"/opendata/datasets/{scenic.code}/download.csv").streaming_content)
    client.get(f"/opendata/datasets/{scenic.code}/download.json")
    client.get(f"/api/3/action/package_show?id={scenic.code}")
    client.get("/api/3/action/package_show?id=nothing")
    client.get("/api/3/action/package_list")
    usage = DailyUsage.objects.get(resource=scenic)
    assert (usage.downloads, usage.api_calls) == (3, 1)
    assert _metric("govshare_opendata_downloads_total", resource=scenic.code,
                   format="csv") == downloads + 2
    assert _metric("govshare_opendata_api_calls_total", action="package_show",
                   outcome="ok") == calls + 1
    assert _metric("govshare_opendata_api_calls_total", action="package_show",
                   outcome="error") == errors + 1
    page = client.get(f"/opendata/datasets/{scenic.code}/").content.decode()
    assert 'id="download-count">3<' in page and 'id="api-call-count">1<' in page
