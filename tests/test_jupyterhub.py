"""A team on one server: JupyterHub with the shared PostgreSQL store (deploy/jupyterhub/).

The end-to-end test starts the real thing on 127.0.0.1: JupyterHub with the deployment's
``jupyterhub_config.py``, configurable-http-proxy from npm (``.npm/``, installed by
``make setup``), two users through the dummy authenticator and
``SimpleLocalProcessSpawner``. The suite runs as root and creating Unix accounts would
change the machine, so ``LocalProcessSpawner`` (which switches to the user's account) is
out; the simple spawner runs each server as the hub's own user with a private HOME, and
the deployment adds ``--allow-root`` for it. Identity still comes from the hub: each
server has its own ``JUPYTERHUB_USER``, while the login name of every process is root.

User A's check-in goes through A's server (hub API -> A's server's REST API -> a kernel
driven over its websocket) into the throwaway PostgreSQL database; B's kernel reads it.
Every process started (hub, proxy, single-user servers, kernels) is stopped by PID.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import jupyter_env
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from traitlets.config import PyFileConfigLoader

from okrkit.launch import free_port
from okrkit.sample import load_sample
from okrkit.store import open_store

pytestmark = [pytest.mark.hub]

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "jupyterhub"
CONFIG = DEPLOY / "jupyterhub_config.py"
CHP_BIN = ROOT / ".npm" / "node_modules" / ".bin"
BIN = Path(sys.executable).parent  # jupyterhub, jupyterhub-singleuser
USERS = ("alice", "bob")
PERIOD, TEAM, AS_OF, KR = "2026-Q1", "chatbot", "2026-02-13", "BOT-1.1"
PG_URL = "postgresql+psycopg://okrkit:s3cret-pw@127.0.0.1:5432/okrkit"


# -- the deployment's config, loaded the way JupyterHub loads it -----------------------


def load_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    """``jupyterhub_config.py`` evaluated with ``env`` (OKRKIT_HUB_* cleared first)."""
    for name in list(os.environ):
        if name.startswith("OKRKIT_HUB_") or name in ("OKRKIT_DB", "OKRKIT_DB_FILE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OKRKIT_HUB_STATE_DIR", str(tmp_path / "state"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader(str(CONFIG)).load_config()


def test_config_defaults_to_loopback_pam_local_and_passes_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = load_config(monkeypatch, tmp_path, OKRKIT_DB=PG_URL, OKRKIT_HUB_USERS="ana, ben",
                      OKRKIT_HUB_ADMINS="ana")
    assert cfg.JupyterHub.bind_url == "http://127.0.0.1:8000"
    assert cfg.JupyterHub.hub_ip == "127.0.0.1"
    assert cfg.JupyterHub.authenticator_class == "pam"
    assert cfg.JupyterHub.spawner_class == "localprocess"
    assert cfg.Authenticator.allowed_users == {"ana", "ben"}
    assert cfg.Authenticator.admin_users == {"ana"}
    assert cfg.Spawner.environment["OKRKIT_DB"] == PG_URL
    assert Path(cfg.Spawner.environment["OKRKIT_HUB_NOTEBOOKS"]) == ROOT / "notebooks"
    assert cfg.Spawner.default_url == "/lab/tree/notebooks"
    assert cfg.Spawner.cmd == ["/bin/sh", str(DEPLOY / "start-singleuser.sh")]
    state = tmp_path / "state"
    assert cfg.JupyterHub.db_url == f"sqlite:///{state / 'jupyterhub.sqlite'}"
    assert cfg.ConfigurableHTTPProxy.pid_file == str(state / "jupyterhub-proxy.pid")
    err = capsys.readouterr().err
    assert "s3cret-pw" not in err
    assert "OKRKIT_DB=postgresql+psycopg://okrkit:***@127.0.0.1:5432/okrkit" in err


def test_config_reads_the_store_url_from_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "db-url"
    secret.write_text(PG_URL + "\n", encoding="utf-8")
    cfg = load_config(monkeypatch, tmp_path, OKRKIT_DB_FILE=str(secret),
                      OKRKIT_HUB_SPAWNER="systemd", OKRKIT_HUB_AUTH="generic-oauth",
                      OKRKIT_HUB_MEM_LIMIT="2G", OKRKIT_HUB_CPU_LIMIT="1.5")
    assert cfg.Spawner.environment["OKRKIT_DB"] == PG_URL
    assert cfg.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert cfg.SystemdSpawner.dynamic_users is True  # an OAuth login is no Unix account
    assert cfg.JupyterHub.authenticator_class == "generic-oauth"
    assert (cfg.Spawner.mem_limit, cfg.Spawner.cpu_limit) == ("2G", 1.5)
    assert "s3cret-pw" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "OKRKIT_DB is not set"),
        ({"OKRKIT_DB": "not a url"}, "OKRKIT_DB is not a database URL"),
        ({"OKRKIT_DB_FILE": "/nonexistent/db-url"}, "cannot read the store URL"),
        ({"OKRKIT_DB": PG_URL, "OKRKIT_HUB_AUTH": "dummy",
          "OKRKIT_HUB_BIND_URL": "http://0.0.0.0:8000"}, "dummy authenticator lets anyone in"),
        ({"OKRKIT_DB": PG_URL, "OKRKIT_HUB_SPAWNER": "simple",
          "OKRKIT_HUB_BIND_URL": "https://hub.example.org"}, "simple spawner gives no isolation"),
        ({"OKRKIT_DB": PG_URL, "OKRKIT_HUB_SPAWNER": "docker"}, "choose local, systemd or simple"),
        ({"OKRKIT_DB": PG_URL, "OKRKIT_HUB_SSL_CERT": "/etc/ssl/hub.pem"}, "SSL_KEY"),
        ({"OKRKIT_DB": PG_URL, "OKRKIT_HUB_CPU_LIMIT": "lots"}, "not a number of CPUs"),
    ],
)
def test_config_refuses_unsafe_or_broken_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        load_config(monkeypatch, tmp_path, **env)
    text = str(exc.value.code)
    assert text.startswith("okrkit hub config: ") and message in text
    assert "s3cret-pw" not in text


def test_start_script_copies_the_notebooks_once_then_runs_the_server(tmp_path: Path) -> None:
    home, fake_bin = tmp_path / "home", tmp_path / "bin"
    home.mkdir()
    fake_bin.mkdir()
    server = fake_bin / "jupyterhub-singleuser"
    server.write_text('#!/bin/sh\necho "singleuser $*"\n', encoding="utf-8")
    server.chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{fake_bin}:/usr/bin:/bin",
           "OKRKIT_HUB_NOTEBOOKS": str(ROOT / "notebooks")}
    script = ["/bin/sh", str(DEPLOY / "start-singleuser.sh"), "--allow-root", "--debug"]

    first = subprocess.run(script, env=env, capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "singleuser --allow-root --debug"
    copied = sorted(p.name for p in (home / "notebooks").glob("*.ipynb"))
    assert copied == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert not (home / "notebooks.partial").exists()

    mine = home / "notebooks" / "weekly_checkin.ipynb"
    mine.write_text("my edits", encoding="utf-8")
    subprocess.run(script, env=env, capture_output=True, text=True, check=True)
    assert mine.read_text(encoding="utf-8") == "my edits"  # a later start keeps the copy


# -- processes ---------------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    with contextlib.suppress(ChildProcessError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    return True


def stop_pid(pid: int, timeout: float = 15) -> None:
    """SIGTERM the process group that ``pid`` leads, SIGKILL after ``timeout``."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for kill in (os.killpg, os.kill):  # the group it leads, and the process itself
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive(pid):
            time.sleep(0.2)
        if not alive(pid):
            return


ORDER = ["kernel", "server", "hub", "proxy"]


class Hub:
    """A JupyterHub started from the deployment's config, plus a service token.

    The hub, the proxy, every single-user server and every kernel this object learns of
    are recorded by PID and stopped by :meth:`stop`.
    """

    def __init__(self, tmp_path: Path, store_url: str) -> None:
        self.dir = tmp_path / "hub"
        self.dir.mkdir()
        self.homes = tmp_path / "homes"
        self.token = secrets.token_hex(24)
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.store_url = store_url
        self.log_path = self.dir / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pids: dict[str, int] = {}  # what -> pid, stopped in reverse order

    # the deployment's config with what only a test needs: a service and its token
    def write_config(self) -> Path:
        path = self.dir / "test_config.py"
        path.write_text(
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(CONFIG)!r})  # noqa: F821\n"
            "import os\n"
            "c.JupyterHub.services = [{'name': 'okrkit-test',"
            " 'api_token': os.environ['OKRKIT_TEST_HUB_TOKEN']}]\n"
            "c.JupyterHub.load_roles = [{'name': 'okrkit-test', 'services': ['okrkit-test'],"
            " 'scopes': ['admin:users', 'admin:servers', 'admin:server_state',"
            " 'access:servers']}]\n",
            encoding="utf-8",
        )
        return path

    def env(self) -> dict[str, str]:
        """The hub's environment: private JUPYTER_* folders and HOME, the deployment's
        settings for a test (dummy login, simple spawner, homes under tmp_path)."""
        env = jupyter_env(self.dir)
        for name in [n for n in env if n.startswith(("OKRKIT_", "JUPYTERHUB_"))]:
            del env[name]
        env.update(
            PATH=os.pathsep.join([str(CHP_BIN), str(BIN), env.get("PATH", "")]),
            HOME=str(self.dir),
            OKRKIT_DB=self.store_url,
            OKRKIT_HUB_BIND_URL=f"{self.base}/",
            OKRKIT_HUB_AUTH="dummy",
            OKRKIT_HUB_SPAWNER="simple",
            OKRKIT_HUB_HOMES=str(self.homes),
            OKRKIT_HUB_USERS=",".join(USERS),
            OKRKIT_HUB_STATE_DIR=str(self.dir / "state"),
            OKRKIT_TEST_HUB_TOKEN=self.token,
        )
        return env

    def start(self) -> None:
        cmd = [
            str(BIN / "jupyterhub"),
            "-f", str(self.write_config()),
            f"--JupyterHub.hub_port={self.hub_port}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{self.api_port}",
        ]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=self.dir, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pids["hub"] = self.proc.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the hub exited ({self.proc.returncode}):\n{self.log()}")
            self.record_proxy_pid()
            with contextlib.suppress(OSError):
                status, _, _ = self.request("GET", "/hub/api/")
                if status == 200:
                    return
            time.sleep(0.5)
        raise AssertionError(f"the hub did not answer within 60 s:\n{self.log()}")

    def record_proxy_pid(self) -> None:
        pid_file = self.dir / "state" / "jupyterhub-proxy.pid"
        if "proxy" not in self.pids and pid_file.exists():
            with contextlib.suppress(ValueError):
                self.pids["proxy"] = int(pid_file.read_text().strip())

    def record_server_pid(self, user: str) -> dict[str, Any]:
        """The hub's model of ``user``'s default server; its PID recorded once known."""
        server = self.api("GET", f"/users/{user}")["servers"].get("", {})
        pid = (server.get("state") or {}).get("pid")
        if pid:
            self.pids[f"server {user}"] = int(pid)
        return dict(server)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]

    def request(
        self, method: str, path: str, body: Any = None, *, token: str | None = "",
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request through the proxy (no redirects followed)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {token or self.token}"
        try:
            conn.request(method, path, None if body is None else json.dumps(body), headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, _, data = self.request(method, f"/hub/api{path}", body)
        assert status < 300, f"{method} /hub/api{path}: {status} {data[:500]!r}\n{self.log()}"
        return json.loads(data) if data else None

    def start_server(self, user: str) -> str:
        """Start ``user``'s server through the hub API; return its URL prefix."""
        status, _, data = self.request("POST", f"/hub/api/users/{user}/server")
        assert status in (201, 202), f"spawn {user}: {status} {data[:500]!r}\n{self.log()}"
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            server = self.record_server_pid(user)
            if server.get("ready"):
                return str(server["url"])
            if not server:
                raise AssertionError(f"{user}'s server did not start:\n{self.log()}")
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server was not ready within 150 s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the single-user servers (hub API, then by PID), the hub, the proxy."""
        if self.proc is not None and self.proc.poll() is None:
            for user in USERS:
                with contextlib.suppress(Exception):
                    self.record_server_pid(user)
                    self.request("DELETE", f"/hub/api/users/{user}/server", timeout=20)
        self.record_proxy_pid()
        # kernels, then servers, then the hub (which stops the proxy it started), then the
        # proxy if it is still up; each leads its own session, so its group is its own
        order = sorted(self.pids.items(), key=lambda kv: ORDER.index(kv[0].split()[0]))
        for _what, pid in order:
            stop_pid(pid)
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        left = {what: pid for what, pid in self.pids.items() if alive(pid)}
        assert not left, f"still running after stop: {left}"


# -- a kernel on a user's server, driven over its websocket ------------------------------


async def _execute(url: str, token: str, code: str, timeout: float) -> dict[str, Any]:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    session = uuid.uuid4().hex
    msg_id = uuid.uuid4().hex
    ws = await websocket_connect(
        HTTPRequest(f"{url}?session_id={session}", headers={"Authorization": f"token {token}"},
                    connect_timeout=30, request_timeout=30)
    )
    try:
        ws.write_message(json.dumps({
            "channel": "shell",
            "header": {"msg_id": msg_id, "session": session, "username": "test",
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        out: list[str] = []
        errors: list[str] = []
        replied = idle = False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no reply within {timeout} s; output so far: {out}")
            raw = await asyncio.wait_for(ws.read_message(), left)
            if raw is None:
                raise AssertionError(f"the kernel's websocket closed; output so far: {out}")
            if isinstance(raw, bytes):  # a message with binary buffers (widget state)
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "execute_reply":
                replied = True
                if content.get("status") != "ok" and not errors:
                    errors.append(str(content))
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return {"stdout": "".join(out), "errors": errors}
    finally:
        ws.close()


def run_in_kernel(hub: Hub, server_url: str, kernel: str, code: str) -> dict[str, Any]:
    """Execute ``code`` in a kernel of a user's server; the JSON its last line prints."""
    base = hub.base.replace("http://", "ws://")
    url = f"{base}{server_url}api/kernels/{kernel}/channels"
    result = asyncio.run(_execute(url, hub.token, code, timeout=150))
    assert not result["errors"], f"{result['errors']}\n{result['stdout']}"
    lines = [ln for ln in result["stdout"].splitlines() if ln.strip()]
    assert lines, f"no output from the kernel: {result}"
    return json.loads(lines[-1])


def start_kernel(hub: Hub, server_url: str, user: str) -> str:
    """Start a kernel on ``user``'s server (REST API); record its PID; return its id."""
    status, _, data = hub.request("POST", f"{server_url}api/kernels", {"name": "python3"})
    assert status == 201, f"kernel for {user}: {status} {data[:500]!r}"
    kernel = str(json.loads(data)["id"])
    who = run_in_kernel(hub, server_url, kernel, WHO_AM_I)
    hub.pids[f"kernel {user}"] = int(who["pid"])
    assert who["user"] == user
    return kernel


WHO_AM_I = """
import json, os, getpass
print(json.dumps({"pid": os.getpid(), "user": os.environ.get("JUPYTERHUB_USER"),
                  "login": getpass.getuser()}))
"""


SAVE_THROUGH_THE_APP = f"""
import json, os
from okrkit.widgets import CheckinApp
app = CheckinApp(period={PERIOD!r}, team={TEAM!r}, as_of={AS_OF!r})
app.rows[{KR!r}].value.value = "86.5"
app.rows[{KR!r}].note.value = "saved through my hub server"
saved = app.save()
print(json.dumps({{"saved": saved, "author": app.author.value, "pid": os.getpid(),
                  "user": os.environ.get("JUPYTERHUB_USER")}}))
"""

READ_THE_STORE = f"""
import json, os
from okrkit.store import open_store
with open_store() as store:
    ck = store.checkins(period={PERIOD!r}, team={TEAM!r})
rows = ck[(ck["kr_id"] == {KR!r}) & (ck["date"].astype(str) == {AS_OF!r})]
print(json.dumps({{"pid": os.getpid(), "user": os.environ.get("JUPYTERHUB_USER"),
                  "rows": rows[["kr_id", "value", "author", "note"]].to_dict("records")}},
                 default=str))
"""


@pytest.fixture
def team_store(pg_store_url: str) -> str:
    """A fresh PostgreSQL database on the suite's throwaway server, the sample loaded."""
    with open_store(pg_store_url) as store:
        load_sample(store, ROOT / "data")
    return pg_store_url


@pytest.mark.postgres
@pytest.mark.slow
def test_a_checkin_saved_on_one_users_server_is_seen_by_another(
    tmp_path: Path, team_store: str
) -> None:
    if not (CHP_BIN / "configurable-http-proxy").exists():
        pytest.skip("configurable-http-proxy is not installed in .npm/: run `make setup`")
    started = time.monotonic()
    hub = Hub(tmp_path, team_store)
    try:
        hub.start()
        servers = {user: hub.start_server(user) for user in USERS}
        assert servers == {user: f"/user/{user}/" for user in USERS}

        # JupyterLab opens the user's own copy of notebooks/
        status, headers, _ = hub.request("GET", "/user/alice/")
        assert status in (301, 302), status
        assert urlsplit(headers["location"]).path == "/user/alice/lab/tree/notebooks"
        status, _, data = hub.request("GET", "/user/alice/api/contents/notebooks")
        assert status == 200
        listed = {item["name"] for item in json.loads(data)["content"]}
        assert {"weekly_checkin.ipynb", "planning_workshop.ipynb"} <= listed
        assert (hub.homes / "alice" / "notebooks" / "weekly_checkin.ipynb").is_file()
        # without a token the user's server gives nothing away
        status, _, _ = hub.request("GET", "/user/alice/api/kernels", token=None)
        assert status in (302, 403), status

        kernels = {user: start_kernel(hub, servers[user], user) for user in USERS}
        saved = run_in_kernel(hub, servers["alice"], kernels["alice"], SAVE_THROUGH_THE_APP)
        assert saved["saved"] == 1
        assert saved["user"] == "alice"
        assert saved["author"] == "alice"  # from JUPYTERHUB_USER; the login name is root

        # recorded in PostgreSQL, author A, by the check-in app
        engine = create_engine(team_store)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT kr_id, date, value, note, source FROM checkins "
                         "WHERE author = :author"), {"author": "alice"}
                ).all()
        finally:
            engine.dispose()
        assert [(r.kr_id, r.date.isoformat(), r.value, r.note, r.source) for r in rows] == [
            (KR, AS_OF, 86.5, "saved through my hub server", "check-in widget")
        ]
        with open_store(team_store) as store:
            effective = store.checkins(period=PERIOD, team=TEAM)
        today = effective[(effective["kr_id"] == KR) & (effective["date"].astype(str) == AS_OF)]
        assert today["author"].tolist() == ["alice"]  # the newest record of the day counts

        # B, on B's own server and kernel, sees it
        seen = run_in_kernel(hub, servers["bob"], kernels["bob"], READ_THE_STORE)
        assert seen["user"] == "bob"
        assert seen["pid"] != saved["pid"]
        assert seen["rows"] == [
            {"kr_id": KR, "value": 86.5, "author": "alice", "note": "saved through my hub server"}
        ]
    finally:
        hub.stop()
    log = hub.log_path.read_text(encoding="utf-8", errors="replace")
    password = make_url(team_store).password
    assert password and password not in log, "the store password was printed in the hub log"
    assert "users' servers get OKRKIT_DB=postgresql+psycopg://okrkit:***@" in log
    print(f"hub test: {time.monotonic() - started:.1f} s")
