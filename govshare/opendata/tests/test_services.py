"""Rules go through services with permission checks: the provider's sharing officer proposes,
an authority reviewer of its region approves, nobody approves their own; a dataset opens only
with approved rules and a passing k-anonymity check; registrants register with a valid credit
code and the terms, apply, and the provider decides (R19)."""

from datetime import timedelta

import pytest

from govshare.audit.models import AuditRecord
from govshare.core import clock
from govshare.core.exceptions import (
    InvalidTransition,
    NotAuthenticated,
    PermissionDenied,
    ValidationError,
)
from govshare.opendata import demo as opendata_demo
from govshare.opendata import services
from govshare.opendata.models import AccessRequest, Dataset, Deidentification, Registrant
from govshare.orgs.models import Region, Role, RoleAssignment


def _propose(officer, resource, **changes):
    return services.deidentification_propose(
        officer, resource, rules={**opendata_demo.SCENIC_RULES, **changes.pop("rules", {})},
        quasi_identifiers=changes.pop("quasi", opendata_demo.SCENIC_QUASI))


def test_r19_officer_proposes_the_authority_approves_and_the_dataset_opens(
        scenic_published, officer, person):
    proposal = _propose(officer, scenic_published)
    assert proposal.state == Deidentification.State.PROPOSED
    with pytest.raises(ValidationError) as refused:
        services.dataset_open(officer, scenic_published)
    assert "deidentification" in refused.value.field_errors, "no rules in force yet"
    services.deidentification_approve(person("hb_reviewer"), proposal, comment="同意")
    dataset = services.dataset_open(officer, scenic_published)
    assert dataset.state == Dataset.State.OPEN
    assert (dataset.checked_k, dataset.checked_records) == (5, 60)
    assert dataset.smallest_group >= 5
    actions = list(AuditRecord.objects.filter(action__in=[
        "deidentification.propose", "deidentification.approve", "dataset.open"])
        .values_list("action", flat=True))
    assert actions == ["deidentification.propose", "deidentification.approve", "dataset.open"]
    with pytest.raises(InvalidTransition):
        services.dataset_open(officer, scenic_published)


def test_r19_who_may_propose_and_review(scenic_published, officer, person):
    with pytest.raises(PermissionDenied):
        _propose(person("gat_officer"), scenic_published)
    proposal = _propose(officer, scenic_published)
    with pytest.raises(PermissionDenied):
        services.deidentification_approve(officer, proposal)
    with pytest.raises(PermissionDenied):
        services.deidentification_approve(person("sjz_reviewer"), proposal), \
            "a city's reviewer does not review a provincial department"
    with pytest.raises(PermissionDenied):
        services.deidentification_return(person("gat_officer"), proposal, comment="不行")
    with pytest.raises(InvalidTransition):
        _propose(officer, scenic_published)


def test_r19_nobody_approves_their_own_rules(scenic_published, officer, person):
    RoleAssignment.objects.create(user=officer, role=Role.AUTHORITY_REVIEWER,
                                  region=Region.objects.get(code="130000"))
    officer.forget_roles()
    proposal = _propose(officer, scenic_published)
    with pytest.raises(PermissionDenied):
        services.deidentification_approve(officer, proposal)
    services.deidentification_approve(person("hb_reviewer"), proposal)


def test_r19_returned_rules_need_a_comment_and_can_be_proposed_again(
        scenic_published, officer, person):
    proposal = _propose(officer, scenic_published)
    with pytest.raises(ValidationError) as refused:
        services.deidentification_return(person("hb_reviewer"), proposal, comment=" ")
    assert "comment" in refused.value.field_errors
    services.deidentification_return(person("hb_reviewer"), proposal, comment="手机号须哈希")
    assert _propose(officer, scenic_published).number == 2


def test_r19_k_check_refuses_to_open_and_names_the_items(scenic_published, officer, person):
    proposal = _propose(officer, scenic_published, quasi=["szxq", "dj"])
    services.deidentification_approve(person("hb_reviewer"), proposal)
    with pytest.raises(ValidationError) as refused:
        services.dataset_open(officer, scenic_published)
    assert set(refused.value.field_errors) == {"szxq"}, "等级 alone keeps groups of five or more"
    message = refused.value.field_errors["szxq"][0]
    assert "所在县（市、区）" in message and "少于 5 条" in message
    assert not Dataset.objects.filter(state=Dataset.State.OPEN).exists()


def test_r19_k_is_a_setting(scenic_published, officer, person, settings):
    settings.GOVSHARE_OPENDATA_K = 9
    proposal = _propose(officer, scenic_published)
    services.deidentification_approve(person("hb_reviewer"), proposal)
    with pytest.raises(ValidationError) as refused:
        services.dataset_open(officer, scenic_published)
    assert set(refused.value.field_errors) == {"dj"}, "the 5A group has 8 records"


def test_r19_new_rules_for_an_open_dataset_pass_the_check_too(scenic, officer, person):
    proposal = _propose(officer, scenic, quasi=["szxq"])
    with pytest.raises(ValidationError) as refused:
        services.deidentification_approve(person("hb_reviewer"), proposal)
    assert "szxq" in refused.value.field_errors


def test_r19_a_not_open_resource_cannot_be_opened(population, person):
    with pytest.raises(ValidationError) as refused:
        services.deidentification_propose(person("gat_officer"), population, rules={})
    assert "open_type" in refused.value.field_errors


def test_r19_rules_are_checked_against_the_items(scenic_published, officer):
    with pytest.raises(ValidationError) as refused:
        services.deidentification_propose(officer, scenic_published,
                                          rules={"jqbm": {"rule": "keep"}})
    assert "rules" in refused.value.field_errors


def test_r19_closing_needs_a_reason_and_hides_the_dataset(scenic, officer, person, client):
    dataset = scenic.open_dataset
    with pytest.raises(ValidationError):
        services.dataset_close(officer, dataset, reason="")
    with pytest.raises(PermissionDenied):
        services.dataset_close(person("gat_officer"), dataset, reason="无权")
    services.dataset_close(person("hb_reviewer"), dataset, reason="收到隐私投诉，核查中")
    assert client.get(f"/opendata/datasets/{scenic.code}/").status_code == 404


def _registrant(**changes):
    fields = {"name": "某某科技有限公司", "credit_code": "91130100MA0000000X",
              "contact_name": "王", "contact_phone": "0311-1", "email": "w@example.com"}
    return Registrant(**{**fields, **changes})


def test_r19_registration_needs_a_valid_credit_code_and_the_terms(db):
    with pytest.raises(ValidationError) as refused:
        services.registrant_register(_registrant(), accept_terms=False)
    assert set(refused.value.field_errors) == {"accept_terms", "credit_code"}
    assert "校验码" in refused.value.field_errors["credit_code"][0]
    with pytest.raises(NotAuthenticated):
        services.registrant_register(None, accept_terms=True)


def test_r19_a_registrant_applies_and_the_provider_decides(safety, registrant, person):
    company, token = registrant
    assert token.startswith("god_")
    assert company.terms_version == services.TERMS_VERSION
    with pytest.raises(ValidationError):
        services.registrant_register(_registrant(credit_code=company.credit_code),
                                     accept_terms=True)
    with pytest.raises(ValidationError):
        services.access_request_file(company, safety, purpose="")
    request = services.access_request_file(company, safety, purpose="企业安全生产风险地图")
    with pytest.raises(InvalidTransition):
        services.access_request_file(company, safety, purpose="再申请一次")
    with pytest.raises(PermissionDenied):
        services.access_request_approve(person("mzt_officer"), request,
                                        valid_until=clock.today() + timedelta(days=30))
    with pytest.raises(ValidationError):
        services.access_request_approve(person("gat_officer"), request,
                                        valid_until=clock.today() + timedelta(days=4000))
    services.access_request_approve(person("gat_officer"), request,
                                    valid_until=clock.today() + timedelta(days=30))
    assert AccessRequest.objects.usable().filter(registrant=company).count() == 1
    services.access_request_revoke(company, request, reason="项目结束")
    assert not AccessRequest.objects.usable().exists()


def test_r19_open_data_needs_no_application(scenic, registrant):
    with pytest.raises(ValidationError):
        services.access_request_file(registrant[0], scenic, purpose="看看")


def test_r19_credentials_are_reissued_by_the_registrant_or_the_operator(registrant, person):
    company, _token = registrant
    services.registrant_credential_issue(company, company)
    services.registrant_credential_issue(person("operator"), company)
    with pytest.raises(PermissionDenied):
        services.registrant_credential_issue(person("gat_officer"), company)
    assert company.credentials.count() == 3
