"""Registering a resource's service and declaring its operations (R9): by the provider or the
operator, only for resources shared by API, the provider's credential kept encrypted."""

import json

import pytest

from govshare.catalog.models import ShareMode
from govshare.core.exceptions import PermissionDenied, ValidationError
from govshare.exchange.tests.factories import published_resource
from govshare.orgs.models import Organization
from govshare.services import demo as service_demo
from govshare.services import provider, services, vault
from govshare.services.models import Operation, ServiceEndpoint

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:18290"


def test_r9_the_operator_registers_a_service_and_its_credential_is_encrypted(person):
    endpoint = services.service_register(
        person("operator"), service_demo.company_resource(), base_url=URL + "/",
        timeout_seconds=2, credential_header="X-Api-Key", credential="top-secret")
    stored = ServiceEndpoint.objects.get(pk=endpoint.pk)
    assert stored.base_url == URL
    assert "top-secret" not in stored.credential_encrypted
    assert vault.unseal(stored.credential_encrypted) == "top-secret"
    # Changing the address keeps the credential unless a new one is given.
    services.service_register(person("operator"), stored.resource, base_url=URL + "/v2")
    assert vault.unseal(ServiceEndpoint.objects.get(pk=endpoint.pk).credential_encrypted) == \
        "top-secret"


def test_r9_only_a_resource_shared_by_api_can_have_a_service(person):
    table_only = published_resource(Organization.objects.get(name="河北省公安厅"),
                                    code="101000000-GAT-0009", share_modes=[ShareMode.TABLE])
    with pytest.raises(ValidationError) as refused:
        services.service_register(person("gat_admin"), table_only, base_url=URL)
    assert "resource" in refused.value.field_errors
    assert not ServiceEndpoint.objects.exists()


def test_r9_another_department_cannot_register_the_providers_service(person):
    with pytest.raises(PermissionDenied):
        services.service_register(person("gat_admin"), service_demo.company_resource(),
                                  base_url=URL)


@pytest.mark.parametrize(("field", "options"), [
    ("base_url", {"base_url": "ftp://127.0.0.1/"}),
    ("base_url", {"base_url": "http://127.0.0.1/?x=1"}),
    ("timeout_seconds", {"timeout_seconds": 0}),
    ("timeout_seconds", {"timeout_seconds": 600}),
    ("credential_header", {"credential_header": "bad header"}),
])
def test_r9_a_bad_registration_names_its_field(person, field, options):
    with pytest.raises(ValidationError) as refused:
        services.service_register(person("operator"), service_demo.company_resource(),
                                  **{"base_url": URL, **options})
    assert field in refused.value.field_errors


def test_r9_operations_are_imported_from_the_providers_openapi_document(person):
    endpoint = service_demo.register(URL)
    by_id = {o.operation_id: o for o in Operation.objects.filter(endpoint=endpoint)}
    assert set(by_id) == {"company_by_code", "companies_by_name"}
    lookup = by_id["company_by_code"]
    assert lookup.path_template == "/companies/{credit_code}"
    assert lookup.parameter_items == ["credit_code"]
    assert lookup.parameters[0]["pattern"] == "^[0-9A-Z]{18}$"
    assert lookup.response_fields["name"] == {"type": "string", "item": "name",
                                              "required": True}
    assert by_id["companies_by_name"].response_kind == "array"
    # Importing again replaces, never duplicates.
    service_demo.register(URL)
    assert Operation.objects.filter(endpoint=endpoint).count() == 2


def test_r9_an_explicit_item_mapping_wins_over_the_name(person):
    document = json.loads(json.dumps(provider.OPENAPI))
    schema = document["components"]["schemas"]["Company"]["properties"]
    schema["qymc"] = {"type": "string", "x-govshare-item": "name"}
    endpoint = service_demo.register(URL)
    services.service_operations_import(person("operator"), endpoint,
                                       document=json.dumps(document).encode())
    operation = Operation.objects.get(endpoint=endpoint, operation_id="company_by_code")
    assert operation.response_fields["qymc"]["item"] == "name"


@pytest.mark.parametrize("document", [b"not json", b'{"swagger": "2.0"}',
                                      b'{"openapi": "3.0.0", "paths": {}}'])
def test_r9_a_document_that_is_not_usable_openapi_is_refused(person, document):
    endpoint = service_demo.register(URL)
    with pytest.raises(ValidationError) as refused:
        services.service_operations_import(person("operator"), endpoint, document=document)
    assert "document" in refused.value.field_errors


def test_r9_an_import_with_one_wrong_operation_writes_none(person):
    endpoint = services.service_register(person("operator"), service_demo.company_resource(),
                                         base_url=URL)
    document = json.loads(json.dumps(provider.OPENAPI))
    document["paths"]["/companies"]["get"]["parameters"][0]["x-govshare-item"] = "no_such"
    with pytest.raises(ValidationError):
        services.service_operations_import(person("operator"), endpoint,
                                           document=json.dumps(document).encode())
    assert not Operation.objects.filter(endpoint=endpoint).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"method": "DELETE"}, "method"),
    ({"path_template": "companies"}, "path_template"),
    ({"path_template": "/companies/{code}"}, "parameters"),
    ({"response_fields": {}}, "response_fields"),
    ({"response_fields": {"x": {"type": "object"}}}, "response_fields.x"),
    ({"parameters": [{"name": "credit_code", "in": "path", "item": "nope"}]},
     "parameters.credit_code"),
])
def test_r9_a_wrong_operation_entered_by_hand_names_its_field(person, change, field):
    endpoint = services.service_register(person("operator"), service_demo.company_resource(),
                                         base_url=URL)
    declaration = {"operation_id": "status", "path_template": "/companies/{credit_code}",
                   "parameters": [{"name": "credit_code", "in": "path", "item": "credit_code"}],
                   "response_fields": {"status": {"type": "string", "item": "status"}},
                   **change}
    with pytest.raises(ValidationError) as refused:
        services.service_operation_define(person("operator"), endpoint, declaration)
    assert field in refused.value.field_errors


def test_r9_the_api_registers_and_imports(login):
    client = login("operator")
    service_demo.company_resource()
    code = service_demo.RESOURCE_CODE
    response = client.put(f"/api/v1/service-endpoints/{code}", {
        "base_url": URL, "credential_header": "X-Api-Key", "credential": "k"},
        content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["has_credential"] is True and "credential" not in response.json()
    upload = client.post(f"/api/v1/service-endpoints/{code}/openapi",
                         {"document": _file(json.dumps(provider.OPENAPI).encode())})
    assert upload.status_code == 201, upload.content
    listed = client.get(f"/api/v1/service-endpoints/{code}/operations").json()
    assert {o["operation_id"] for o in listed} == {"company_by_code", "companies_by_name"}
    denied = login("gat_admin").put(f"/api/v1/service-endpoints/{code}", {"base_url": URL},
                                    content_type="application/json")
    assert denied.status_code == 403


def _file(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("openapi.json", content, content_type="application/json")
