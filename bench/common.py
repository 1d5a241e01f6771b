"""Shared by the exchange benchmarks: a platform served by gunicorn on a benchmark database, the
demo population resource, and an approved node for it.

Benchmarks talk only to 127.0.0.1, are bounded in rows and time, and stop by themselves.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/bench_exchange"


def setup_django(database_url: str, data_dir: Path):
    os.environ["GOVSHARE_DATABASE_URL"] = database_url
    os.environ["GOVSHARE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govshare.settings")
    if database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name],  # noqa: S603,S607
                       capture_output=True, check=False)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from govshare.orgs.demo import load_demo

    load_demo()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def platform(workers=2, threads=4, log: Path | None = None):
    """`govshare serve` on a free local port, until the block ends."""
    port = free_port()
    out = open(log or os.devnull, "w")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        [str(BIN / "govshare"), "serve", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--threads", str(threads)], stdout=out, stderr=subprocess.STDOUT,
        env={**os.environ, "GOVSHARE_LOG_LEVEL": "WARNING"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/accounts/login/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the platform did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # A server still draining a backlog (an overloaded soak) is stopped outright.
            process.kill()
            process.wait()
        out.close()


def reset_resource(resource):
    """Forget every record, batch and node of a previous run."""
    from govshare.exchange.models import Batch, Node, Record, RecordStream, RegistrationCode

    Record.objects.filter(resource=resource).delete()
    Batch.objects.filter(resource=resource).delete()
    RecordStream.objects.filter(resource=resource).delete()
    RegistrationCode.objects.filter(organization=resource.provider).delete()
    Node.objects.filter(organization=resource.provider).delete()
    from django.db import connection

    if connection.vendor == "postgresql":
        # Earlier runs leave dead rows behind; a bloated table would slow this run down.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Record._meta.db_table}")


def approved_node(config: Path, resource):
    """Register the node of `config` with a fresh code and approve it."""
    from govshare.exchange import services
    from govshare.exchange.models import Node
    from govshare.orgs.models import User

    operator = User.objects.get(username="operator")
    _code, text = services.registration_code_issue(operator, resource.provider)
    node_cli(config, "register", "--code", text, "--name", "基准测试前置机", "--contact",
             "bench")
    node = Node.objects.get(organization=resource.provider, state=Node.State.PENDING)
    return services.node_approve(operator, node)


def node_cli(config: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "govshare-node"), "-c", str(config), *args],  # noqa: S603
                          check=True, capture_output=True, text=True)


def fresh_directory(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def populated(directory: Path, url: str, rows: int, *, batch_rows: int = 50_000):
    """The demo population resource holding `rows` people pushed by an approved node;
    (resource, business database, node config)."""
    from govshare.exchange import demo

    resource = demo.population_resource()
    reset_resource(resource)
    business_db, config = demo.write_provider(directory, url, rows, batch_rows=batch_rows)
    approved_node(config, resource)
    node_cli(config, "push")
    return resource, business_db, config


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
