"""An anonymous visitor searches the portal, opens a dataset and downloads its CSV (R19)."""

import csv
import io

import pytest

pytestmark = pytest.mark.browser


def test_r19_anonymous_visitor_searches_opens_and_downloads_a_csv(page, scenic, scenic_rows,
                                                                  population, tmp_path):
    page.goto("/opendata/")
    assert page.locator("#result-count").inner_text() == "1"
    page.fill("input[name=q]", "人口")
    page.click("button[type=submit].primary")
    assert page.locator("#result-count").inner_text() == "0", "the population register is hidden"
    page.fill("input[name=q]", "景区")
    page.click("button[type=submit].primary")
    assert page.locator("#result-count").inner_text() == "1"
    page.click("text=河北省A级旅游景区名录")
    page.wait_for_url(f"**/opendata/datasets/{scenic.code}/")
    assert page.locator("#record-count").inner_text() == "60"
    assert "负责人公民身份号码" not in page.content()
    page.screenshot(path=str(tmp_path / "dataset.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("a[data-format=csv]")
    download = download_info.value
    assert download.suggested_filename == f"{scenic.code}.csv"
    path = tmp_path / "scenic.csv"
    download.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 60
    first, source = rows[0], scenic_rows[0]
    assert first["景区编码"] == source["jqbm"] and first["景区名称"] == source["jqmc"]
    assert first["负责人"] == source["fzr"][0] + "**"
    assert first["地址"] == f"河北省石家庄市{source['szxq']}"
    assert "负责人公民身份号码" not in first and source["fzrsfzh"] not in path.read_text("utf-8")
