"""API for regions, organisations, users and roles, applications and credentials."""

from datetime import datetime

from ninja import Router, Schema, Status
from pydantic import Field

from govshare.core.exceptions import NotFound

from . import services
from .models import Application, Credential, Organization, Region, Role, RoleAssignment, User
from .tenancy import served

router = Router(tags=["orgs"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None = Field(None, alias="parent.code")


class OrganizationOut(Schema):
    id: int
    name: str
    credit_code: str
    kind: str
    duty: str
    region: str = Field(..., alias="region.code")
    parent_id: int | None


class RoleOut(Schema):
    id: int
    role: str
    organization_id: int | None
    region: str | None = Field(None, alias="region.code")


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    is_active: bool
    organization_id: int | None
    roles: list[RoleOut]

    @staticmethod
    def resolve_roles(obj):
        return obj.role_assignments()


class UserIn(Schema):
    organization_id: int
    username: str = Field(..., min_length=1, max_length=150)
    password: str
    display_name: str = ""
    email: str = ""


class UserPatch(Schema):
    display_name: str | None = None
    email: str | None = None
    is_active: bool | None = None


class RoleIn(Schema):
    user_id: int
    role: Role
    organization_id: int | None = None
    region_code: str | None = None


class ApplicationOut(Schema):
    id: int
    organization_id: int
    name: str
    description: str
    contact: str
    is_active: bool


class ApplicationIn(Schema):
    organization_id: int
    name: str = Field(..., min_length=1, max_length=200)
    description: str = ""
    contact: str = ""


class ApplicationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    contact: str | None = None
    is_active: bool | None = None


class CredentialOut(Schema):
    id: int
    key_id: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class CredentialIssued(CredentialOut):
    token: str = Field(..., description="Shown once; only its hash is kept.")


class CredentialIn(Schema):
    valid_days: int | None = None


class MeOut(Schema):
    kind: str
    id: int
    name: str
    organization_id: int | None


def _found(queryset, **lookup):
    """One object the actor may see, or NotFound (never a hint that a hidden one exists)."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


@router.get("/me", response=MeOut)
def me(request):
    actor = request.auth
    return {"kind": actor.actor_type, "id": actor.pk, "name": str(actor),
            "organization_id": actor.organization_id}


@router.get("/regions", response=list[RegionOut])
def region_list(request, parent: str | None = None):
    regions = Region.objects.filter(served()).select_related("parent")
    if parent:
        regions = regions.filter(parent__code=parent)
    return regions


@router.get("/regions/{code}", response=RegionOut)
def region_show(request, code: str):
    return _found(Region.objects.filter(served()).select_related("parent"), code=code)


@router.get("/organizations", response=list[OrganizationOut])
def organization_list(request, region: str | None = None, subtree: bool = False):
    organizations = Organization.objects.select_related("region")
    if region:
        area = _found(Region.objects, code=region)
        organizations = organizations.filter(
            region__in=area.subtree() if subtree else [area]
        )
    return organizations


@router.get("/organizations/{organization_id}", response=OrganizationOut)
def organization_show(request, organization_id: int):
    return _found(Organization.objects.select_related("region"), pk=organization_id)


@router.get("/users", response=list[UserOut])
def user_list(request, organization_id: int | None = None):
    users = User.objects.restrict(request.auth).select_related("organization")
    if organization_id:
        users = users.filter(organization_id=organization_id)
    return users


@router.post("/users", response={201: UserOut})
def user_create(request, payload: UserIn):
    organization = _found(Organization.objects, pk=payload.organization_id)
    user = services.user_create(
        request.auth, organization=organization, username=payload.username,
        password=payload.password, display_name=payload.display_name, email=payload.email,
    )
    return Status(201, user)


@router.get("/users/{user_id}", response=UserOut)
def user_show(request, user_id: int):
    return _found(User.objects.restrict(request.auth), pk=user_id)


@router.patch("/users/{user_id}", response=UserOut)
def user_update(request, user_id: int, payload: UserPatch):
    target = _found(User.objects.restrict(request.auth), pk=user_id)
    return services.user_update(request.auth, target, **payload.dict())


@router.post("/roles", response={201: RoleOut})
def role_assign(request, payload: RoleIn):
    user = _found(User.objects.restrict(request.auth), pk=payload.user_id)
    organization = (_found(Organization.objects, pk=payload.organization_id)
                    if payload.organization_id else None)
    region = _found(Region.objects, code=payload.region_code) if payload.region_code else None
    assignment = services.role_assign(request.auth, user=user, role=payload.role,
                                      organization=organization, region=region)
    return Status(201, assignment)


@router.delete("/roles/{role_id}", response={204: None})
def role_revoke(request, role_id: int):
    assignment = _found(
        RoleAssignment.objects.filter(user__in=User.objects.restrict(request.auth)), pk=role_id
    )
    services.role_revoke(request.auth, assignment)
    return Status(204, None)


@router.get("/applications", response=list[ApplicationOut])
def application_list(request, organization_id: int | None = None):
    applications = Application.objects.restrict(request.auth)
    if organization_id:
        applications = applications.filter(organization_id=organization_id)
    return applications


@router.post("/applications", response={201: ApplicationOut})
def application_create(request, payload: ApplicationIn):
    organization = _found(Organization.objects, pk=payload.organization_id)
    application = services.application_create(
        request.auth, organization=organization, name=payload.name,
        description=payload.description, contact=payload.contact,
    )
    return Status(201, application)


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_show(request, application_id: int):
    return _found(Application.objects.restrict(request.auth), pk=application_id)


@router.patch("/applications/{application_id}", response=ApplicationOut)
def application_update(request, application_id: int, payload: ApplicationPatch):
    application = _found(Application.objects.restrict(request.auth), pk=application_id)
    return services.application_update(request.auth, application, **payload.dict())


@router.get("/applications/{application_id}/credentials", response=list[CredentialOut])
def credential_list(request, application_id: int):
    application = _found(Application.objects.restrict(request.auth), pk=application_id)
    return application.credentials.all()


@router.post("/applications/{application_id}/credentials", response={201: CredentialIssued})
def credential_issue(request, application_id: int, payload: CredentialIn):
    application = _found(Application.objects.restrict(request.auth), pk=application_id)
    credential, token = services.credential_issue(
        request.auth, application, valid_days=payload.valid_days
    )
    credential.token = token
    return Status(201, credential)


def _credential(request, credential_id):
    return _found(
        Credential.objects.filter(
            application__in=Application.objects.restrict(request.auth)
        ).select_related("application__organization"),
        pk=credential_id,
    )


@router.post("/credentials/{credential_id}/rotate", response={201: CredentialIssued})
def credential_rotate(request, credential_id: int):
    credential, token = services.credential_rotate(
        request.auth, _credential(request, credential_id)
    )
    credential.token = token
    return Status(201, credential)


@router.post("/credentials/{credential_id}/revoke", response=CredentialOut)
def credential_revoke(request, credential_id: int):
    return services.credential_revoke(request.auth, _credential(request, credential_id))
