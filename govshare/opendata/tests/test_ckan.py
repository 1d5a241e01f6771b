"""The CKAN action API (R19): CKAN's envelope and error shapes, and the `ckanapi` client against
a live server getting the figures the portal shows."""

import re

import pytest
from ckanapi import RemoteCKAN
from ckanapi.errors import NotFound, ValidationError

from govshare.opendata.models import DailyUsage


def test_r19_answers_in_ckans_envelope(client, scenic):
    answer = client.get("/api/3/action/package_list").json()
    assert set(answer) == {"help", "success", "result"}
    assert answer["success"] is True and answer["result"] == [scenic.code.lower()]
    assert answer["help"] == "http://testserver/api/3/action/help_show?name=package_list"
    assert client.get("/api/3/action/help_show?name=package_search").json()["result"] \
        .startswith("Search the public datasets")
    posted = client.post("/api/action/package_show", {"id": scenic.code.lower()},
                         content_type="application/json").json()
    assert posted["result"]["id"] == scenic.code


def test_r19_errors_take_ckans_shapes(client, scenic):
    unknown = client.get("/api/3/action/package_create")
    assert unknown.status_code == 400 and unknown.json().startswith("Bad request - ")
    missing = client.get("/api/3/action/package_show?id=nothing-here")
    assert missing.status_code == 404
    assert missing.json()["success"] is False
    assert missing.json()["error"]["__type"] == "Not Found Error"
    invalid = client.get("/api/3/action/package_search?rows=many")
    assert invalid.status_code == 409
    assert invalid.json()["error"]["__type"] == "Validation Error"
    assert "rows" in invalid.json()["error"]
    query = client.get("/api/3/action/package_search?fq=tags:旅游")
    assert query.status_code == 400 and query.json()["error"]["__type"] == "Search Query Error"
    bad_key = client.get("/api/3/action/package_list", headers={"Authorization": "god_a_b"})
    assert bad_key.status_code == 403
    assert bad_key.json()["error"]["__type"] == "Authorization Error"
    english = client.get("/api/3/action/package_show?id=x", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"].startswith("Not found: ")


def _portal_figures(client):
    page = client.get("/opendata/").content.decode()
    total = int(re.search(r'id="result-count">(\d+)<', page).group(1))
    facets = {}
    for facet, value, count in re.findall(
            r'data-facet="(\w+)" data-value="([^"]+)">[^<]*</a> '
            r'<span class="muted" data-count>(\d+)</span>', page):
        facets.setdefault(facet, {})[value] = int(count)
    return total, facets


@pytest.mark.django_db(transaction=True)
def test_r19_ckanapi_lists_shows_and_searches_with_the_portal_figures(
        live_server, scenic, safety, client):
    total, facets = _portal_figures(client)
    assert total == 2
    client.get(f"/opendata/datasets/{scenic.code}/download.csv")
    page = client.get(f"/opendata/datasets/{scenic.code}/").content.decode()
    records = int(re.search(r'id="record-count">(\d+)<', page).group(1))
    downloads = int(re.search(r'id="download-count">(\d+)<', page).group(1))
    with RemoteCKAN(live_server.url) as ckan:
        names = ckan.action.package_list()
        assert sorted(names) == sorted([scenic.code.lower(), safety.code.lower()])
        found = ckan.action.package_search(q="*:*", rows=1,
                                           **{"facet.field": '["open_type", "organization"]'})
        assert found["count"] == total and len(found["results"]) == 1
        assert {i["name"]: i["count"] for i in found["search_facets"]["open_type"]["items"]} \
            == facets["open_type"]
        by_provider = {o.pk: o for o in [scenic.provider, safety.provider]}
        assert {i["name"]: i["count"] for i in found["search_facets"]["organization"]["items"]} \
            == {by_provider[int(pk)].short_code.lower(): n
                for pk, n in facets["provider"].items()}
        second = ckan.action.package_search(rows=1, start=1)
        assert {second["results"][0]["id"], found["results"][0]["id"]} == {scenic.code,
                                                                            safety.code}
        scenic_only = ckan.action.package_search(q="景区", fq="open_type:open")
        assert [p["name"] for p in scenic_only["results"]] == [scenic.code.lower()]
        shown = ckan.action.package_show(id=scenic.code.lower())
        extras = {e["key"]: e["value"] for e in shown["extras"]}
        assert int(extras["record_count"]) == records == 60
        assert int(extras["downloads"]) == downloads == 1
        assert [r["format"] for r in shown["resources"]] == ["CSV", "JSON", "XLSX", "PARQUET"]
        resource = ckan.action.resource_show(id=shown["resources"][0]["id"])
        assert resource["url"] == f"{live_server.url}/opendata/datasets/{scenic.code}/download.csv"
        organizations = ckan.action.organization_list(all_fields=True)
        assert {o["name"]: o["package_count"] for o in organizations} == {"whlyt": 1, "gat": 1}
        whlyt = ckan.action.organization_show(id="whlyt", include_datasets=True)
        assert [p["id"] for p in whlyt["packages"]] == [scenic.code]
        data = ckan.action.datastore_search(resource_id=f"{scenic.code}.csv", limit=3)
        assert data["total"] == 60 and len(data["records"]) == 3
        with pytest.raises(NotFound):
            ckan.action.package_show(id="101000000-gat-0001")
        with pytest.raises(ValidationError):
            ckan.action.package_search(rows="lots")
    assert DailyUsage.objects.get(resource=scenic).api_calls == 3
