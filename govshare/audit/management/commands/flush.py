"""Django's `flush`, able to empty the audit tables on SQLite.

SQLite's flush deletes row by row, which the append-only triggers refuse (PostgreSQL truncates,
which they do not see). Emptying the whole database is a maintenance act on a database that
is being thrown away (the test runner does it between transactional tests), not a way to
edit the log; see govshare/audit/guard.py.
"""

from django.core.management.commands import flush
from django.db import connections

from govshare.audit.guard import flush_allowed


class Command(flush.Command):
    def handle(self, **options):
        with flush_allowed(connections[options["database"]]):
            return super().handle(**options)
