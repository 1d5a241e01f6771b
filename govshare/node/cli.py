"""`govshare-node`: register the node, push business tables, follow them, pull granted data.

    govshare-node [-c node.toml] register --code CODE --name NAME --contact "张三 0311-…"
    govshare-node [-c node.toml] push [RESOURCE …]
    govshare-node [-c node.toml] follow [--interval 10]
    govshare-node [-c node.toml] pull [RESOURCE …] [--follow] [--interval 5]
    govshare-node [-c node.toml] upload RESOURCE FILE
    govshare-node [-c node.toml] status

Exit status: 0 done, 1 the platform refused (its message is printed), 2 bad configuration.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govshare.core.crypto import PROFILES

from .client import PlatformClient, PlatformError
from .config import ConfigError, NodeConfig, load_config
from .signing import RequestSigner, generate_key, key_id_of, load_key
from .sink import Sink
from .source import Shadow, SourceError
from .state import NodeState
from .sync import pull_resource, push_resource

console = Console(stderr=True)
DEFAULT_CONFIG = "govshare-node.toml"
PULL_PAGE_ROWS = 10_000


def _client(config: NodeConfig) -> PlatformClient:
    return PlatformClient(config.platform, RequestSigner(load_key(config.key_file)),
                          timeout=config.timeout)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console,
                    transient=False, disable=not console.is_terminal)


def cmd_register(config: NodeConfig, args) -> int:
    if config.key_file.exists():
        key = load_key(config.key_file)
        console.print(f"using the existing key {config.key_file}")
    else:
        algorithm = PROFILES[config.crypto_profile].signature
        key = generate_key(config.key_file, algorithm)
        console.print(f"new {algorithm} key written to {config.key_file} (mode 600)")
    with PlatformClient(config.platform, RequestSigner(key), timeout=config.timeout) as client:
        node = client.register(args.code, args.name, args.contact)
    console.print(f"registered node [bold]{node.key_id}[/] for {node.organization}: "
                  f"state {node.state}. Ask the platform operator to approve it.")
    return 0


def _selected(jobs, names):
    chosen = [j for j in jobs if not names or j.resource in names]
    unknown = set(names or ()) - {j.resource for j in jobs}
    if unknown:
        raise ConfigError(f"not in the configuration: {sorted(unknown)}")
    return chosen


def _push(config: NodeConfig, client: PlatformClient, names) -> None:
    state = NodeState(config.state_file)
    with _progress() as progress:
        for job in _selected(config.push, names):
            task = progress.add_task(f"push {job.resource}", total=None, rate="")
            started = time.monotonic()

            def advance(rows, task=task, started=started):
                progress.advance(task, rows)
                done = progress.tasks[task].completed
                progress.update(task, rate=f"{done / max(time.monotonic() - started, 1e-6):,.0f}"
                                           " rows/s")

            summary = push_resource(client, config, state, job, advance)
            console.print(f"{job.resource}: {summary.rows} rows in {summary.batches} batches"
                          + (f" ({summary.duplicates} already applied)"
                             if summary.duplicates else ""))


def _pull(config: NodeConfig, client: PlatformClient, names) -> None:
    with _progress() as progress:
        for job in _selected(config.pull, names):
            task = progress.add_task(f"pull {job.resource}", total=None, rate="")
            rows = pull_resource(client, job, PULL_PAGE_ROWS,
                                 lambda n, task=task: progress.advance(task, n))
            console.print(f"{job.resource}: {rows} changes applied to {job.table}")


def cmd_push(config, args) -> int:
    with _client(config) as client:
        _push(config, client, args.resources)
    return 0


def cmd_pull(config, args) -> int:
    with _client(config) as client:
        while True:
            _pull(config, client, args.resources)
            if not args.follow:
                return 0
            time.sleep(args.interval)


def cmd_follow(config, args) -> int:
    """Push every configured resource, then pull every configured grant, forever."""
    with _client(config) as client:
        while True:
            try:
                _push(config, client, None)
                _pull(config, client, None)
            except PlatformError as error:
                # A refusal is the platform's word on one cycle; keep following and say why.
                console.print(f"[red]{error}[/]")
            time.sleep(args.interval)


def cmd_upload(config, args) -> int:
    path = Path(args.file)
    with _client(config) as client:
        version = client.upload_file(args.resource, path.name, path.read_bytes())
    console.print(f"{args.resource}: {path.name} is version {version['number']} "
                  f"(SHA-256 {version['sha256']})")
    return 0


def cmd_status(config, args) -> int:
    table = Table("resource", "direction", "mode", "position", "in flight")
    state = NodeState(config.state_file)
    for job in config.push:
        record = state.push(job.resource)
        if job.mode == "full":
            shadow = Shadow(config.shadow_dir / f"{job.resource}.sqlite3")
            position = f"{shadow.count()} rows held"
            shadow.close()
        else:
            position = f"cursor {record.get('cursor')}"
        table.add_row(job.resource, "push", job.mode, position, record.get("in_flight") or "")
    for job in config.pull:
        cursor = Sink(job.target, job.table, job.resource).cursor()
        table.add_row(job.resource, "pull", job.table, f"cursor {cursor}", "")
    Console().print(table)
    if config.key_file.exists():
        key_id = key_id_of(load_key(config.key_file).public_key())
        try:
            with _client(config) as client:
                node = client.whoami()
            console.print(f"node {key_id}: {node.state} ({node.organization})")
        except PlatformError as error:
            console.print(f"node {key_id}: {error.message}")
    else:
        console.print(f"no key at {config.key_file}: run `govshare-node register`")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govshare-node", description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config",
                        default=os.environ.get("GOVSHARE_NODE_CONFIG", DEFAULT_CONFIG))
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register", help="make a key pair and register it")
    register.add_argument("--code", required=True, help="one-time registration code")
    register.add_argument("--name", required=True)
    register.add_argument("--contact", required=True, help="responsible staff and phone")
    register.set_defaults(run=cmd_register)
    push = commands.add_parser("push", help="send what changed, once")
    push.add_argument("resources", nargs="*")
    push.set_defaults(run=cmd_push)
    follow = commands.add_parser("follow", help="push and pull at an interval")
    follow.add_argument("--interval", type=float, default=10.0)
    follow.set_defaults(run=cmd_follow)
    pull = commands.add_parser("pull", help="apply granted changes to the consumer database")
    pull.add_argument("resources", nargs="*")
    pull.add_argument("--follow", action="store_true")
    pull.add_argument("--interval", type=float, default=5.0)
    pull.set_defaults(run=cmd_pull)
    upload = commands.add_parser("upload", help="publish a new version of a file resource")
    upload.add_argument("resource")
    upload.add_argument("file")
    upload.set_defaults(run=cmd_upload)
    status = commands.add_parser("status", help="cursors, batches in flight, node state")
    status.set_defaults(run=cmd_status)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        return args.run(config, args)
    except (ConfigError, SourceError, FileNotFoundError, PermissionError) as error:
        console.print(f"[red]{error}[/]")
        return 2
    except PlatformError as error:
        console.print(f"[red]{error}[/]")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
