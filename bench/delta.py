"""`delta_sharing.load_as_pandas` of a grant's table against pandas reading the same Parquet
file locally. The first query writes the table's snapshot (reported apart as "cold"); the
timed loads then fetch it through the platform's signed links.

    .venv/bin/python bench/delta.py [--rows 1000000] [--repeat 3]
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import delta_sharing
import pandas as pd
from common import DEFAULT_DATABASE, fresh_directory, platform, populated, setup_django


def _timed(function, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--directory", default="var/bench/delta")
    args = parser.parse_args()
    directory = fresh_directory(Path(args.directory).resolve())
    setup_django(args.database_url, directory / "data")
    from govshare.exchange import delta as delta_sharing_server
    from govshare.exchange import demo

    with platform(workers=2, threads=4, log=directory / "platform.log") as url:
        resource, _business_db, _config = populated(directory, url, args.rows)
        application, grant, token = demo.relief_application_grant()
        profile = directory / "mzt.share"
        profile.write_text(json.dumps({"shareCredentialsVersion": 1, "bearerToken": token,
                                       "endpoint": f"{url}/api/v1/delta-sharing"}))
        table = (f"{profile}#{delta_sharing_server.share_name(application)}."
                 f"{delta_sharing_server.schema_name(resource)}.{resource.code}")
        started = time.perf_counter()
        frame = delta_sharing.load_as_pandas(table)
        cold = time.perf_counter() - started
        assert len(frame) == args.rows, len(frame)
        remote, frame = _timed(lambda: delta_sharing.load_as_pandas(table), args.repeat)
    (snapshot,) = delta_sharing_server.snapshot_dir().glob(f"grant-{grant.pk}-*.parquet")
    local, local_frame = _timed(lambda: pd.read_parquet(snapshot), args.repeat)
    assert len(local_frame) == len(frame)
    print(f"rows: {args.rows}; columns: {len(frame.columns)}; "
          f"snapshot {snapshot.stat().st_size / 2**20:.1f} MiB")
    print(f"load_as_pandas, cold (writes the snapshot): {cold:.2f} s")
    print(f"load_as_pandas, warm (median of {args.repeat}): {remote:.2f} s, "
          f"{args.rows / remote:,.0f} rows/s")
    print(f"pandas.read_parquet of the same file, local: {local:.2f} s")
    print(f"ratio local/remote: {local / remote:.2f}")


if __name__ == "__main__":
    main()
