"""Two platform processes on loopback for the federation tests, each with its own database.

The database is a SQLite file, or a PostgreSQL database named after the test's own when
GOVSHARE_DATABASE_URL names a server. Migrating from scratch is the slowest step on a busy
machine, so one database is migrated per test session and each platform starts from a copy;
`govshare migrate` still runs on each before `govshare serve`, as in a deployment.

The `setup_*` functions run inside a platform process (`govshare shell -c`).
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

GOVSHARE = str(Path(sys.executable).parent / "govshare")
OPERATOR = "operator"


def _postgres_url():
    url = os.environ.get("GOVSHARE_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _postgres(url, sql):
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(sql)


class Database:
    """Where one platform keeps its data; `copy_of` clones a migrated template."""

    def __init__(self, directory: Path, name: str):
        self.name = name
        self.postgres = _postgres_url()
        if self.postgres:
            self.database = f"{urlsplit(self.postgres).path.strip('/')}_{name}"
            self.url = _with_database(self.postgres, self.database)
        else:
            self.path = directory / f"{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def drop(self):
        if self.postgres:
            _postgres(self.postgres, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def copy_of(self, template: "Database"):
        self.drop()
        if self.postgres:
            _postgres(self.postgres, f'CREATE DATABASE "{self.database}" '
                                     f'TEMPLATE "{template.database}"')
        else:
            source = sqlite3.connect(template.path)
            target = sqlite3.connect(self.path)
            with target:
                source.backup(target)
            source.close()
            target.close()

    def query(self, sql, params=()):
        """Rows of a read straight from the database, bypassing the platform."""
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url) as connection:
                return connection.execute(sql.replace("?", "%s"), params).fetchall()
        connection = sqlite3.connect(self.path, timeout=20)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


def environment(directory: Path, database: Database, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVSHARE_")}
    env.update({"GOVSHARE_DATA_DIR": str(directory), "GOVSHARE_DATABASE_URL": database.url,
                "GOVSHARE_LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "govshare.settings",
                "GOVSHARE_NOTIFICATION_EMAIL": "0"})
    env.update({f"GOVSHARE_{k.upper()}": str(v) for k, v in settings.items()})
    return env


def free_port() -> int:
    """A loopback port nobody listens on now: the SQLite and PostgreSQL runs of the suite go
    side by side (`make test`), so fixed ports would collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrate_template(directory: Path) -> Database:
    template = Database(directory, "template")
    template.drop()
    if template.postgres:
        _postgres(template.postgres, f'CREATE DATABASE "{template.database}"')
    subprocess.run([GOVSHARE, "migrate", "-v0"], env=environment(directory, template),
                   check=True, cwd=directory)
    return template


class Platform:
    """One installation: its directory, database, port and server process."""

    def __init__(self, directory: Path, name: str, *, root: str, title: str, **settings):
        self.directory = directory / name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.name, self.port = name, free_port()
        self.database = Database(directory, name)
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = environment(self.directory, self.database, root_region=root,
                               base_url=self.url, platform_name=title,
                               federation_timeout=30, **settings)
        self.server = None

    def start_migrate(self, template: Database) -> subprocess.Popen:
        self.database.copy_of(template)
        return self.popen("migrate", "-v0")

    def popen(self, *args, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([GOVSHARE, *args], env=self.env, cwd=self.directory,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, **kwargs)

    def run(self, *args) -> str:
        done = subprocess.run([GOVSHARE, *args], env=self.env, cwd=self.directory,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"{self.name}: govshare {' '.join(args)} failed:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done.stdout

    def call(self, function: str, **kwargs):
        """Run one of this module's setup functions inside the platform; its JSON answer."""
        code = (f"import django, json; django.setup(); "
                f"from govshare.federation.tests import platforms; "
                f"print('=>' + json.dumps(platforms.{function}(**{kwargs!r}), "
                f"ensure_ascii=False))")
        done = subprocess.run([sys.executable, "-c", code], env=self.env, cwd=self.directory,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"{self.name}: {function} failed:\n{done.stderr}")
        return json.loads(done.stdout.split("=>", 1)[1])

    def start(self, *options):
        log = open(self.directory / "server.log", "ab")  # noqa: SIM115 (kept open for the server)
        self.server = subprocess.Popen(
            [GOVSHARE, "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
             "--threads", "4", *options], env=self.env, cwd=self.directory, stdout=log, stderr=log,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"{self.name} exited: "
                                     f"{(self.directory / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/exchange/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"{self.name} did not start")

    def kill(self):
        """SIGKILL, as a power cut would: no clean shutdown."""
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()
        self.server = None


def stop_all(*platforms):
    for platform in platforms:
        platform.kill()


# Inside a platform process.

def _operator():
    from govshare.orgs.models import User

    return User.objects.get(username=OPERATOR)


def setup_installation():
    """Regions, organisations and the people the tests act as (no password: nobody logs in)."""
    from govshare.orgs.demo import load_organizations, load_regions
    from govshare.orgs.models import Organization, Region, Role, RoleAssignment, User

    load_regions()
    load_organizations()
    people = [(OPERATOR, "河北省政务信息资源共享平台运维中心", Role.OPERATOR, "130000"),
              ("sjz_reviewer", "石家庄市数据和政务服务局", Role.AUTHORITY_REVIEWER, "130100"),
              ("hb_reviewer", "河北省数据和政务服务局", Role.AUTHORITY_REVIEWER, "130000"),
              ("sjz_mzj_officer", "石家庄市民政局", Role.SHARING_OFFICER, None),
              ("gat_officer", "河北省公安厅", Role.SHARING_OFFICER, None)]
    for username, organization_name, role, region_code in people:
        organization = Organization.objects.get(name=organization_name)
        user, _ = User.objects.get_or_create(username=username,
                                             defaults={"organization": organization})
        scope = ({"region": Region.objects.get(code=region_code)} if region_code
                 else {"organization": organization})
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)
    return {"organizations": Organization.objects.count()}


def approve_peers():
    from govshare.federation import services
    from govshare.federation.models import Peer

    return [services.peer_approve(_operator(), peer).name
            for peer in Peer.objects.filter(state=Peer.State.PENDING)]


def publish_resources(count=1, prefix="城市资源"):
    """Publish `count` resources of 石家庄市民政局 through the catalog's own services."""
    from govshare.catalog import services
    from govshare.catalog.models import Classification
    from govshare.orgs.models import Organization, User

    provider = Organization.objects.get(name="石家庄市民政局")
    officer = User.objects.get(username="sjz_mzj_officer")
    reviewer = User.objects.get(username="sjz_reviewer")
    classification = Classification.objects.filter(level=2).order_by("code").first()
    codes = []
    for number in range(count):
        resource = services.resource_create(
            officer, provider=provider, name=f"{prefix}{number:03d}", summary="低保对象名单",
            classification=classification, share_modes=["api"],
            items=[{"identifier": "sfzh", "name": "身份证号", "is_key": True},
                   {"identifier": "xm", "name": "姓名"}])
        services.resource_submit(officer, resource)
        services.resource_publish(reviewer, resource)
        codes.append(resource.code)
    return codes


def withdraw_resource(code):
    from govshare.catalog import services
    from govshare.catalog.models import Resource
    from govshare.orgs.models import User

    resource = Resource.objects.get(code=code)
    services.resource_withdraw(User.objects.get(username="sjz_reviewer"), resource,
                               reason="数据已停止更新")
    return code


def catalog(query=""):
    """The codes a search of this platform's published catalog finds."""
    from govshare.catalog.browse import catalog_search

    result = catalog_search(_operator(), query, per_page=100)
    return sorted(hit.code for hit in result.hits)


def publish_held_resource():
    """The province's 公安厅 publishes a conditionally shared population resource and holds
    two records of it in the exchange store (as its node would have pushed them)."""
    from govshare.catalog import services
    from govshare.catalog.models import Classification
    from govshare.exchange.models import Record
    from govshare.orgs.models import Organization, User

    provider = Organization.objects.get(name="河北省公安厅")
    officer = User.objects.get(username="gat_officer")
    resource = services.resource_create(
        officer, provider=provider, name="人口基本信息", summary="户籍人口基本信息",
        classification=Classification.objects.filter(level=2).order_by("code").first(),
        share_type="conditional", share_conditions="用于社会救助资格核查", share_modes=["api"],
        items=[{"identifier": "sfzh", "name": "身份证号", "is_key": True},
               {"identifier": "xm", "name": "姓名"}, {"identifier": "hjdz", "name": "户籍地址"}])
    services.resource_submit(officer, resource)
    services.resource_publish(User.objects.get(username="hb_reviewer"), resource)
    for seq, (number, name) in enumerate([("130102199001011234", "张三"),
                                          ("130102198502023456", "李四")], start=1):
        Record.objects.create(resource=resource, key=number, seq=seq,
                              payload={"sfzh": number, "xm": name, "hjdz": "长安区"})
    return resource.code


def request_remote(peer_id, code):
    """石家庄市民政局 asks, on the city's platform, for the province's resource `code`."""
    import datetime

    from govshare.federation import services
    from govshare.federation.models import Peer
    from govshare.orgs.models import User

    officer = User.objects.get(username="sjz_mzj_officer")
    remote = services.remote_request_create(
        officer, Peer.objects.get(pk=peer_id), organization=officer.organization,
        resource_code=code, items=["sfzh", "xm"], purpose="低保资格核查",
        duty="最低生活保障审核确认", requested_until=datetime.date.today()
        + datetime.timedelta(days=365))
    return {"id": remote.pk, "state": remote.state, "remote_id": remote.remote_id}


def agree_relayed(remote_id):
    """The province's provider answers the consultation: it agrees to the two items."""
    import datetime

    from govshare.orgs.models import User
    from govshare.sharing import services
    from govshare.sharing.models import ShareRequest

    share_request = ShareRequest.objects.get(pk=remote_id)
    grant = services.share_request_agree(
        User.objects.get(username="gat_officer"), share_request, items=["sfzh", "xm"],
        valid_until=datetime.date.today() + datetime.timedelta(days=365))
    grant.refresh_from_db()
    return {"grant": grant.state, "consumer": share_request.consumer.name,
            "filed_by": str(share_request.requested_by)}


def refresh_remote(request_id):
    from govshare.federation import services
    from govshare.federation.models import RemoteRequest

    remote = services.remote_request_refresh(_operator(),
                                             RemoteRequest.objects.get(pk=request_id))
    return remote.state


def requester_credential():
    """A credential of 石家庄市民政局's consuming system on the city's platform."""
    from govshare.orgs import services
    from govshare.orgs.models import User

    officer = User.objects.get(username="sjz_mzj_officer")
    application = services.application_create(officer, organization=officer.organization,
                                              name="社会救助系统")
    _credential, token = services.credential_issue(officer, application)
    return token


def search_peer(peer_id, query=""):
    from govshare.federation import services
    from govshare.federation.models import Peer

    return services.peer_catalog_search(_operator(), Peer.objects.get(pk=peer_id), query=query)


def audit_actions():
    from govshare.audit.models import AuditRecord

    return list(AuditRecord.objects.order_by("id").values_list("action", flat=True))


def pend_access():
    """A data access left pending for the platform's sealing process: this process, like the
    server's workers, seals nothing itself."""
    from govshare.audit import sealer

    sealer.seal_in_another_process()
    return sealer.pend(("system", "", "system", None), ("resource", "R-1", "R-1"),
                       "resource.access", {"rows": 1}, "ok").pk
