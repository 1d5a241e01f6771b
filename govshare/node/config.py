"""The node's configuration file (TOML): the platform, the key, what to push and what to pull.

```toml
platform = "https://share.hebei.gov.cn"
key_file = "node.key"              # relative paths are relative to this file
crypto_profile = "national"        # a new key is SM2; "international" (default): Ed25519
state_file = "node-state.json"
batch_rows = 50000

[[push]]
resource = "GAT-000001"
source = "sqlite:///population.sqlite3"
table = "population"               # or: query = "SELECT ... FROM ..."
mode = "full"                      # or "incremental" with increasing_column
key = ["sfzh"]                     # business key columns
[push.columns]                     # business column -> catalog data item identifier
sfzh = "id_number"

[[pull]]
resource = "GAT-000001"
token_file = "mzt-app.token"       # the consuming application's credential
target = "sqlite:///frontdb.sqlite3"
table = "population"
```
"""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from govshare.core.crypto import PROFILES

DEFAULT_BATCH_ROWS = 50_000


class ConfigError(Exception):
    """The configuration file is missing, malformed, or names an impossible setting."""


@dataclass(frozen=True)
class PushJob:
    """One resource this node extracts from a business database and pushes to the platform."""

    resource: str
    source: str
    key: tuple[str, ...]
    columns: dict[str, str]
    table: str | None = None
    query: str | None = None
    mode: str = "full"
    increasing_column: str | None = None

    def item_for(self, column: str) -> str:
        return self.columns.get(column, column)


@dataclass(frozen=True)
class PullJob:
    """One granted resource whose change feed this node applies to a consumer database."""

    resource: str
    token: str
    target: str
    table: str


@dataclass(frozen=True)
class NodeConfig:
    path: Path
    platform: str
    key_file: Path
    state_file: Path
    batch_rows: int = DEFAULT_BATCH_ROWS
    push: tuple[PushJob, ...] = ()
    pull: tuple[PullJob, ...] = ()
    timeout: float = 60.0
    crypto_profile: str = "international"

    @property
    def shadow_dir(self) -> Path:
        """Where full-snapshot resources keep the digests of the rows the platform holds."""
        return self.state_file.parent / (self.state_file.stem + ".shadow")

    def push_job(self, resource: str) -> PushJob:
        for job in self.push:
            if job.resource == resource:
                return job
        raise ConfigError(f"no [[push]] entry for resource {resource!r}")


def _required(table: dict, name: str, where: str):
    if name not in table:
        raise ConfigError(f"{where}: missing {name!r}")
    return table[name]


def _push_job(entry: dict, index: int) -> PushJob:
    where = f"[[push]] #{index + 1}"
    mode = entry.get("mode", "full")
    if mode not in ("full", "incremental"):
        raise ConfigError(f"{where}: mode must be 'full' or 'incremental', not {mode!r}")
    if ("table" in entry) == ("query" in entry):
        raise ConfigError(f"{where}: give exactly one of 'table' or 'query'")
    if mode == "incremental" and not entry.get("increasing_column"):
        raise ConfigError(f"{where}: incremental mode needs 'increasing_column'")
    key = _required(entry, "key", where)
    if isinstance(key, str):
        key = [key]
    return PushJob(
        resource=_required(entry, "resource", where), source=_required(entry, "source", where),
        key=tuple(key), columns=dict(entry.get("columns", {})), table=entry.get("table"),
        query=entry.get("query"), mode=mode, increasing_column=entry.get("increasing_column"),
    )


def _pull_job(entry: dict, index: int, base: Path) -> PullJob:
    where = f"[[pull]] #{index + 1}"
    if "token" in entry:
        token = entry["token"]
    else:
        token_file = base / _required(entry, "token_file", where)
        try:
            token = token_file.read_text().strip()
        except OSError as error:
            raise ConfigError(f"{where}: cannot read token_file: {error}") from error
    return PullJob(resource=_required(entry, "resource", where), token=token,
                   target=_required(entry, "target", where),
                   table=_required(entry, "table", where))


def _crypto_profile(raw) -> str:
    """The profile a new key is made under: the file's `crypto_profile`, else the environment's
    GOVSHARE_CRYPTO_PROFILE, as on the platform. An existing key keeps its algorithm."""
    name = str(raw.get("crypto_profile", os.environ.get("GOVSHARE_CRYPTO_PROFILE",
                                                        "international")))
    if name not in PROFILES:
        raise ConfigError(f"crypto_profile must be one of {', '.join(PROFILES)}, not {name!r}")
    return name


def load_config(path: str | Path) -> NodeConfig:
    """Read and check the configuration file; raise ConfigError naming what is wrong."""
    path = Path(path).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from error
    base = path.parent
    batch_rows = int(raw.get("batch_rows", DEFAULT_BATCH_ROWS))
    if batch_rows < 1:
        raise ConfigError("batch_rows must be positive")
    return NodeConfig(
        path=path,
        platform=str(_required(raw, "platform", str(path))).rstrip("/"),
        key_file=base / raw.get("key_file", "node.key"),
        state_file=base / raw.get("state_file", "node-state.json"),
        batch_rows=batch_rows,
        push=tuple(_push_job(e, i) for i, e in enumerate(raw.get("push", []))),
        pull=tuple(_pull_job(e, i, base) for i, e in enumerate(raw.get("pull", []))),
        timeout=float(raw.get("timeout", 60.0)),
        crypto_profile=_crypto_profile(raw),
    )
