"""Web pages for the region tree, organisations, their people, roles and applications.

Views parse a form, call a service, and render; the services decide what is allowed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from govshare.core.exceptions import NotFound, ValidationError
from govshare.core.permissions import can

from . import services
from .models import (
    ORGANIZATION_ROLES,
    Application,
    Credential,
    Organization,
    Region,
    Role,
    RoleAssignment,
    User,
)


class LoginView(auth_views.LoginView):
    template_name = "orgs/login.html"
    redirect_authenticated_user = True


class UserForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("姓名"), max_length=100, required=False)
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), required=False)
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput)


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=gettext_lazy("角色"),
        choices=[(r.value, r.label) for r in Role if r in ORGANIZATION_ROLES],
    )


class ApplicationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=200)
    description = forms.CharField(label=gettext_lazy("说明"), widget=forms.Textarea(
        attrs={"rows": 2}), required=False)
    contact = forms.CharField(label=gettext_lazy("负责人及联系方式"), max_length=200,
                              required=False)


def _apply_errors(form, error: ValidationError):
    """Show a service's field errors on the form that submitted the input."""
    for field, msgs in error.field_errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


@login_required
def region_tree(request):
    roots = Region.objects.filter(parent__isnull=True)
    return render(request, "orgs/region_tree.html", {"roots": roots})


@login_required
def region_children(request, code):
    region = get_object_or_404(Region, code=code)
    return render(request, "orgs/_region_children.html", {
        "region": region, "children": region.children.all(),
    })


@login_required
def region_detail(request, code):
    region = get_object_or_404(Region, code=code)
    return render(request, "orgs/region_detail.html", {
        "region": region,
        "ancestors": region.ancestors(),
        "children": region.children.all(),
        "organizations": region.organizations.all(),
    })


@login_required
def my_organization(request):
    if not request.user.organization_id:
        raise NotFound(_("您的账号未关联单位。"))
    return redirect("orgs:organization_detail", pk=request.user.organization_id)


@login_required
def organization_detail(request, pk):
    organization = get_object_or_404(Organization.objects.select_related("region"), pk=pk)
    return render(request, "orgs/organization_detail.html", {
        "organization": organization,
        "can_manage_people": can(request.user, "user.create", organization),
        "can_manage_applications": can(request.user, "application.create", organization),
    })


@login_required
def organization_users(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(request.user, organization=organization,
                                        **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user})
            return redirect("orgs:organization_users", pk=pk)
    users = (User.objects.restrict(request.user).filter(organization=organization)
             .prefetch_related("roles"))
    return render(request, "orgs/organization_users.html", {
        "organization": organization,
        "users": users,
        "form": form,
        "role_form": RoleForm(),
        "can_manage_people": can(request.user, "user.create", organization),
    })


@login_required
@require_POST
def role_assign(request, user_id):
    target = get_object_or_404(User.objects.restrict(request.user), pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        raise ValidationError({"role": [_("请选择角色。")]})
    services.role_assign(request.user, user=target, role=form.cleaned_data["role"],
                         organization=target.organization)
    messages.success(request, _("已授予角色。"))
    return redirect("orgs:organization_users", pk=target.organization_id)


@login_required
@require_POST
def role_revoke(request, role_id):
    assignment = get_object_or_404(
        RoleAssignment.objects.filter(user__in=User.objects.restrict(request.user)), pk=role_id
    )
    services.role_revoke(request.user, assignment)
    messages.success(request, _("已撤销角色。"))
    return redirect("orgs:organization_users", pk=assignment.user.organization_id)


@login_required
def organization_applications(request, pk):
    organization = get_object_or_404(Organization, pk=pk)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                request.user, organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("orgs:application_detail", pk=application.pk)
    return render(request, "orgs/organization_applications.html", {
        "organization": organization,
        "applications": Application.objects.restrict(request.user)
        .filter(organization=organization),
        "form": form,
        "can_manage_applications": can(request.user, "application.create", organization),
    })


@login_required
def application_detail(request, pk, issued_token=None):
    application = get_object_or_404(Application.objects.restrict(request.user), pk=pk)
    return render(request, "orgs/application_detail.html", {
        "application": application,
        "credentials": application.credentials.all(),
        "issued_token": issued_token,
        "can_manage": can(request.user, "credential.issue", application),
    })


@login_required
@require_POST
def credential_issue(request, pk):
    application = get_object_or_404(Application.objects.restrict(request.user), pk=pk)
    _credential, token = services.credential_issue(request.user, application)
    # The token is rendered in this response only; it is never stored in clear.
    return application_detail(request, pk, issued_token=token)


def _visible_credential(request, pk):
    return get_object_or_404(
        Credential.objects.filter(application__in=Application.objects.restrict(request.user)),
        pk=pk,
    )


@login_required
@require_POST
def credential_rotate(request, pk):
    credential = _visible_credential(request, pk)
    _new, token = services.credential_rotate(request.user, credential)
    return application_detail(request, credential.application_id, issued_token=token)


@login_required
@require_POST
def credential_revoke(request, pk):
    credential = _visible_credential(request, pk)
    services.credential_revoke(request.user, credential)
    messages.success(request, _("凭证已吊销，立即失效。"))
    return redirect("orgs:application_detail", pk=credential.application_id)
