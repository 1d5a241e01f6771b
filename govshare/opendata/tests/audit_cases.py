"""Each opendata service, called once by the actor allowed to call it (see audit/testing.py):
the demo's people, and a registrant for what an enterprise does itself. What a case needs first
(a published resource, rules, an open dataset, a registrant, an application) is written
directly, like a fixture, so each case appends only its own record."""

from datetime import timedelta

from govshare.audit.testing import AuditCase
from govshare.catalog.demo import load_classifications
from govshare.catalog.models import Classification, DataItem, Resource, ResourceVersion
from govshare.core import clock
from govshare.opendata import services
from govshare.opendata.models import AccessRequest, Dataset, Deidentification, Registrant
from govshare.orgs.credit_code import make_credit_code
from govshare.orgs.models import Organization

RULES = {"xkzbh": {"rule": "keep"}, "fzr": {"rule": "mask", "first": 1, "last": 0}}


def _resource(open_type="conditional"):
    load_classifications()
    resource = Resource.objects.create(
        code="204000000-GAT-0099", provider=Organization.objects.get(name="河北省公安厅"),
        status=Resource.Status.PUBLISHED, first_published_at=clock.now())
    version = ResourceVersion.objects.create(
        resource=resource, number=1, status=ResourceVersion.Status.PUBLISHED,
        name="危险物品从业单位名录", summary="演示", share_modes=["api"],
        classification=Classification.objects.get(code="204"), open_type=open_type,
        open_conditions="须说明用途", published_at=clock.now())
    DataItem.objects.create(version=version, identifier="xkzbh", name="许可证编号",
                            is_key=True)
    DataItem.objects.create(version=version, identifier="fzr", name="负责人", position=1)
    resource.published_version = version
    resource.save(update_fields=["published_version"])
    return resource


def _rules(person, state=Deidentification.State.APPROVED, resource=None):
    return Deidentification.objects.create(
        resource=resource or _resource(), number=1, state=state, rules=RULES,
        proposed_by=person("gat_officer"))


def _open(person):
    rules = _rules(person)
    return Dataset.objects.create(resource=rules.resource, opened_by=person("gat_officer"))


def _registrant():
    return Registrant.objects.create(
        name="演示企业", credit_code=make_credit_code("9", "130100", 5001), contact_name="王",
        contact_phone="0311-1", email="w@example.com", terms_version=services.TERMS_VERSION,
        terms_accepted_at=clock.now())


def _application(person, state=AccessRequest.State.PENDING):
    dataset = _open(person)
    return AccessRequest.objects.create(
        registrant=_registrant(), resource=dataset.resource, purpose="安全应用", state=state,
        valid_until=clock.today() + timedelta(days=30))


def _new_registrant():
    return Registrant(name="新注册企业", credit_code=make_credit_code("9", "130100", 5002),
                      contact_name="李", contact_phone="0311-2", email="l@example.com")


CASES = [
    AuditCase("opendata.deidentification_propose", lambda person: (
        services.deidentification_propose(person("gat_officer"), _resource(), rules=RULES,
                                          quasi_identifiers=["fzr"])),
        ("deidentification.propose",)),
    AuditCase("opendata.deidentification_approve", lambda person: (
        services.deidentification_approve(person("hb_reviewer"), _rules(person, "proposed"))),
        ("deidentification.approve",)),
    AuditCase("opendata.deidentification_return", lambda person: (
        services.deidentification_return(person("hb_reviewer"), _rules(person, "proposed"),
                                          comment="请补充说明")),
        ("deidentification.return",)),
    AuditCase("opendata.dataset_open", lambda person: (
        services.dataset_open(person("gat_officer"), _rules(person).resource)),
        ("dataset.open",)),
    AuditCase("opendata.dataset_close", lambda person: (
        services.dataset_close(person("hb_reviewer"), _open(person), reason="核查投诉")),
        ("dataset.close",)),
    AuditCase("opendata.registrant_register", lambda person: (
        services.registrant_register(_new_registrant(), accept_terms=True)),
        ("registrant.register",), actor_types=("registrant",)),
    AuditCase("opendata.registrant_credential_issue", lambda person: (
        services.registrant_credential_issue(person("operator"), _registrant())),
        ("registrant_credential.issue",)),
    AuditCase("opendata.access_request_file", lambda person: (
        services.access_request_file(_registrant(), _open(person).resource,
                                     purpose="企业安全生产风险地图")),
        ("access_request.file",), actor_types=("registrant",)),
    AuditCase("opendata.access_request_approve", lambda person: (
        services.access_request_approve(person("gat_officer"), _application(person),
                                        valid_until=clock.today() + timedelta(days=30))),
        ("access_request.approve",)),
    AuditCase("opendata.access_request_refuse", lambda person: (
        services.access_request_refuse(person("gat_officer"), _application(person),
                                       reason="用途不符")),
        ("access_request.refuse",)),
    AuditCase("opendata.access_request_revoke", lambda person: (
        services.access_request_revoke(person("gat_officer"),
                                       _application(person, AccessRequest.State.APPROVED),
                                       reason="违反协议")),
        ("access_request.revoke",)),
]
