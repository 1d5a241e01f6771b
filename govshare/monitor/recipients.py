"""Who hears what monitoring finds: the operators, a region's authority, a department's
officers. People are read through the app registry (monitor imports no other app)."""

from django.apps import apps


def _people(role, **scope):
    users = apps.get_model("orgs", "User").objects
    holders = apps.get_model("orgs", "RoleAssignment").objects.filter(role=role, **scope)
    return list(users.filter(is_active=True, pk__in=holders.values("user_id")))


def operators():
    return _people("operator")


def authority_of(region):
    """The reviewers of `region`, or of the nearest region above it that has any."""
    for candidate in [region, *reversed(region.ancestors())]:
        reviewers = _people("authority_reviewer", region=candidate)
        if reviewers:
            return reviewers
    return []


def officers_of(organization):
    """A department's sharing officers and administrators: who answers for its problems."""
    return _people("sharing_officer", organization=organization) + _people(
        "dept_admin", organization=organization)
