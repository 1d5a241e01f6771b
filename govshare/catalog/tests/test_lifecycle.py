"""The catalog lifecycle (R7) and its denials: draft → submitted → returned or published →
changed (a new version under review while the old one stays in force, R11) → withdrawn; the
share rules a version must satisfy (R3, R12)."""

import re

import pytest

from govshare.audit.models import AuditRecord
from govshare.catalog import services
from govshare.catalog.compare import compare_versions
from govshare.catalog.models import Resource, ResourceVersion
from govshare.core.exceptions import InvalidTransition, PermissionDenied, ValidationError
from govshare.orgs.models import Role, RoleAssignment, User

from .conftest import population_metadata

Status = Resource.Status


def test_r7_department_compiles_submits_and_its_authority_publishes(compile_resource, person):
    resource = compile_resource("gat_staff")
    assert resource.status == Status.DRAFT
    assert re.fullmatch(r"101001000-GAT-0001", resource.code)
    assert resource.current is None and resource.pending_version.number == 1

    services.resource_submit(person("gat_officer"), resource)
    assert resource.status == Status.SUBMITTED
    services.resource_publish(person("hb_reviewer"), resource, comment="同意")

    resource.refresh_from_db()
    assert resource.status == Status.PUBLISHED
    assert resource.current.number == 1
    assert resource.current.status == ResourceVersion.Status.PUBLISHED
    assert resource.current.reviewed_by == person("hb_reviewer")
    assert resource.first_published_at is not None
    assert [i.identifier for i in resource.data_items()] == ["gmsfhm", "xm", "xb", "csrq", "hjdz"]
    assert resource.data_item("gmsfhm").is_key
    assert resource in Resource.objects.published()
    actions = list(AuditRecord.objects.filter(object_id=str(resource.pk),
                                              object_type="catalog.resource")
                   .values_list("action", flat=True))
    assert actions == ["resource.create", "resource.submit", "resource.publish"]


def test_r7_codes_follow_classification_provider_and_sequence(compile_resource):
    first = compile_resource("gat_staff")
    second = compile_resource("gat_staff", name="暂住人口信息")
    other = compile_resource("gat_staff", name="机动车驾驶证信息", classification="301")
    assert (first.code, second.code, other.code) == (
        "101001000-GAT-0001", "101001000-GAT-0002", "301000000-GAT-0001")


def test_r7_staff_compile_but_only_the_sharing_officer_or_admin_submits(compile_resource,
                                                                        person):
    resource = compile_resource("gat_staff")
    with pytest.raises(PermissionDenied):
        services.resource_submit(person("gat_staff"), resource)
    with pytest.raises(PermissionDenied):
        services.resource_submit(person("mzt_officer"), resource)
    services.resource_submit(person("gat_admin"), resource)
    assert resource.status == Status.SUBMITTED


def test_r7_another_department_cannot_compile_for_a_provider(person, elements, organization):
    with pytest.raises(PermissionDenied):
        services.resource_create(person("mzt_staff"),
                                 provider=organization("河北省公安厅"), **population_metadata())
    assert Resource.objects.count() == 0


def test_r7_a_department_cannot_publish_its_own_resource(compile_resource, person):
    resource = compile_resource("gat_staff")
    services.resource_submit(person("gat_officer"), resource)
    for username in ("gat_officer", "gat_admin", "gat_staff"):
        with pytest.raises(PermissionDenied):
            services.resource_publish(person(username), resource)
        with pytest.raises(PermissionDenied):
            services.resource_return(person(username), resource, comment="自己退回")
    resource.refresh_from_db()
    assert resource.status == Status.SUBMITTED and resource.current is None


def test_r7_another_regions_authority_cannot_review(compile_resource, person):
    provincial = compile_resource("gat_staff")
    services.resource_submit(person("gat_officer"), provincial)
    # A city's or a county's authority is below the province: not theirs to review.
    for username in ("sjz_reviewer", "zd_reviewer"):
        with pytest.raises(PermissionDenied):
            services.resource_publish(person(username), provincial)

    city = compile_resource("sjz_gaj_admin", name="居住证办理信息")
    services.resource_submit(person("sjz_gaj_admin"), city)
    with pytest.raises(PermissionDenied):
        services.resource_publish(person("zd_reviewer"), city)
    # The province's authority is above the city's: it may review the city's catalog.
    services.resource_publish(person("hb_reviewer"), city)
    assert city.status == Status.PUBLISHED


def test_r7_nobody_reviews_their_own_submission(compile_resource, person, organization):
    reviewer = person("hb_reviewer")
    RoleAssignment.objects.create(user=reviewer, role=Role.SHARING_OFFICER,
                                  organization=organization("河北省公安厅"))
    reviewer.forget_roles()
    resource = compile_resource("gat_staff")
    services.resource_submit(reviewer, resource)
    with pytest.raises(PermissionDenied):
        services.resource_publish(reviewer, resource)
    assert resource.pending_version.status == ResourceVersion.Status.SUBMITTED


def test_r7_returned_with_comments_then_resubmitted_and_published(compile_resource, person):
    resource = compile_resource("gat_staff")
    services.resource_submit(person("gat_officer"), resource)
    with pytest.raises(ValidationError) as missing:
        services.resource_return(person("hb_reviewer"), resource, comment=" ")
    assert "comment" in missing.value.field_errors

    services.resource_return(person("hb_reviewer"), resource, comment="摘要过于简单，请补充。")
    assert resource.status == Status.RETURNED
    assert resource.pending_version.review_comment == "摘要过于简单，请补充。"

    services.resource_update(person("gat_staff"), resource,
                             summary="全省常住人口户籍登记信息，按日更新。")
    services.resource_submit(person("gat_officer"), resource)
    services.resource_publish(person("hb_reviewer"), resource)
    assert resource.current.summary == "全省常住人口户籍登记信息，按日更新。"


def test_r7_submitted_and_published_content_is_never_edited_in_place(compile_resource, person):
    resource = compile_resource("gat_staff")
    services.resource_submit(person("gat_officer"), resource)
    with pytest.raises(InvalidTransition):
        services.resource_update(person("gat_staff"), resource, name="改名")
    services.resource_publish(person("hb_reviewer"), resource)
    with pytest.raises(InvalidTransition):
        services.resource_update(person("gat_staff"), resource, name="改名")
    assert ResourceVersion.objects.get(resource=resource).name == "常住人口户籍信息"


def test_r7_a_version_without_data_items_cannot_be_submitted(compile_resource, person):
    resource = compile_resource("gat_staff", items=[])
    with pytest.raises(ValidationError) as error:
        services.resource_submit(person("gat_officer"), resource)
    assert "items" in error.value.field_errors


@pytest.mark.parametrize(("overrides", "field"), [
    ({"share_type": "not_shared", "legal_basis": "", "share_modes": []}, "legal_basis"),
    ({"share_type": "conditional", "share_conditions": "  "}, "share_conditions"),
    ({"share_type": "unconditional", "share_modes": []}, "share_modes"),
    ({"share_modes": ["email"]}, "share_modes"),
    ({"share_type": "not_shared", "legal_basis": "《统计法》第三十九条", "open_type": "open"},
     "open_type"),
    ({"open_type": "conditional", "open_conditions": ""}, "open_conditions"),
    ({"classification": "1"}, "classification"),
    ({"classification": "999"}, "classification"),
    ({"summary": ""}, "summary"),
])
def test_r12_share_attributes_are_checked_and_the_message_names_the_field(
        compile_resource, overrides, field):
    with pytest.raises(ValidationError) as error:
        compile_resource("gat_staff", **overrides)
    assert list(error.value.field_errors) == [field]
    assert error.value.field_errors[field][0]
    assert Resource.objects.count() == 0


def test_r3_a_not_shared_resource_states_its_legal_basis(compile_resource, person):
    with pytest.raises(ValidationError) as error:
        compile_resource("gat_staff", share_type="not_shared", share_modes=[])
    assert "不予共享的资源须注明" in error.value.field_errors["legal_basis"][0]
    resource = compile_resource("gat_staff", share_type="not_shared", share_modes=[],
                                legal_basis="《中华人民共和国统计法》第三十九条")
    services.resource_submit(person("gat_officer"), resource)
    services.resource_publish(person("hb_reviewer"), resource)
    assert resource.share_type == "not_shared"


def test_r12_a_conditional_resource_states_its_conditions(compile_resource):
    with pytest.raises(ValidationError) as error:
        compile_resource("gat_staff", share_conditions="")
    assert "有条件共享的资源须说明共享条件" in error.value.field_errors["share_conditions"][0]


def test_r12_an_edit_that_breaks_the_share_rules_is_refused_and_nothing_changes(
        compile_resource, person):
    resource = compile_resource("gat_staff")
    with pytest.raises(ValidationError) as error:
        services.resource_update(person("gat_staff"), resource, share_type="not_shared",
                                 share_modes=[])
    assert "legal_basis" in error.value.field_errors
    assert ResourceVersion.objects.get(resource=resource).share_type == "conditional"


@pytest.mark.parametrize(("item", "field"), [
    ({"identifier": "9bad", "name": "坏标识"}, "items.5.identifier"),
    ({"identifier": "xm", "name": "重复"}, "items.5.identifier"),
    ({"identifier": "zz", "name": ""}, "items.5.name"),
    ({"identifier": "zz", "name": "类型", "data_type": "blob"}, "items.5.data_type"),
    ({"identifier": "zz", "name": "来源", "is_source": True}, "items.5.element"),
    ({"identifier": "zz", "name": "数据元", "element": "NOPE"}, "items.5.element"),
])
def test_r7_bad_data_items_are_named_by_position_and_field(compile_resource, item, field):
    items = population_metadata()["items"] + [item]
    with pytest.raises(ValidationError) as error:
        compile_resource("gat_staff", items=items)
    assert field in error.value.field_errors


def test_r11_a_change_opens_a_new_version_and_the_old_stays_in_force(published, person):
    resource = published()
    v1 = resource.current
    with pytest.raises(ValidationError) as no_reason:
        services.resource_change(person("gat_staff"), resource, change_reason="")
    assert "change_reason" in no_reason.value.field_errors

    v2 = services.resource_change(person("gat_staff"), resource,
                                  change_reason="institutional_reform",
                                  change_description="机构改革后户籍业务调整")
    assert v2.number == 2 and v2.status == ResourceVersion.Status.DRAFT
    assert [i.identifier for i in v2.items.all()] == [i.identifier for i in v1.items.all()]
    with pytest.raises(InvalidTransition):
        services.resource_change(person("gat_staff"), resource, change_reason="content")

    items = population_metadata()["items"] + [
        {"identifier": "mz", "name": "民族", "data_type": "string", "length": 2}]
    services.resource_update(person("gat_staff"), resource, name="常住人口户籍登记信息",
                             items=items)
    services.resource_submit(person("gat_officer"), resource)
    resource.refresh_from_db()
    # Under review, the published version is still the one in force.
    assert resource.status == Status.PUBLISHED
    assert resource.current == v1 and resource.name == "常住人口户籍信息"
    assert resource.data_item("mz") is None

    services.resource_publish(person("hb_reviewer"), resource)
    resource.refresh_from_db()
    v1.refresh_from_db()
    assert resource.current.number == 2 and resource.name == "常住人口户籍登记信息"
    assert v1.status == ResourceVersion.Status.SUPERSEDED and v1.name == "常住人口户籍信息"
    assert resource.data_item("mz").name == "民族"
    assert resource.versions.count() == 2

    comparison = compare_versions(v1, resource.current)
    changed = {c.field: (c.old, c.new) for c in comparison.fields}
    assert changed["name"] == ("常住人口户籍信息", "常住人口户籍登记信息")
    assert changed["change_reason"] == ("", "机构改革")
    assert [i.identifier for i in comparison.items_added] == ["mz"]
    assert comparison.items_removed == [] and comparison.items_changed == []


def test_r11_a_change_can_be_returned_while_the_old_version_stays_in_force(published, person):
    resource = published()
    services.resource_change(person("gat_staff"), resource, change_reason="content")
    services.resource_submit(person("gat_officer"), resource)
    services.resource_return(person("hb_reviewer"), resource, comment="变更理由不充分")
    resource.refresh_from_db()
    assert resource.status == Status.PUBLISHED and resource.current.number == 1
    assert resource.pending_version.status == ResourceVersion.Status.RETURNED
    services.resource_discard(person("gat_staff"), resource)
    assert resource.versions.count() == 1 and resource.pending_version is None


def test_r7_discarding_a_never_published_draft_removes_it(compile_resource, person):
    resource = compile_resource("gat_staff")
    with pytest.raises(PermissionDenied):
        services.resource_discard(person("mzt_staff"), resource)
    services.resource_discard(person("gat_staff"), resource)
    assert not Resource.objects.filter(pk=resource.pk).exists()
    assert AuditRecord.objects.filter(action="resource.discard").exists()


def test_r7_withdrawal_needs_a_reason_and_keeps_the_history(published, person):
    resource = published()
    with pytest.raises(PermissionDenied):
        services.resource_withdraw(person("mzt_officer"), resource, reason="不是我的")
    with pytest.raises(ValidationError) as error:
        services.resource_withdraw(person("gat_officer"), resource, reason="")
    assert "reason" in error.value.field_errors
    services.resource_withdraw(person("gat_officer"), resource, reason="该业务已停止")
    resource.refresh_from_db()
    assert resource.status == Status.WITHDRAWN
    assert resource not in Resource.objects.published()
    assert resource.versions.get().status == ResourceVersion.Status.WITHDRAWN
    with pytest.raises(InvalidTransition):
        services.resource_withdraw(person("gat_officer"), resource, reason="再次")


def test_r7_drafts_are_seen_by_their_department_and_its_authorities_only(
        compile_resource, published, person):
    draft = compile_resource("gat_staff")
    public = published("mzt_officer", name="婚姻登记信息")

    def visible(username):
        return set(Resource.objects.restrict(person(username)))

    assert visible("gat_staff") == {draft, public}
    assert visible("hb_reviewer") == {draft, public}
    assert visible("mzt_staff") == {public}
    assert visible("sjz_reviewer") == {public}
    assert visible("operator") == {draft, public}


def test_r7_the_authoritys_own_resources_are_reviewed_by_another_person(person, elements,
                                                                         organization):
    """The province's authority catalogs its own resources too; its reviewer may publish what
    the authority's sharing officer submitted, but not a submission of their own."""
    authority = organization("河北省数据和政务服务局")
    officer = User.objects.create(username="sjj_officer", organization=authority)
    RoleAssignment.objects.create(user=officer, role=Role.SHARING_OFFICER,
                                  organization=authority)
    resource = services.resource_create(officer, provider=authority,
                                        **population_metadata(name="政务服务事项目录"))
    services.resource_submit(officer, resource)
    services.resource_publish(person("hb_reviewer"), resource)
    assert resource.status == Status.PUBLISHED
