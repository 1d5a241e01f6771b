"""Service calls through the gateway (credential, operation and grant check, parameter check,
the platform's RFC 9421 signature, the provider, answer check, cut to granted items, masking,
access record) against direct calls to the same local provider, in the same run; then latency
of both at a fixed rate, and the p99 the gateway adds.

    .venv/bin/python bench/services_proxy.py [--seconds 10] [--concurrency 16] [--rates 200,20]
        [--database-url sqlite:///…]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import fresh_directory, percentile, platform, setup_django
from gateway import _closed_loop, _open_loop

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench_services"


def _provider(port: int, platform_key: str, log: Path):
    """The demo company lookup provider in its own process, checking the platform's
    signatures (unsigned direct calls go through unchecked)."""
    out = open(log, "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "govshare.services.provider", "--port", str(port),
         "--platform-key", platform_key], stdout=out, stderr=subprocess.STDOUT, env=os.environ)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
            return process, out
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the provider did not start") from None
            time.sleep(0.2)


def _summary(label, latencies, errors):
    return (f"{label}: p50 {percentile(latencies, 0.5):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, {errors} errors")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rates", default="200,20",
                        help="fixed request rates (req/s) to measure latency at")
    parser.add_argument("--provider-port", type=int, default=18210)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/services")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    setup_django(args.database_url, directory / "data")
    from govshare.services import demo, provider, vault
    from govshare.services.models import ServiceCall

    base = f"http://127.0.0.1:{args.provider_port}"
    process, out = _provider(args.provider_port, vault.published_key()["public_key"],
                             directory / "provider.log")
    try:
        demo.register(base)
        ServiceCall.objects.all().delete()
        _application, _grant, token = demo.relief_grant()
        paths = [f"/companies/{c['credit_code']}" for c in provider.COMPANIES]
        direct = [base + p for p in paths]
        auth = {"Authorization": f"Bearer {token}"}
        with platform(workers=args.workers, threads=args.threads,
                      log=directory / "platform.log") as url:
            through = [f"{url}/api/v1/services/{demo.RESOURCE_CODE}{p}" for p in paths]
            asyncio.run(_closed_loop(through, auth, 2, 4))  # warm up every worker
            gateway_done, gateway_errors = asyncio.run(
                _closed_loop(through, auth, args.seconds, args.concurrency))
            direct_done, direct_errors = asyncio.run(
                _closed_loop(direct, {}, args.seconds, args.concurrency))
            # The platform's floor: a bare endpoint (no credential, no database) on the same
            # server, to tell the framework's share from the gateway's.
            bare_done, _bare_errors = asyncio.run(
                _closed_loop([f"{url}/api/v1/exchange/ping"], {}, args.seconds,
                             args.concurrency))
            at_rates = [(rate, asyncio.run(_open_loop(through, auth, rate, args.seconds)),
                         asyncio.run(_open_loop(direct, {}, rate, args.seconds)))
                        for rate in (int(r) for r in args.rates.split(","))]
    finally:
        process.terminate()
        process.wait(timeout=30)
        out.close()
    gateway_rate, direct_rate = gateway_done / args.seconds, direct_done / args.seconds
    print(f"platform: {args.workers} workers x {args.threads} threads; concurrency "
          f"{args.concurrency}; {args.seconds:.0f} s each; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"through the gateway: {gateway_rate:,.0f} req/s ({gateway_errors} errors)")
    print(f"direct to the provider: {direct_rate:,.0f} req/s ({direct_errors} errors)")
    print(f"ratio: {gateway_rate / direct_rate:.2f}")
    print(f"bare platform endpoint, same server: {bare_done / args.seconds:,.0f} req/s")
    for rate, (gateway_latencies, gateway_errors), (direct_latencies, direct_errors) in at_rates:
        print(_summary(f"gateway at {rate} req/s", gateway_latencies, gateway_errors))
        print(_summary(f"direct at {rate} req/s", direct_latencies, direct_errors))
        added = percentile(gateway_latencies, 0.99) - percentile(direct_latencies, 0.99)
        print(f"p99 added by the gateway at {rate} req/s: {added:.1f} ms")


if __name__ == "__main__":
    main()
