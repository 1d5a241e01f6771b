"""Government networks are closed: every asset a page loads is served by the platform itself."""

import re

import pytest

ASSET = re.compile(r'(?:src|href)="([^"#]+)"')


@pytest.mark.parametrize("url", ["/", "/regions/", "/api/v1/docs"])
def test_r18_pages_load_no_outside_assets(login, url):
    client = login("gat_staff")
    response = client.get(url)
    assert response.status_code == 200
    assets = ASSET.findall(response.content.decode())
    assert assets, "the page should load at least its own assets"
    outside = [a for a in assets if not a.startswith("/") or a.startswith("//")]
    assert outside == []
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset
