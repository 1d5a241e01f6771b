"""What a chained, committed audit record costs per call, against a plain insert.

    .venv/bin/python bench/audit_append.py [--records 2000] [--group 100] \
        [--postgresql postgresql://postgres@127.0.0.1:5432/postgres]

Runs on a fresh SQLite file (the platform's own settings: WAL, synchronous=NORMAL, BEGIN
IMMEDIATE) and, when a PostgreSQL server is named, on a scratch database created on it and
dropped afterwards. Each database runs in its own process, because Django's settings are per
process. Four measurements each, same summary payload:

- plain, single     one INSERT into an unchained table per transaction
- plain, grouped    the same, `--group` rows per transaction
- audit, single     `audit_access` per call: what a gateway call pays (insert into the
                    pending table, commit), the sealer kept out of the way
- audit, grouped    `audit_record` calls, `--group` per transaction
- chained, single   `audit_record` in its own transaction per call (lock the head, hash, insert,
                    update the head, commit): what a data access paid before the pending table
- sealing           pending rows chained per second by `sealer.seal()` (the pending rows of the
                    `audit, single` run)

and the ratios audit/plain. Nothing is sent anywhere; the SQLite file lives in a temporary
directory.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

SUMMARY = {"grant": 42, "rows": 17, "filter": {"region": "130100"}, "items": ["name", "id_no"]}
SCRATCH = f"govshare_bench_audit_{os.getpid()}"


def _rate(count, seconds):
    return count / seconds if seconds else float("inf")


def _timed(function, count):
    started = time.perf_counter()
    function()
    return _rate(count, time.perf_counter() - started)


def measure(records: int, group: int) -> dict:
    """Run inside a process whose Django settings point at the database to measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from govshare.audit.sealer import seal
    from govshare.audit.services import audit_access, audit_record

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_plain (id BIGINT PRIMARY KEY, time VARCHAR(40), "
                       "actor VARCHAR(200), action VARCHAR(100), summary TEXT)")
    payload = json.dumps(SUMMARY)
    next_id = iter(range(1, 4 * records + 1))

    def plain_insert():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain (id, time, actor, action, summary) "
                "VALUES (%s, %s, %s, %s, %s)",
                [next(next_id), str(time.time()), "bench", "resource.access", payload],
            )

    def plain_single():
        for _ in range(records):
            with transaction.atomic():
                plain_insert()

    def plain_grouped():
        for _ in range(records // group):
            with transaction.atomic():
                for _ in range(group):
                    plain_insert()

    def audit_single():
        for _ in range(records):
            audit_access(None, "130000-GAT-0001", SUMMARY)

    def audit_grouped():
        for _ in range(records // group):
            with transaction.atomic():
                for _ in range(group):
                    audit_record(None, "resource.access", None, SUMMARY)

    def chained_single():
        for _ in range(records):
            with transaction.atomic():
                audit_record(None, "resource.access", None, SUMMARY)

    grouped = records // group * group
    rates = {
        "plain_single": _timed(plain_single, records),
        "plain_grouped": _timed(plain_grouped, grouped),
        "audit_single": _timed(audit_single, records),
        "sealing": _timed(seal, records),
        "audit_grouped": _timed(audit_grouped, grouped),
        "chained_single": _timed(chained_single, records),
    }
    from govshare.audit.verify import verify_log

    rates["chain_verifies"] = verify_log().ok
    return {"vendor": connection.vendor, **rates}


def _child(url: str, data_dir: str, records: int, group: int) -> dict:
    environment = {**os.environ, "GOVSHARE_DATABASE_URL": url, "GOVSHARE_DATA_DIR": data_dir,
                   "DJANGO_SETTINGS_MODULE": "govshare.settings", "GOVSHARE_LOG_LEVEL": "ERROR",
                   # Sealing is measured on its own, not left to the timer.
                   "GOVSHARE_AUDIT_SEAL_SECONDS": "3600"}
    done = subprocess.run(  # noqa: S603 (this very script, with our own arguments)
        [sys.executable, __file__, "--measure", "--records", str(records), "--group",
         str(group)], env=environment, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scratch_database(server_url: str, action: str) -> str:
    """Create or drop the scratch database on the server; return its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        if action == "create":
            admin.execute(f"CREATE DATABASE {SCRATCH}")
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{SCRATCH}"))


def _report(result: dict, records: int, group: int) -> None:
    print(f"\n{result['vendor']}: {records} appends, groups of {group}; chain verifies: "
          f"{result['chain_verifies']}")
    print(f"  {'':10} {'plain insert/s':>15} {'audit append/s':>15} {'audit/plain':>12}")
    for mode in ("single", "grouped"):
        plain, audit = result[f"plain_{mode}"], result[f"audit_{mode}"]
        print(f"  {mode:10} {plain:15.0f} {audit:15.0f} {audit / plain:12.2f}")
    chained = result["chained_single"]
    print(f"  chained single (the head lock per access): {chained:.0f}/s, "
          f"{chained / result['plain_single']:.2f} of plain")
    print(f"  sealing: {result['sealing']:.0f} pending records chained per second")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--group", type=int, default=100)
    parser.add_argument("--postgresql", metavar="URL",
                        help="a PostgreSQL server URL (its database is only used to create "
                             f"and drop the scratch database {SCRATCH})")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.records, options.group)))
        return
    with tempfile.TemporaryDirectory(prefix="govshare-bench-") as data_dir:
        sqlite_url = f"sqlite:///{data_dir}/bench.sqlite3"
        _report(_child(sqlite_url, data_dir, options.records, options.group),
                options.records, options.group)
        if options.postgresql:
            url = _scratch_database(options.postgresql, "create")
            try:
                _report(_child(url, data_dir, options.records, options.group),
                        options.records, options.group)
            finally:
                _scratch_database(options.postgresql, "drop")


if __name__ == "__main__":
    main()
