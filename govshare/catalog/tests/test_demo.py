"""The demo catalog: realistic Hebei resources published through the services, loaded by
`govshare demo` as many times as one likes (R7, R11, R12)."""

from io import StringIO

from django.core.management import call_command

from govshare.catalog.models import DataElement, Resource, SourceConflict
from govshare.search.bulk import rebuild
from govshare.search.index import search


def test_r7_demo_catalog_is_published_realistic_and_idempotent(db):
    output = StringIO()
    call_command("demo", stdout=output)
    counts = (Resource.objects.count(), DataElement.objects.count(),
              SourceConflict.objects.count())
    call_command("demo", stdout=StringIO())
    assert (Resource.objects.count(), DataElement.objects.count(),
            SourceConflict.objects.count()) == counts
    assert counts[0] >= 24 and Resource.objects.published().count() == counts[0]
    assert "scjgj_officer" in output.getvalue() and "hb_reviewer" in output.getvalue()

    population = Resource.objects.get(versions__name="常住人口户籍信息")
    assert population.provider.name == "河北省公安厅"
    assert population.share_type in ("unconditional", "conditional")
    names = [i.name for i in population.data_items()]
    assert names[:6] == ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户籍地址"]
    for provider, name in [("河北省市场监督管理局", "市场主体登记信息"),
                           ("河北省民政厅", "婚姻登记信息"),
                           ("河北省人力资源和社会保障厅", "社会保险参保信息")]:
        assert Resource.objects.published().filter(provider__name=provider,
                                                   versions__name=name).exists()
    published = [r.current for r in Resource.objects.published()]
    assert any(v.share_type == "conditional" and v.share_conditions for v in published)
    assert any(v.share_type == "not_shared" and v.legal_basis for v in published)
    assert sum(v.open_type == "open" for v in published) >= 5
    assert SourceConflict.objects.open().get().element.identifier == "TYSHXYDM"
    assert search("户籍").total >= 2


def test_r6_the_operator_reads_the_catalog_in_the_admin(login, published):
    resource = published()
    client = login("operator")
    for url in ["/admin/catalog/resource/", f"/admin/catalog/resource/{resource.pk}/change/",
                "/admin/catalog/dataelement/", "/admin/catalog/classification/",
                "/admin/catalog/sourceconflict/"]:
        assert client.get(url).status_code == 200, url
    assert login("gat_admin").get("/admin/catalog/resource/").status_code == 302


def test_r7_the_search_index_can_be_rebuilt_from_the_catalog(published, compile_resource):
    published()
    compile_resource("gat_staff", name="草稿户籍资源")
    rebuild([])
    assert search("户籍").total == 0
    output = StringIO()
    call_command("catalog_reindex", stdout=output)
    assert "Indexed 1 published resources" in output.getvalue()
    found = search("户籍")
    assert [h.name for h in found.hits] == ["常住人口户籍信息"]
    assert found.hits[0].data_items == "公民身份号码 姓名 性别 出生日期 户籍地址"
