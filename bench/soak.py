"""Soak: mixed traffic at a steady rate against gunicorn workers and PostgreSQL for a set time,
reporting errors, latency percentiles and the server's memory minute by minute.

The mix (open loop: requests start on schedule whatever the answers):
  gateway   50%  authorised lookups by key (bearer credential, grant, row filter, access record)
  search    25%  catalog searches as a logged-in department member
  requests  25%  a consumer officer's sharing requests: the list, then one request's detail
plus a `govshare-node push` of the population resource every --push-every seconds (a node's
periodic full push). The platform runs in production mode without TLS (a bench, not a service).

    .venv/bin/python bench/soak.py [--rate 200] [--minutes 30] [--workers 2] [--threads 8]

Memory is the resident set of the server's processes (master and workers), read from /proc.
"""

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import sys
import threading
import time
from pathlib import Path

import aiohttp
from common import (
    DEFAULT_DATABASE,
    fresh_directory,
    node_cli,
    percentile,
    platform,
    populated,
    setup_django,
)

SEARCHES = ["人口", "户籍", "社会救助", "营业执照", "婚姻登记", "社保", "公安", "民政"]
KINDS = ("gateway", "search", "requests")
WEIGHTS = (50, 25, 25)


def server_rss_mb(bind: str) -> float:
    """Resident memory of every process started with this bind address (gunicorn's master and
    its forked workers share the command line)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if bind.encode() not in cmdline or b"serve" not in cmdline:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def session_cookie(username: str) -> str:
    """A logged-in session for a demo user, made as the login form would."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from govshare.orgs.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


class Pusher(threading.Thread):
    """A node pushing its table on a schedule, with a few rows changed before each push."""

    def __init__(self, config: Path, business_db: Path, every: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.config, self.business_db, self.every, self.stop = config, business_db, every, stop
        self.done = self.errors = 0
        self.seconds: list[float] = []

    def run(self):
        rng = random.Random(7)  # noqa: S311
        while not self.stop.wait(self.every):
            db = sqlite3.connect(self.business_db)
            with db:
                keys = [k for (k,) in db.execute("SELECT sfzh FROM people LIMIT 50 OFFSET ?",
                                                  (rng.randrange(1000),))]
                db.executemany("UPDATE people SET hnrs = hnrs + 1 WHERE sfzh = ?",
                               [(k,) for k in keys])
            db.close()
            started = time.perf_counter()
            try:
                node_cli(self.config, "push")
                self.done += 1
            except Exception:  # noqa: BLE001 (any failure of the push is the figure reported)
                self.errors += 1
            self.seconds.append(time.perf_counter() - started)


async def _soak(targets, rate, seconds, bind, report):
    """Open-loop traffic; `report(minute_stats)` is called every minute."""
    rng = random.Random(1)  # noqa: S311
    samples: list[tuple[float, str, float, int]] = []  # (start offset, kind, ms, status)
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        async def one(offset, kind):
            url, headers = rng.choice(targets[kind])
            started = time.perf_counter()
            try:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError):
                status = 0
            samples.append((offset, kind, (time.perf_counter() - started) * 1000, status))

        begin = time.perf_counter()
        tasks = set()
        next_report, reported = 60.0, 0
        for i in range(int(rate * seconds)):
            offset = i / rate
            delay = begin + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(offset, rng.choices(KINDS, WEIGHTS)[0]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if offset >= next_report:
                minute = [s for s in samples[reported:] if s[0] < next_report]
                reported += len(minute)
                report(next_report / 60, minute, server_rss_mb(bind),
                       time.perf_counter() - begin)
                next_report += 60
        await asyncio.gather(*tasks)
    return samples, time.perf_counter() - begin


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--push-every", type=float, default=30)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE.replace("exchange", "soak"))
    parser.add_argument("--directory", default="var/bench/soak")
    args = parser.parse_args()
    # A terminated soak still stops its server (the platform block's cleanup runs on exit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    directory = fresh_directory(Path(args.directory).resolve())
    os.environ.update({"GOVSHARE_PRODUCTION": "1", "GOVSHARE_TLS": "0",
                       "GOVSHARE_SECRET_KEY": "soak-" + os.urandom(32).hex()})
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import demo

    with platform(workers=args.workers, threads=args.threads,
                  log=directory / "platform.log") as url:
        bind = url.removeprefix("http://")
        resource, business_db, config = populated(directory, url, args.rows)
        _application, _grant, token = demo.relief_application_grant()
        keys = [k for (k,) in sqlite3.connect(business_db).execute("SELECT sfzh FROM people")]
        bearer = {"Authorization": f"Bearer {token}"}
        staff = {"Cookie": f"sessionid={session_cookie('gat_staff')}"}
        officer = {"Cookie": f"sessionid={session_cookie('mzt_officer')}"}
        from govshare.sharing.models import ShareRequest

        request_ids = list(ShareRequest.objects.values_list("pk", flat=True)[:50])
        targets = {
            "gateway": [(f"{url}/api/v1/data/{resource.code}/records?key={k}", bearer)
                        for k in keys[:2000]],
            "search": [(f"{url}/api/v1/catalog/resources?q={q}", staff) for q in SEARCHES],
            "requests": [(f"{url}/api/v1/sharing/requests", officer)]
                        + [(f"{url}/api/v1/sharing/requests/{r}", officer) for r in request_ids],
        }
        stop = threading.Event()
        pusher = Pusher(config, business_db, args.push_every, stop)
        rss = [(0.0, server_rss_mb(bind))]
        print(f"soak: {args.rate:g} req/s for {args.minutes:g} min, {args.workers} workers × "
              f"{args.threads} threads, load average {os.getloadavg()[0]:.1f}", flush=True)
        print("minute  sent/s  errors  p50 ms  p95 ms  p99 ms  server RSS MB  load", flush=True)

        def report(minute, window, memory, _elapsed):
            rss.append((minute, memory))
            latencies = [s[2] for s in window] or [0]
            errors = sum(1 for s in window if s[3] != 200)
            print(f"{minute:6.0f}  {len(window) / 60:6.1f}  {errors:6d}  "
                  f"{percentile(latencies, .5):6.1f}  {percentile(latencies, .95):6.1f}  "
                  f"{percentile(latencies, .99):6.1f}  {memory:13.1f}  "
                  f"{os.getloadavg()[0]:4.1f}", flush=True)

        pusher.start()
        samples, elapsed = asyncio.run(_soak(targets, args.rate, args.minutes * 60, bind, report))
        stop.set()
        pusher.join()
        rss.append((elapsed / 60, server_rss_mb(bind)))
    print(f"\nrequests: {len(samples)} in {elapsed:.0f} s ({len(samples) / elapsed:.1f}/s "
          f"completed; {args.rate:g}/s scheduled)")
    for kind in KINDS:
        of_kind = [s for s in samples if s[1] == kind]
        latencies = [s[2] for s in of_kind] or [0]
        statuses = {}
        for s in of_kind:
            statuses[s[3]] = statuses.get(s[3], 0) + 1
        print(f"{kind:9s} {len(of_kind):7d}  p50 {percentile(latencies, .5):7.1f} ms  "
              f"p95 {percentile(latencies, .95):7.1f} ms  p99 {percentile(latencies, .99):7.1f} "
              f"ms  statuses {dict(sorted(statuses.items()))}")
    errors = sum(1 for s in samples if s[3] != 200)
    print(f"errors: {errors} of {len(samples)}; pushes: {pusher.done} ok, {pusher.errors} failed"
          + (f", median {percentile(pusher.seconds, .5):.1f} s" if pusher.seconds else ""))
    settled = [m for t, m in rss if t >= 2] or [m for _t, m in rss]
    print(f"server RSS: start {rss[0][1]:.1f} MB, after warm-up {settled[0]:.1f} MB, end "
          f"{rss[-1][1]:.1f} MB, max {max(m for _t, m in rss):.1f} MB; drift after warm-up "
          f"{(settled[-1] - settled[0]) / settled[0] * 100:+.1f}%")


if __name__ == "__main__":
    main()
