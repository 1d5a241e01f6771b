"""`govshare-node push` of N rows end to end (business SQLite → node → platform → record store),
beside pyarrow reading the same rows and writing them to a local Parquet file.

    .venv/bin/python bench/push.py [--rows 1000000] [--database-url postgresql://…/bench_exchange]
"""

import argparse
import sqlite3
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from common import (
    DEFAULT_DATABASE,
    approved_node,
    fresh_directory,
    node_cli,
    platform,
    reset_resource,
    setup_django,
)


def parquet_baseline(business_db: Path, out: Path) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(business_db)
    cursor = db.execute("SELECT * FROM people ORDER BY sfzh")
    names = [d[0] for d in cursor.description]
    with pq.ParquetWriter(out, None or _schema(names)) as writer:
        while rows := cursor.fetchmany(50_000):
            columns = list(zip(*rows, strict=True))
            writer.write_table(pa.table(dict(zip(names, [pa.array(c) for c in columns],
                                                 strict=True)), schema=_schema(names)))
    return time.perf_counter() - started


def _schema(names):
    types = {"hnrs": pa.int64()}
    return pa.schema([(n, types.get(n, pa.string())) for n in names])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/push")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import demo

    resource = demo.population_resource()
    reset_resource(resource)
    with platform(workers=1, threads=2, log=directory / "platform.log") as url:
        business_db, config = demo.write_provider(directory, url, args.rows)
        approved_node(config, resource)
        started = time.perf_counter()
        result = node_cli(config, "push")
        elapsed = time.perf_counter() - started
    from govshare.exchange.models import Record

    stored = Record.objects.filter(resource=resource).count()
    assert stored == args.rows, (stored, result.stderr)
    baseline = parquet_baseline(business_db, directory / "people.parquet")
    print(f"rows: {args.rows}")
    print(f"govshare-node push: {elapsed:.2f} s, {args.rows / elapsed:,.0f} rows/s")
    print(f"pyarrow to local Parquet: {baseline:.2f} s, {args.rows / baseline:,.0f} rows/s")
    print(f"ratio: {baseline / elapsed:.2f}")


if __name__ == "__main__":
    main()
