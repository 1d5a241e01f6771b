"""`govshare createuser`: a person with one role, for setting up a new installation."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from govshare.orgs.models import (
    ORGANIZATION_ROLES,
    Organization,
    Region,
    Role,
    RoleAssignment,
    User,
)


class Command(BaseCommand):
    help = "Create a user in an organisation and give them one role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--organization", required=True,
                            help="the organisation's credit code")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--region", help="region code, for region-scoped roles")
        parser.add_argument("--display-name", default="")

    @transaction.atomic
    def handle(self, *args, username, password, organization, role, region, display_name,
               **options):
        org = Organization.objects.filter(credit_code=organization).first()
        if org is None:
            raise CommandError(f"no organisation with credit code {organization}")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username} exists already")
        if role in ORGANIZATION_ROLES:
            scope = {"organization": org}
        else:
            area = Region.objects.filter(code=region or org.region.code).first()
            if area is None:
                raise CommandError(f"no region with code {region}")
            scope = {"region": area}
        user = User(username=username, display_name=display_name, organization=org)
        user.set_password(password)
        user.save()
        RoleAssignment.objects.create(user=user, role=role, **scope)
        self.stdout.write(f"created {username} ({role})")
