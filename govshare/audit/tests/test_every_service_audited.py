"""Every state-changing service, called for real, appends the audit record it should (R18).

The AST contract (core/tests/test_services_contract.py) shows each service calls audit_record;
this calls each one and reads the chain. Apps declare their calls in tests/audit_cases.py
(see govshare/audit/testing.py); a public service without a case fails the last test here.
"""

import importlib

import pytest

from govshare.audit.models import AuditRecord
from govshare.audit.verify import verify_log
from govshare.core.tests.test_services_contract import ROOT, _services

CASE_MODULES = sorted(p.parent.parent.name for p in ROOT.glob("*/tests/audit_cases.py"))
CASES = [case for app in CASE_MODULES
         for case in importlib.import_module(f"govshare.{app}.tests.audit_cases").CASES]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_r18_service_appends_its_audit_records(case, person):
    before = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
    case.call(person)
    written = list(AuditRecord.objects.filter(id__gt=before).order_by("id"))
    assert [(r.action, r.actor_type) for r in written] == case.expected
    assert {r.outcome for r in written} == {"ok"}
    assert all(r.actor_id and r.object_id for r in written)
    assert all(r.organization_id for r in written if r.actor_type == "user")
    assert verify_log().ok


def test_r18_every_public_service_has_an_audit_case():
    declared = {case.service for case in CASES}
    services = {f"{app}.{name}" for app, name, _function, _all in _services()}
    missing = sorted(services - declared)
    assert missing == [], (
        f"add an AuditCase for {missing} to govshare/<app>/tests/audit_cases.py")
    assert declared - services == set(), "a case names a service that does not exist"
