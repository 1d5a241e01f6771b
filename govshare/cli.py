"""The `govshare` console command: Django's management commands with our settings.

`govshare serve`, `govshare migrate`, `govshare demo`, `govshare createuser`, and every other
command an app adds (`govshare help` lists them).
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govshare.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        from govshare.monitor import multiprocess

        multiprocess.prepare(settings.DATA_DIR)

    execute_from_command_line(["govshare", *args])


if __name__ == "__main__":
    main()
