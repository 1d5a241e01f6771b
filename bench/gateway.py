"""Gateway lookups/s (authorised: credential, grant check, row filter, projection, quota,
access record) against the same lookups through a bare endpoint on the same server without
them (`bare_urls.py`), and the liveness ping for the framework's floor; then the gateway's
latency at a fixed 500 req/s.

    .venv/bin/python bench/gateway.py [--rows 100000] [--seconds 10] [--concurrency 16] [--rounds 5]
        [--rate 500] [--workers 2] [--threads 8]
"""

import argparse
import asyncio
import os
import random
import sqlite3
import time
from pathlib import Path

import aiohttp
from common import DEFAULT_DATABASE, fresh_directory, percentile, platform, populated, setup_django


async def _closed_loop(urls, headers, seconds, concurrency):
    """As many requests as `concurrency` clients can make in `seconds`; (count, errors)."""
    done = errors = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(headers=headers) as session:
        async def client(offset):
            nonlocal done, errors
            i = offset
            while time.perf_counter() < deadline:
                async with session.get(urls[i % len(urls)]) as response:
                    await response.read()
                    done += 1
                    errors += response.status != 200
                i += concurrency
        await asyncio.gather(*(client(i) for i in range(concurrency)))
    return done, errors


async def _open_loop(urls, headers, rate, seconds):
    """Requests started at a fixed `rate` whatever the answers; latencies in ms, errors."""
    latencies, errors = [], 0
    async with aiohttp.ClientSession(headers=headers) as session:
        async def one(url):
            nonlocal errors
            started = time.perf_counter()
            async with session.get(url) as response:
                await response.read()
                errors += response.status != 200
            latencies.append((time.perf_counter() - started) * 1000)
        tasks = []
        begin = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = begin + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(urls[i % len(urls)])))
        await asyncio.gather(*tasks)
    return latencies, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/gateway")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    # The server (and this process) run with the bare endpoint added.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bare_settings"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH")]))
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import demo

    with platform(workers=args.workers, threads=args.threads,
                  log=directory / "platform.log") as url:
        resource, business_db, _config = populated(directory, url, args.rows)
        _application, _grant, token = demo.relief_application_grant()
        keys = [k for (k,) in sqlite3.connect(business_db).execute("SELECT sfzh FROM people")]
        random.Random(1).shuffle(keys)  # noqa: S311  (a fixed sample order, not a secret)
        lookups = [f"{url}/api/v1/data/{resource.code}/records?key={k}" for k in keys[:5000]]
        bare = [f"{url}/bench/bare/records/{resource.pk}?key={k}" for k in keys[:5000]]
        ping = [f"{url}/api/v1/exchange/ping"]
        auth = {"Authorization": f"Bearer {token}"}
        for urls in (lookups, bare):  # warm up both workers
            asyncio.run(_closed_loop(urls, auth, 2, 4))
        # Interleaved in short rounds, so a spell of noise on the machine hits all three alike.
        done = {"gateway": [0, 0], "bare": [0, 0], "ping": [0, 0]}
        for _round in range(args.rounds):
            for name, urls, headers in (("gateway", lookups, auth), ("bare", bare, {}),
                                        ("ping", ping, {})):
                count, errors = asyncio.run(_closed_loop(
                    urls, headers, args.seconds / args.rounds, args.concurrency))
                done[name][0] += count
                done[name][1] += errors
        (gateway_done, gateway_errors), (bare_done, bare_errors), (ping_done, ping_errors) = (
            done["gateway"], done["bare"], done["ping"])
        latencies, rate_errors = asyncio.run(_open_loop(lookups, auth, args.rate, args.seconds))
    gateway_rate, bare_rate = gateway_done / args.seconds, bare_done / args.seconds
    ping_rate = ping_done / args.seconds
    print(f"rows in store: {args.rows}; concurrency {args.concurrency}; {args.seconds:.0f} s each "
          f"in {args.rounds} interleaved rounds")
    print(f"gateway authorised lookups: {gateway_rate:,.0f} req/s ({gateway_errors} errors)")
    print(f"bare lookups: {bare_rate:,.0f} req/s ({bare_errors} errors)")
    print(f"liveness ping: {ping_rate:,.0f} req/s ({ping_errors} errors)")
    print(f"ratio to bare lookups: {gateway_rate / bare_rate:.2f} "
          f"(to the ping: {gateway_rate / ping_rate:.2f})")
    print(f"at {args.rate} req/s: p50 {percentile(latencies, 0.5):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms, {rate_errors} errors")


if __name__ == "__main__":
    main()
