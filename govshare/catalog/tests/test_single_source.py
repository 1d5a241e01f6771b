"""One data item, one authoritative source (一数一源, R11): claims, conflicts between departments,
and the authority's decision. Conflicts block neither publication nor the other claimant."""

import pytest

from govshare.catalog import services
from govshare.catalog.models import DataElement, SourceClaim, SourceConflict
from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError

from .conftest import population_metadata

CLAIMED = SourceClaim.Status


def _marriage_items(claim_person_id):
    return [
        {"identifier": "djzh", "name": "婚姻登记证字号", "is_key": True},
        {"identifier": "nfsfzh", "name": "男方公民身份号码", "element": "GMSFHM",
         "is_source": claim_person_id},
        {"identifier": "nfxm", "name": "男方姓名", "element": "XM"},
    ]


def test_r11_an_unchallenged_claim_becomes_the_source(published):
    resource = published()
    element = DataElement.objects.get(identifier="GMSFHM")
    assert element.source.resource == resource
    assert element.source.item_identifier == "gmsfhm"
    assert element.source.status == CLAIMED.RECOGNISED
    # Items that use an element without claiming it make no claim.
    assert DataElement.objects.get(identifier="XM").source is None


def test_r11_a_second_department_claiming_the_element_raises_a_conflict(published, person):
    population = published()
    marriage = published("mzt_officer", name="婚姻登记信息", items=_marriage_items(True))
    # The second claimant's publication went through all the same.
    assert marriage.status == "published"
    conflict = SourceConflict.objects.open().get()
    assert conflict.element.identifier == "GMSFHM"
    assert {c.resource for c in conflict.claims.all()} == {population, marriage}
    element = conflict.element
    assert element.source.resource == population, "the first source stands until decided"
    assert SourceClaim.objects.get(resource=marriage).status == CLAIMED.CLAIMED


def test_r11_open_conflicts_block_neither_claimant(published, person):
    population = published()
    published("mzt_officer", name="婚姻登记信息", items=_marriage_items(True))
    assert SourceConflict.objects.open().count() == 1
    # The first claimant changes and republishes its resource while the conflict is open.
    services.resource_change(person("gat_staff"), population, change_reason="content")
    services.resource_update(person("gat_staff"), population, summary="更新后的摘要。")
    services.resource_submit(person("gat_officer"), population)
    services.resource_publish(person("hb_reviewer"), population)
    assert population.current.number == 2
    assert SourceConflict.objects.open().count() == 1


def test_r11_the_same_department_claiming_twice_raises_no_conflict(published):
    published()
    published(name="居民身份证签发信息")
    assert SourceConflict.objects.count() == 0


def test_r11_the_authority_resolves_a_conflict(published, person):
    population = published()
    marriage = published("mzt_officer", name="婚姻登记信息", items=_marriage_items(True))
    conflict = SourceConflict.objects.open().get()
    winner = SourceClaim.objects.get(resource=population)
    loser = SourceClaim.objects.get(resource=marriage)

    for username in ("gat_officer", "mzt_officer", "sjz_reviewer"):
        with pytest.raises(PermissionDenied):
            services.source_conflict_resolve(person(username), conflict, claim=winner)
    with pytest.raises(ValidationError) as error:
        services.source_conflict_resolve(person("hb_reviewer"), conflict, claim=None)
    assert "claim" in error.value.field_errors

    services.source_conflict_resolve(person("hb_reviewer"), conflict, claim=winner,
                                     comment="公民身份号码由公安机关赋码，以公安厅为准。")
    conflict.refresh_from_db()
    loser.refresh_from_db()
    assert conflict.status == SourceConflict.Status.RESOLVED
    assert conflict.decision == winner and conflict.resolved_by == person("hb_reviewer")
    assert loser.status == CLAIMED.REJECTED
    assert DataElement.objects.get(identifier="GMSFHM").source == winner
    assert not SourceConflict.objects.open().exists()
    with pytest.raises(InvalidTransition):
        services.source_conflict_resolve(person("hb_reviewer"), conflict, claim=winner)

    # Republishing the losing resource does not reopen what the authority decided.
    services.resource_change(person("mzt_staff"), marriage, change_reason="content")
    services.resource_submit(person("mzt_officer"), marriage)
    services.resource_publish(person("hb_reviewer"), marriage)
    assert not SourceConflict.objects.open().exists()


def test_r11_a_city_claim_against_the_province_is_decided_by_the_province(published, person):
    published()
    city = published("sjz_gaj_admin", reviewer="sjz_reviewer", name="居住证办理信息")
    conflict = SourceConflict.objects.open().get()
    assert SourceClaim.objects.get(resource=city) in conflict.claims.all()
    with pytest.raises(PermissionDenied):
        services.source_conflict_resolve(person("sjz_reviewer"), conflict,
                                         claim=SourceClaim.objects.get(resource=city))
    services.source_conflict_resolve(person("hb_reviewer"), conflict,
                                     claim=SourceClaim.objects.get(resource=city))
    assert DataElement.objects.get(identifier="GMSFHM").source.resource == city


def test_r11_withdrawing_the_source_frees_the_element(published, person):
    resource = published()
    services.resource_withdraw(person("gat_officer"), resource, reason="停止")
    assert DataElement.objects.get(identifier="GMSFHM").source is None
    assert SourceClaim.objects.get(resource=resource).status == CLAIMED.WITHDRAWN


def test_r11_dropping_the_claim_in_a_new_version_withdraws_it(published, person):
    resource = published()
    services.resource_change(person("gat_staff"), resource, change_reason="content")
    items = population_metadata()["items"]
    items[0] = {**items[0], "is_source": False}
    services.resource_update(person("gat_staff"), resource, items=items)
    assert DataElement.objects.get(identifier="GMSFHM").source is not None, \
        "the claim holds while the change is under review"
    services.resource_submit(person("gat_officer"), resource)
    services.resource_publish(person("hb_reviewer"), resource)
    assert DataElement.objects.get(identifier="GMSFHM").source is None


def test_r11_the_data_element_register_belongs_to_the_operator_and_authorities(person,
                                                                                elements):
    with pytest.raises(PermissionDenied):
        services.data_element_create(person("gat_admin"), identifier="HZHM", name="护照号码")
    element = services.data_element_create(person("operator"), identifier="HZHM",
                                           name="护照号码", length=9)
    services.data_element_update(person("hb_reviewer"), element, standard="GA 000")
    with pytest.raises(ValidationError) as error:
        services.data_element_create(person("operator"), identifier="HZHM2", name="护照号码")
    assert "name" in error.value.field_errors
