"""Propagation latency provider → consumer: the provider's node follows its business table, the
consumer's node pulls the grant's change feed into its own database, both at a 1 s interval;
each round changes one row at the provider and times until the consumer's table shows it.

    .venv/bin/python bench/propagation.py [--rows 10000] [--rounds 20]
"""

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path

from common import (
    BIN,
    DEFAULT_DATABASE,
    fresh_directory,
    percentile,
    platform,
    populated,
    setup_django,
)


def _consumer_config(directory: Path, url: str, code: str, token: str) -> Path:
    config = directory / "mzt-node.toml"
    config.write_text(f'''platform = "{url}"
key_file = "mzt-node.key"
state_file = "mzt-state/node-state.json"

[[pull]]
resource = "{code}"
token = "{token}"
target = "sqlite:///{directory / 'mzt-frontdb.sqlite3'}"
table = "population"
''')
    return config


def _name_at_consumer(frontdb: Path, key: str):
    try:
        db = sqlite3.connect(frontdb, timeout=1)
        row = db.execute("SELECT name FROM population WHERE id_number = ?", (key,)).fetchone()
        db.close()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/propagation")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import demo
    from govshare.node.signing import generate_key

    latencies = []
    with platform(workers=2, threads=4, log=directory / "platform.log") as url:
        resource, business_db, provider_config = populated(directory, url, args.rows)
        _application, _grant, token = demo.relief_application_grant()
        consumer_config = _consumer_config(directory, url, resource.code, token)
        generate_key(directory / "mzt-node.key")
        frontdb = directory / "mzt-frontdb.sqlite3"
        interval = str(args.interval)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                 "env": {**os.environ}}
        follower = subprocess.Popen([str(BIN / "govshare-node"), "-c",  # noqa: S603
                                     str(provider_config), "follow", "--interval", interval],
                                    **quiet)
        puller = subprocess.Popen([str(BIN / "govshare-node"), "-c",  # noqa: S603
                                   str(consumer_config), "pull", "--follow", "--interval",
                                   interval], **quiet)
        try:
            keys = [k for (k,) in sqlite3.connect(business_db).execute(
                "SELECT sfzh FROM people LIMIT 1000")]
            deadline = time.monotonic() + 120
            while _name_at_consumer(frontdb, keys[0]) is None:
                if time.monotonic() > deadline:
                    raise RuntimeError("the consumer never caught up")
                time.sleep(0.2)
            rng = random.Random(7)  # noqa: S311  (which rows change, not a secret)
            for round_ in range(args.rounds):
                key, name = rng.choice(keys), f"变更{round_}"
                db = sqlite3.connect(business_db)
                db.execute("UPDATE people SET xm = ? WHERE sfzh = ?", (name, key))
                db.commit()
                db.close()
                changed = time.perf_counter()
                while _name_at_consumer(frontdb, key) != name:
                    if time.perf_counter() - changed > 60:
                        raise RuntimeError(f"round {round_} never arrived")
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - changed)
                time.sleep(rng.random() * args.interval)
        finally:
            follower.terminate()
            puller.terminate()
            follower.wait(timeout=30)
            puller.wait(timeout=30)
    print(f"rows: {args.rows}; rounds: {args.rounds}; follow and pull interval {interval} s")
    print(f"propagation latency: median {statistics.median(latencies):.2f} s, "
          f"p90 {percentile(latencies, 0.9):.2f} s, max {max(latencies):.2f} s")


if __name__ == "__main__":
    main()
