"""Gateway lookups/s (authorised: credential, grant check, row filter, projection, quota,
access record) against a bare endpoint on the same server; then latency at a fixed 500 req/s.

    .venv/bin/python bench/gateway.py [--rows 100000] [--seconds 10] [--concurrency 16]
"""

import argparse
import asyncio
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
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/gateway")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import demo

    with platform(workers=2, threads=8, log=directory / "platform.log") as url:
        resource, business_db, _config = populated(directory, url, args.rows)
        _application, _grant, token = demo.relief_application_grant()
        keys = [k for (k,) in sqlite3.connect(business_db).execute("SELECT sfzh FROM people")]
        random.Random(1).shuffle(keys)  # noqa: S311  (a fixed sample order, not a secret)
        lookups = [f"{url}/api/v1/data/{resource.code}/records?key={k}" for k in keys[:5000]]
        bare = [f"{url}/api/v1/exchange/ping"]
        auth = {"Authorization": f"Bearer {token}"}
        asyncio.run(_closed_loop(lookups, auth, 2, 4))  # warm up both workers
        gateway_done, gateway_errors = asyncio.run(
            _closed_loop(lookups, auth, args.seconds, args.concurrency))
        bare_done, bare_errors = asyncio.run(
            _closed_loop(bare, {}, args.seconds, args.concurrency))
        latencies, rate_errors = asyncio.run(_open_loop(lookups, auth, args.rate, args.seconds))
    gateway_rate, bare_rate = gateway_done / args.seconds, bare_done / args.seconds
    print(f"rows in store: {args.rows}; concurrency {args.concurrency}; {args.seconds:.0f} s each")
    print(f"gateway authorised lookups: {gateway_rate:,.0f} req/s ({gateway_errors} errors)")
    print(f"bare endpoint: {bare_rate:,.0f} req/s ({bare_errors} errors)")
    print(f"ratio: {gateway_rate / bare_rate:.2f}")
    print(f"at {args.rate} req/s: p50 {percentile(latencies, 0.5):.1f} ms, "
          f"p99 {percentile(latencies, 0.99):.1f} ms, {rate_errors} errors")


if __name__ == "__main__":
    main()
