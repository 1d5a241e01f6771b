"""Who inspects, issues and answers notices, publishes criticism, ranks, approves projects and
reports (R9, R20, R21).

The authority (its reviewers) and the supervisory organs (supervisors) oversee the
organisations of their region and the regions below; the platform itself runs the periodic
inspections; a department's administrator or sharing officer answers for it.
"""

from govshare.core.permissions import rule
from govshare.orgs.models import Role, User
from govshare.sharing.parties import is_platform

OVERSIGHT = (Role.AUTHORITY_REVIEWER, Role.SUPERVISOR)


def _user(actor):
    return actor if isinstance(actor, User) else None


def oversees(actor, region) -> bool:
    """An authority reviewer or a supervisor of `region` or of a region above it."""
    user = _user(actor)
    return bool(user) and user.has_region_role(region, *OVERSIGHT)


def _answers_for(actor, organization) -> bool:
    user = _user(actor)
    return bool(user) and user.has_org_role(organization, Role.DEPT_ADMIN, Role.SHARING_OFFICER)


@rule("inspection.run")
def inspection_run(actor, region):
    return is_platform(actor) or oversees(actor, region)


@rule("notice.issue")
def notice_issue(actor, organization):
    return oversees(actor, organization.region)


@rule("notice.answer")
def notice_answer(actor, notice):
    return _answers_for(actor, notice.organization)


@rule("notice.decline")
def notice_decline(actor, notice):
    return _answers_for(actor, notice.organization)


@rule("notice.close")
def notice_close(actor, notice):
    """The issuer, or whoever holds the issuer's oversight of the department now."""
    user = _user(actor)
    return bool(user) and (user.pk == notice.issued_by_id
                           or oversees(user, notice.organization.region))


@rule("notice.reopen")
def notice_reopen(actor, notice):
    return notice_close(actor, notice)


@rule("notice.sweep")
def notice_sweep(actor, region):
    return is_platform(actor) or oversees(actor, region)


@rule("criticism.publish")
def criticism_publish(actor, criticism):
    """Publishing criticism is the authority's: its reviewers, not the supervisors."""
    user = _user(actor)
    return bool(user) and user.has_region_role(criticism.organization.region,
                                               Role.AUTHORITY_REVIEWER)


@rule("ranking.compute")
def ranking_compute(actor, region):
    return is_platform(actor) or oversees(actor, region)


@rule("project.create")
def project_create(actor, department):
    return _answers_for(actor, department)


@rule("project.update")
def project_update(actor, project):
    return _answers_for(actor, project.department)


@rule("project.submit")
def project_submit(actor, project):
    return _answers_for(actor, project.department)


@rule("project.approve")
def project_approve(actor, project):
    """The authority of the department's region (or above) reviews its projects, never one
    its own people registered."""
    user = _user(actor)
    return (bool(user) and user.has_region_role(project.department.region,
                                                Role.AUTHORITY_REVIEWER)
            and user.organization_id != project.department_id)


@rule("project.reject")
def project_reject(actor, project):
    return project_approve(actor, project)


@rule("supervision_report.generate")
def supervision_report_generate(actor, region):
    return is_platform(actor) or oversees(actor, region)
