"""The published catalog as DCAT-AP 3 JSON-LD (R19: open standards), validated with pyshacl
against the DCAT-AP 3 mandatory properties; the JSON-LD context is inline, nothing is fetched."""

import json
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from govshare.catalog.dcat import GS
from govshare.orgs.services import application_create, credential_issue

# rdflib's own JSON-LD parser still builds a ConjunctiveGraph internally.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

SHAPES = Path(__file__).parent / "data" / "dcat-ap-3-mandatory.ttl"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GSNS = Namespace(GS)


def _graph(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph()
    graph.parse(data=response.content.decode(), format="json-ld")
    return graph


def _conforms(graph):
    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, _report_graph, report = validate(graph, shacl_graph=shapes, inference="none")
    return conforms, report


@pytest.fixture
def catalog(published, compile_resource):
    population = published()
    published("mzt_officer", name="婚姻登记信息", summary="结婚离婚登记。",
              share_type="unconditional", share_conditions="", share_modes=["api", "file"],
              open_type="open", update_cycle="monthly", keywords="婚姻,登记",
              contact="民政厅 0311-0000")
    published("mzt_officer", name="统计原始资料", share_type="not_shared", share_modes=[],
              legal_basis="《中华人民共和国统计法》第三十九条", update_cycle="irregular")
    draft = compile_resource("gat_staff", name="未发布草稿")
    return population, draft


def test_r19_catalog_jsonld_validates_against_dcat_ap_3_mandatory_properties(login, catalog):
    graph = _graph(login("mzt_staff").get("/catalog.jsonld"))
    conforms, report = _conforms(graph)
    assert conforms, report
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    datasets = set(graph.objects(catalogs[0], DCAT.dataset))
    titles = {str(graph.value(d, DCT.title)) for d in datasets}
    assert titles == {"常住人口户籍信息", "婚姻登记信息", "统计原始资料"}, "drafts stay out"
    publisher = graph.value(catalogs[0], DCT.publisher)
    assert str(graph.value(publisher, FOAF.name)) == "河北省数据和政务服务局"


def test_r19_the_dcat_mapping_of_one_resource(login, catalog):
    population, _draft = catalog
    graph = _graph(login("mzt_staff").get(f"/catalog/resources/{population.code}/dataset.jsonld"))
    assert _conforms(graph)[0]
    dataset = next(graph.subjects(RDF.type, DCAT.Dataset))
    assert graph.value(dataset, DCT.title) == Literal("常住人口户籍信息", lang="zh")
    assert str(graph.value(dataset, DCT.identifier)) == population.code
    assert str(graph.value(graph.value(dataset, DCT.publisher), FOAF.name)) == "河北省公安厅"
    assert graph.value(dataset, DCT.accrualPeriodicity) == URIRef(
        "http://publications.europa.eu/resource/authority/frequency/DAILY")
    rights = graph.value(dataset, DCT.accessRights)
    assert rights == URIRef(GS + "share-type/conditional")
    assert str(graph.value(dataset, GSNS.shareConditions)) == "用于政务服务身份核验"
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == 1
    assert str(graph.value(distributions[0], DCAT.accessURL)).endswith(
        f"/catalog/resources/{population.code}/")
    # Data items: the gs: extension, an ordered list of gs:DataItem nodes.
    items = Collection(graph, graph.value(dataset, GSNS.dataItem))
    identifiers = [str(graph.value(i, DCT.identifier)) for i in items]
    assert identifiers == ["gmsfhm", "xm", "xb", "csrq", "hjdz"]
    first = items[0]
    assert graph.value(first, RDF.type) == GSNS.DataItem
    assert graph.value(first, GSNS.isKey).toPython() is True
    assert str(graph.value(graph.value(first, GSNS.dataElement), DCT.identifier)) == "GMSFHM"


def test_r19_a_not_shared_resource_states_its_legal_basis_and_has_no_distribution(login,
                                                                                  catalog):
    graph = _graph(login("mzt_staff").get("/catalog.jsonld"))
    secret = next(d for d in graph.subjects(RDF.type, DCAT.Dataset)
                  if str(graph.value(d, DCT.title)) == "统计原始资料")
    assert list(graph.objects(secret, DCAT.distribution)) == []
    assert "统计法" in str(graph.value(secret, GSNS.legalBasis))


def test_r19_the_shapes_catch_a_missing_mandatory_property(login, catalog):
    """The validation can fail: a catalog without description, a distribution without URL."""
    document = json.loads(login("mzt_staff").get("/catalog.jsonld").content)
    del document["dct:description"]
    for dataset in document["dcat:dataset"]:
        for distribution in dataset.get("dcat:distribution", []):
            del distribution["dcat:accessURL"]
    graph = Graph().parse(data=json.dumps(document), format="json-ld")
    conforms, report = _conforms(graph)
    assert not conforms
    assert "description" in report and "accessURL" in report


def test_r19_region_catalogs_and_access(client, login, catalog, person):
    assert client.get("/catalog.jsonld").status_code == 302, "login required"
    city = _graph(login("mzt_staff").get("/catalog.jsonld?region=130100"))
    assert list(city.subjects(RDF.type, DCAT.Dataset)) == []
    _population, draft = catalog
    assert login("gat_staff").get(f"/catalog/resources/{draft.code}/dataset.jsonld") \
        .status_code == 404
    officer = person("mzt_admin")
    application = application_create(officer, organization=officer.organization, name="目录采集")
    _credential, token = credential_issue(officer, application)
    harvested = _graph(client.get("/catalog.jsonld",
                                  headers={"Authorization": f"Bearer {token}"}))
    assert len(list(harvested.subjects(RDF.type, DCAT.Dataset))) == 3
