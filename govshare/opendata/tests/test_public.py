"""What is not open never appears anywhere public, and every rule applies to what leaves
(R19): portal pages, downloads in four formats, the CKAN API and DCAT."""

import csv
import io
import json

import openpyxl
import pyarrow.parquet as pq
import pytest
from pyshacl import validate
from rdflib import Graph

from govshare.catalog.tests.test_dcat import SHAPES
from govshare.opendata.tests.conftest import POPULATION_ROWS

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

FORMATS = ["csv", "json", "xlsx", "parquet"]


def _download(client, code, fmt, **headers):
    response = client.get(f"/opendata/datasets/{code}/download.{fmt}", headers=headers)
    assert response.status_code == 200, response
    assert response.streaming, "downloads are streamed"
    return b"".join(response.streaming_content)


def _records(fmt, body):
    """Rows of a download as dicts by column header."""
    if fmt == "csv":
        assert body.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    if fmt == "json":
        return json.loads(body)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        header, *rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip(header, row, strict=True)) for row in rows]
    return pq.read_table(io.BytesIO(body)).to_pylist()


def _everything_public(client, codes):
    """The text of every public surface that answers: pages, CKAN answers, DCAT, downloads
    (refusals echo the path asked for, so they are checked by status instead)."""
    urls = ["/opendata/", "/opendata/?q=人口", "/opendata/catalog.jsonld"]
    urls += [f"/api/3/action/{action}" for action in [
        "package_list", "organization_list?all_fields=true",
        "organization_show?id=gat&include_datasets=true", "organization_show?id=whlyt",
        "package_search?rows=100&facet.field=[\"organization\",\"open_type\"]"]]
    for code in codes:
        urls += [f"/opendata/datasets/{code}/", f"/opendata/datasets/{code}/dataset.jsonld",
                 f"/api/3/action/package_show?id={code}",
                 f"/api/3/action/datastore_search?resource_id={code}"]
        urls += [f"/opendata/datasets/{code}/download.{fmt}" for fmt in FORMATS]
    answers = [client.get(url) for url in urls]
    return b"\n".join(b"".join(r.streaming_content) if r.streaming else r.content
                      for r in answers if r.status_code == 200).decode("utf-8", "replace")


def test_r19_not_open_resources_and_dropped_items_never_appear(
        client, scenic, population, scenic_rows, published_open_unreleased):
    text = _everything_public(client, [scenic.code, population.code,
                                       published_open_unreleased.code])
    assert "河北省A级旅游景区名录" in text
    for hidden in [population.code, "人口基本信息", POPULATION_ROWS[0]["id_number"],
                   published_open_unreleased.code, "尚未开放的数据",
                   "fzrsfzh", "负责人公民身份号码", scenic_rows[0]["fzrsfzh"],
                   scenic_rows[0]["fzr"], scenic_rows[0]["fzrdh"], "河北省公安厅"]:
        assert hidden not in text, hidden
    for code in [population.code, published_open_unreleased.code]:
        assert client.get(f"/opendata/datasets/{code}/").status_code == 404
        assert client.get(f"/opendata/datasets/{code}/download.csv").status_code == 404
        assert client.get(f"/api/3/action/package_show?id={code}").status_code == 404
        assert client.get(f"/api/3/action/resource_show?id={code}.csv").status_code == 404


def test_r19_a_dropped_item_name_does_not_find_its_dataset(client, scenic):
    page = client.get("/opendata/?q=公民身份号码").content.decode()
    assert 'id="result-count">0<' in page
    assert 'id="result-count">1<' in client.get("/opendata/?q=景区").content.decode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_r19_every_rule_applies_to_every_download_format(client, scenic, scenic_rows, fmt):
    records = _records(fmt, _download(client, scenic.code, fmt))
    assert len(records) == len(scenic_rows) == 60
    by_name = fmt in ("csv", "xlsx")
    key = {True: "景区编码", False: "jqbm"}[by_name]
    got = {r[key]: r for r in records}
    names = {"jqmc": "景区名称", "dj": "等级", "dz": "地址", "pdrq": "评定日期",
             "fzr": "负责人", "fzrdh": "负责人手机号码", "zdcrl": "最大承载量（人次/日）"}
    column = (lambda item: names[item]) if by_name else (lambda item: item)
    for row in scenic_rows:
        out = got[row["jqbm"]]
        assert "fzrsfzh" not in out and "负责人公民身份号码" not in out
        assert out[column("jqmc")] == row["jqmc"], "kept"
        assert out[column("fzr")] == row["fzr"][0] + "**", "masked"
        assert out[column("pdrq")] == row["pdrq"].strftime("%Y-%m"), "generalised to month"
        assert out[column("dz")] == f"河北省石家庄市{row['szxq']}", "generalised to county"
        digest = out[column("fzrdh")]
        assert len(digest) == 64 and row["fzrdh"] not in digest, "keyed hash"
        assert str(out[column("zdcrl")]) == str(row["zdcrl"])
    if fmt in ("json", "parquet", "xlsx"):
        assert all(isinstance(r[column("zdcrl")], int) for r in records), "numbers stay numbers"


def test_r19_the_hash_is_the_same_in_every_format_and_the_api(client, scenic):
    csv_rows = _records("csv", _download(client, scenic.code, "csv"))
    api = client.get(f"/api/3/action/datastore_search?resource_id={scenic.code}.csv&limit=1000")
    records = api.json()["result"]["records"]
    assert [r["fzrdh"] for r in records] == [r["负责人手机号码"] for r in csv_rows]
    assert {f["id"] for f in api.json()["result"]["fields"]} == {
        "jqbm", "jqmc", "dj", "szxq", "dz", "pdrq", "fzr", "fzrdh", "zdcrl"}


def test_r19_every_rule_applies_to_the_ckan_datastore_api(client, scenic, scenic_rows):
    result = client.get(f"/api/3/action/datastore_search?resource_id={scenic.code}"
                        "&limit=5&offset=2").json()["result"]
    assert (result["total"], result["limit"], result["offset"]) == (60, 5, 2)
    first = scenic_rows[2]
    record = result["records"][0]
    assert record["jqbm"] == first["jqbm"] and record["fzr"] == first["fzr"][0] + "**"
    assert record["pdrq"] == first["pdrq"].strftime("%Y-%m")
    assert "fzrsfzh" not in record


def test_r19_conditionally_open_data_needs_a_licensed_credential(
        client, safety, registrant, person):
    from datetime import timedelta

    from govshare.core import clock
    from govshare.opendata import services

    company, token = registrant
    page = client.get(f"/opendata/datasets/{safety.code}/").content.decode()
    assert "有条件开放" in page and "张三丰" not in page, "no preview of conditional data"
    url = f"/opendata/datasets/{safety.code}/download.csv"
    assert client.get(url).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    assert client.get(url, headers={"Authorization": "Bearer god_x_y"}).status_code == 403
    request = services.access_request_file(company, safety, purpose="安全生产风险地图")
    services.access_request_approve(person("gat_officer"), request,
                                    valid_until=clock.today() + timedelta(days=30))
    rows = _records("csv", _download(client, safety.code, "csv",
                                     Authorization=f"Bearer {token}"))
    assert {r["主要负责人"] for r in rows} == {"张**"}
    api = client.get(f"/api/3/action/datastore_search?resource_id={safety.code}",
                     headers={"Authorization": token})
    assert api.json()["result"]["total"] == 6
    assert client.get(f"/api/3/action/datastore_search?resource_id={safety.code}"
                      ).status_code == 403
    services.access_request_revoke(person("gat_officer"), request, reason="违反协议")
    assert client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    from govshare.audit.models import AuditRecord
    assert AuditRecord.objects.filter(action="resource.access",
                                      actor_type="registrant").count() == 2


def test_r19_open_catalog_is_dcat_ap_3_with_only_public_datasets(client, scenic, population):
    response = client.get("/opendata/catalog.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    conforms, _graph, report = validate(graph, shacl_graph=Graph().parse(SHAPES),
                                        inference="none")
    assert conforms, report
    document = response.json()
    assert [d["dct:identifier"] for d in document["dcat:dataset"]] == [scenic.code]
    dataset = document["dcat:dataset"][0]
    assert {i["dct:identifier"] for i in dataset["gs:dataItem"]["@list"]} == {
        "jqbm", "jqmc", "dj", "szxq", "dz", "pdrq", "fzr", "fzrdh", "zdcrl"}
    assert sorted(d["dct:format"]["@id"].rsplit("/", 1)[1] for d in
                  dataset["dcat:distribution"]) == ["CSV", "JSON", "PARQUET", "XLSX"]
    assert all(d["dcat:downloadURL"]["@id"].startswith("http://testserver/opendata/")
               for d in dataset["dcat:distribution"])
    assert "gs:shareConditions" not in dataset and "dct:relation" not in dataset
    one = client.get(f"/opendata/datasets/{scenic.code}/dataset.jsonld")
    assert one.json()["dct:accessRights"]["skos:closeMatch"]["@id"].endswith("PUBLIC")
