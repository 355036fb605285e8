# JupyterHub for a small team using okrkit: one server, one shared PostgreSQL store.
#
#   OKRKIT_DB=postgresql+psycopg://okrkit:...@127.0.0.1:5432/okrkit \
#   OKRKIT_HUB_USERS=ana,ben OKRKIT_HUB_ADMINS=ana \
#   jupyterhub -f deploy/jupyterhub/jupyterhub_config.py
#
# Everything a small-team admin changes is an environment variable, read below and listed
# in deploy/jupyterhub/README.md. What each person gets:
#
# * their own JupyterLab server, opening their own copy of okrkit's notebooks/;
# * the team's store: OKRKIT_DB is passed to every user's server (and so to every kernel
#   and every okrkit call there); okrkit.config.default_store_url() reads it;
# * their name on everything they save: JupyterHub sets JUPYTERHUB_USER in each server's
#   environment, and okrkit.config.current_user() returns it first, so check-ins, plan
#   revisions and workshop votes are recorded with the hub login, not the Unix account.
#
# This file does not import okrkit: on The Littlest JupyterHub the hub runs in its own
# environment (/opt/tljh/hub) and okrkit lives in the users' environment.
# (`get_config` is provided by JupyterHub when it loads this file.)

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent  # the okrkit checkout this file came with

c = get_config()  # noqa: F821


def env(name: str, default: str = "") -> str:
    """An environment variable, stripped; ``default`` when unset or blank."""
    return os.environ.get(name, "").strip() or default


def names(var: str) -> set[str]:
    """A comma- or space-separated list of user names from an environment variable."""
    return {n for n in env(var).replace(",", " ").split() if n}


def refuse(message: str) -> None:
    """Stop JupyterHub with one clear line (exit status 1, no traceback)."""
    sys.exit(f"okrkit hub config: {message}")


# -- the shared store ------------------------------------------------------------------
# OKRKIT_DB is the store URL. OKRKIT_DB_FILE names a file holding it instead (first line;
# keep it root-only, mode 600), so the password is not in the hub's service definition.
# The URL, password included, reaches every user's server: it is the team's credential.
# Give that PostgreSQL role rights on the okrkit database only. It is never printed here.

db_file = env("OKRKIT_DB_FILE")
if db_file:
    try:
        store_url = Path(db_file).read_text(encoding="utf-8").strip().splitlines()[0].strip()
    except (OSError, UnicodeDecodeError, IndexError) as err:
        refuse(f"cannot read the store URL from OKRKIT_DB_FILE={db_file}: {err}")
else:
    store_url = env("OKRKIT_DB")
if not store_url:
    refuse(
        "OKRKIT_DB is not set: give the team's store URL, e.g. "
        "postgresql+psycopg://okrkit:PASSWORD@127.0.0.1:5432/okrkit (or OKRKIT_DB_FILE)"
    )

try:
    from sqlalchemy.engine import make_url  # JupyterHub itself depends on SQLAlchemy

    shown_url = make_url(store_url).render_as_string(hide_password=True)
except Exception:
    refuse("OKRKIT_DB is not a database URL (dialect+driver://user:password@host:port/db)")
if not shown_url.startswith("postgresql"):
    print(
        f"okrkit hub config: warning: the store {shown_url} is not PostgreSQL; a team "
        "shares one PostgreSQL database (SQLite is for one person)",
        file=sys.stderr,
    )
print(f"okrkit hub config: users' servers get OKRKIT_DB={shown_url}", file=sys.stderr)

# -- where the hub listens ---------------------------------------------------------------
# The public address of the proxy. 127.0.0.1 by default: put nginx/Caddy with HTTPS in
# front, or give OKRKIT_HUB_SSL_CERT and OKRKIT_HUB_SSL_KEY and bind to https://0.0.0.0:443.
# The hub's own API (hub_port 8081) and the proxy's API (8001) stay on 127.0.0.1.

bind_url = env("OKRKIT_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.bind_url = bind_url
c.JupyterHub.hub_ip = "127.0.0.1"
bind_host = urlsplit(bind_url).hostname or ""
loopback = bind_host == "localhost" or bind_host.startswith("127.") or bind_host == "::1"

ssl_cert, ssl_key = env("OKRKIT_HUB_SSL_CERT"), env("OKRKIT_HUB_SSL_KEY")
if bool(ssl_cert) != bool(ssl_key):
    refuse("set both OKRKIT_HUB_SSL_CERT and OKRKIT_HUB_SSL_KEY, or neither")
if ssl_cert:
    c.JupyterHub.ssl_cert = ssl_cert
    c.JupyterHub.ssl_key = ssl_key

# The hub's own state (its users and tokens in SQLite, the cookie secret, the proxy's
# pid): OKRKIT_HUB_STATE_DIR, default the folder JupyterHub is started in. This is not
# okrkit's store; back it up with the server, not with `okrkit backup`.
state = Path(env("OKRKIT_HUB_STATE_DIR", os.getcwd())).resolve()
state.mkdir(parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# configurable-http-proxy (npm): the copy `make setup` installs into the checkout's
# .npm/ if there is one, else the one on PATH (`npm install -g configurable-http-proxy`).
local_chp = REPO / ".npm" / "node_modules" / ".bin" / "configurable-http-proxy"
if local_chp.exists():
    c.ConfigurableHTTPProxy.command = [str(local_chp)]
elif not shutil.which("configurable-http-proxy"):
    refuse(
        "configurable-http-proxy is not installed: run `make setup` in the okrkit checkout "
        "or `npm install -g configurable-http-proxy`"
    )

# -- who may log in ----------------------------------------------------------------------
# OKRKIT_HUB_AUTH picks the authenticator:
#   pam     (default) the server's Unix accounts and passwords; pairs with the `local`
#           spawner, which runs each server as that account.
#   native  NativeAuthenticator (pip install jupyterhub-nativeauthenticator): people sign
#           up at /hub/signup and an admin authorizes them; no Unix accounts needed with
#           the `systemd` spawner (dynamic users).
#   dummy   any name, any password: for tests and a first try on 127.0.0.1 only.
#   other   any JupyterHub authenticator by entry-point name or class, e.g. `github` or
#           `generic-oauth` from OAuthenticator (pip install oauthenticator) for a company
#           login (Entra ID, Google Workspace, Keycloak, GitHub); configure its client id
#           and secret in a snippet of your own (see the README).
# OKRKIT_HUB_USERS lists who may log in, OKRKIT_HUB_ADMINS the admins (comma-separated).

auth = env("OKRKIT_HUB_AUTH", "pam")
allowed, admins = names("OKRKIT_HUB_USERS"), names("OKRKIT_HUB_ADMINS")
if auth == "dummy" and not loopback:
    refuse(f"the dummy authenticator lets anyone in: refused on {bind_url} (not 127.0.0.1)")
if auth == "native":
    try:
        import nativeauthenticator
    except ImportError:
        refuse("OKRKIT_HUB_AUTH=native needs `pip install jupyterhub-nativeauthenticator`")
    c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
    c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
    if not allowed:
        # an admin's authorization of each sign-up is the gate
        c.Authenticator.allow_all = True
else:
    c.JupyterHub.authenticator_class = auth
if allowed:
    c.Authenticator.allowed_users = allowed
if admins:
    c.Authenticator.admin_users = admins

# -- how each person's server runs ---------------------------------------------------------
# OKRKIT_HUB_SPAWNER:
#   local   (default) LocalProcessSpawner: each server runs as the Unix account of the same
#           name (the hub runs as root). Right for a handful of people who have accounts on
#           the machine; no limits per person.
#   systemd SystemdSpawner (pip install jupyterhub-systemdspawner): each server is a
#           systemd unit with a memory and CPU cap (OKRKIT_HUB_MEM_LIMIT, e.g. 2G;
#           OKRKIT_HUB_CPU_LIMIT, e.g. 1.0), a private /tmp, and a dynamic user when the
#           login is not a Unix account. The production choice from ~10 to ~100 people: one
#           runaway forecast or report batch cannot starve the others. The Littlest
#           JupyterHub runs this spawner.
#   simple  SimpleLocalProcessSpawner: every server runs as the hub's own user with HOME
#           OKRKIT_HUB_HOMES/<name> (default /tmp/<name>). No isolation at all: tests and a
#           first try on 127.0.0.1 only.

spawner = env("OKRKIT_HUB_SPAWNER", "local")
if spawner == "local":
    c.JupyterHub.spawner_class = "localprocess"
elif spawner == "systemd":
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = auth != "pam"
    c.SystemdSpawner.isolate_tmp = True
elif spawner == "simple":
    if not loopback:
        refuse(f"the simple spawner gives no isolation: refused on {bind_url} (not 127.0.0.1)")
    c.JupyterHub.spawner_class = "simple"
    homes = Path(env("OKRKIT_HUB_HOMES", "/tmp")).resolve()
    c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")
    if os.geteuid() == 0:
        # every server runs as the hub's user; Jupyter Server refuses root unless told
        c.Spawner.args = ["--allow-root"]
else:
    refuse(f"OKRKIT_HUB_SPAWNER={spawner!r}: choose local, systemd or simple")
if env("OKRKIT_HUB_MEM_LIMIT"):
    c.Spawner.mem_limit = env("OKRKIT_HUB_MEM_LIMIT")
if env("OKRKIT_HUB_CPU_LIMIT"):
    try:
        c.Spawner.cpu_limit = float(env("OKRKIT_HUB_CPU_LIMIT"))
    except ValueError:
        refuse(f"OKRKIT_HUB_CPU_LIMIT={env('OKRKIT_HUB_CPU_LIMIT')!r} is not a number of CPUs")

# -- what each server sees -------------------------------------------------------------------
# JupyterLab in the person's home, opening notebooks/: start-singleuser.sh copies the okrkit
# notebooks (OKRKIT_HUB_NOTEBOOKS, default this checkout's notebooks/) there on the first
# start, as that person, then runs jupyterhub-singleuser. Later starts keep their copy.

notebooks = Path(env("OKRKIT_HUB_NOTEBOOKS", str(REPO / "notebooks"))).resolve()
if not notebooks.is_dir():
    refuse(f"OKRKIT_HUB_NOTEBOOKS={notebooks} is not a folder of notebooks")
c.Spawner.cmd = ["/bin/sh", str(HERE / "start-singleuser.sh")]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/notebooks"
c.Spawner.environment = {
    "OKRKIT_DB": store_url,
    "OKRKIT_HUB_NOTEBOOKS": str(notebooks),
}
# the first start imports pandas, Altair and the widgets: give it time on a busy machine
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
