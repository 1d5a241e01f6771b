"""Each services service, called once as the demo user allowed to call it (see audit/testing.py)."""

import json

from govshare.audit.testing import AuditCase
from govshare.services import demo, provider, services

BASE = "http://127.0.0.1:18290"


def _registered(person):
    return services.service_register(person("operator"), demo.company_resource(),
                                     base_url=BASE, credential_header="X-Api-Key",
                                     credential="secret")


OPERATION = {"operation_id": "company_status", "path_template": "/companies/{credit_code}/status",
             "parameters": [{"name": "credit_code", "in": "path", "item": "credit_code"}],
             "response_fields": {"status": {"type": "string", "item": "status"}}}

CASES = [
    AuditCase("services.service_register", _registered, ("service.register",)),
    AuditCase("services.service_operations_import", lambda person: (
        services.service_operations_import(person("operator"), _registered(person),
                                           document=json.dumps(provider.OPENAPI).encode())),
        ("service.register", "service.operations_import")),
    AuditCase("services.service_operation_define", lambda person: (
        services.service_operation_define(person("operator"), _registered(person), OPERATION)),
        ("service.register", "service.operation_define")),
]
