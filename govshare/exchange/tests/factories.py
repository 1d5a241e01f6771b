"""Test data for the exchange: a published resource with data items, a registered node."""

import httpx
from django.conf import settings
from django.test import Client

from govshare.catalog.models import (
    Classification,
    DataItem,
    Resource,
    ResourceVersion,
    ShareMode,
)
from govshare.core import clock, crypto
from govshare.exchange import services
from govshare.node.signing import RequestSigner, generate_key, key_id_of, public_key_text
from govshare.orgs.models import Organization, User

POPULATION_ITEMS = [
    # identifier, name, data type, is key
    ("id_number", "公民身份号码", "string", True),
    ("name", "姓名", "string", False),
    ("birth_date", "出生日期", "date", False),
    ("address", "住址", "string", False),
    ("region_code", "户籍地区划代码", "string", False),
    ("household_size", "户内人数", "integer", False),
]


def published_resource(provider, code="101000000-GAT-0001", name="人口基本信息",
                       items=POPULATION_ITEMS, share_modes=(ShareMode.API, ShareMode.TABLE)):
    """A resource in force with the given data items, written directly like a fixture."""
    classification, _ = Classification.objects.get_or_create(
        code="1", defaults={"name": "基础信息资源", "level": 1})
    resource = Resource.objects.create(code=code, provider=provider,
                                       status=Resource.Status.PUBLISHED,
                                       first_published_at=clock.now())
    version = ResourceVersion.objects.create(
        resource=resource, number=1, status=ResourceVersion.Status.PUBLISHED, name=name,
        summary=name, classification=classification, share_modes=list(share_modes),
    )
    for position, (identifier, item_name, data_type, is_key) in enumerate(items):
        DataItem.objects.create(version=version, position=position, identifier=identifier,
                                name=item_name, data_type=data_type, is_key=is_key)
    resource.published_version = version
    resource.save(update_fields=["published_version"])
    return resource


def registered_node(tmp_path, organization_name, *, approve=True, name="前置机", algorithm=None):
    """(node, private key) of a node registered for an organisation, approved by the operator;
    its key is of the platform profile's signature algorithm unless `algorithm` names one."""
    from govshare.exchange.models import Node

    organization = Organization.objects.get(name=organization_name)
    algorithm = algorithm or crypto.profile(settings.GOVSHARE_CRYPTO_PROFILE).signature
    key = generate_key(tmp_path / f"{organization.pk}-{name}.key", algorithm)
    public = key.public_key()
    operator = User.objects.get(username="operator")
    _code, text = services.registration_code_issue(operator, organization)
    node = services.node_register(
        Node(key_id=key_id_of(public), public_key=public_key_text(public), name=name,
             contact="张工 0311-1234567"), code=text)
    if approve:
        services.node_approve(operator, node)
    return node, key


class SignedClient:
    """A Django test client whose requests are signed like the node's."""

    def __init__(self, key):
        self.signer = RequestSigner(key)
        self.client = Client()

    def call(self, method, path, body=b"", content_type="application/octet-stream",
             sign=True):
        headers = {}
        if sign:
            request = httpx.Request(method, "http://testserver" + path, content=body)
            self.signer.sign(request, body)
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() in ("signature", "signature-input", "content-digest")}
        return self.client.generic(method, path, data=body, content_type=content_type,
                                   headers=headers)


def grant_for(application, resource, items, *, row_filter=None, daily_quota=None,
              state="active", valid_until=None):
    """A grant written directly, as the sharing workflow would leave it once implemented."""
    from datetime import timedelta

    from govshare.sharing.models import Grant, ShareRequest

    valid_until = valid_until or clock.today() + timedelta(days=365)
    request = ShareRequest.objects.create(
        consumer=application.organization, application=application, resource=resource,
        resource_version=resource.published_version, share_type="conditional",
        items=list(items), row_filter=row_filter or {}, purpose="社会救助对象核查",
        duty="最低生活保障审核", requested_until=valid_until,
        coordinating_region=resource.provider.region, state=ShareRequest.State.GRANTED,
        requested_by=User.objects.get(username="mzt_officer"),
    )
    return Grant.objects.create(
        application=application, resource=resource, share_request=request, items=list(items),
        row_filter=row_filter or {}, daily_quota=daily_quota, state=state,
        valid_from=clock.today(), valid_until=valid_until)


def application_with_token(organization_name, name="社会救助系统"):
    """(application, bearer token) of a consuming system."""
    from govshare.orgs import services as org_services
    from govshare.orgs.models import Application

    organization = Organization.objects.get(name=organization_name)
    application = Application.objects.create(organization=organization, name=name)
    officer = User.objects.filter(organization=organization,
                                  roles__role="sharing_officer").first()
    _credential, token = org_services.credential_issue(officer, application)
    return application, token
