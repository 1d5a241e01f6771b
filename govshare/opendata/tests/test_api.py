"""The management API (/api/v1/opendata/…): the same services, the same refusals (R19)."""

import json


def _post(client, path, body=None):
    return client.post(f"/api/v1/opendata/{path}", json.dumps(body or {}),
                       content_type="application/json")


def test_r19_rules_proposed_reviewed_and_the_dataset_opened_through_the_api(
        scenic_published, login):
    from govshare.opendata import demo

    officer, reviewer = login("whlyt_officer"), login("hb_reviewer")
    code = scenic_published.code
    refused = _post(officer, f"resources/{code}/deidentifications",
                    {"rules": demo.SCENIC_RULES, "quasi_identifiers": ["szxq"]})
    assert refused.status_code == 201
    proposal = refused.json()
    assert _post(officer, f"deidentifications/{proposal['id']}/approve").status_code == 403
    assert _post(reviewer, f"deidentifications/{proposal['id']}/approve").status_code == 200
    unsafe = _post(officer, f"resources/{code}/open")
    assert unsafe.status_code == 400 and set(unsafe.json()["errors"]) == {"szxq"}
    second = _post(officer, f"resources/{code}/deidentifications",
                   {"rules": demo.SCENIC_RULES, "quasi_identifiers": ["dj"]}).json()
    _post(reviewer, f"deidentifications/{second['id']}/approve")
    opened = _post(officer, f"resources/{code}/open")
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    assert reviewer.get("/api/v1/opendata/deidentifications?state=approved").json()[0][
        "number"] == 2
    assert _post(login("gat_officer"), f"resources/{code}/close",
                 {"reason": "x"}).status_code == 403
    assert _post(reviewer, f"resources/{code}/close", {"reason": "核查"}).json()["state"] \
        == "closed"
