"""The hub's configuration, and ``orb hub-config`` which writes ``jupyterhub_config.py``.

``jupyterhub_config.py`` is three lines that call :func:`configure`, so an
upgrade of ORB upgrades the hub's set-up; the teams file and the workspace
are named there, and the coordinator edits only the teams file.
"""

from __future__ import annotations

import secrets
import shutil
import sys
from pathlib import Path

from ..exceptions import OrbError
from ..paths import slugify
from ..resources import shipped
from ..settings import Settings
from .teams import COACHES, COORDINATORS, Teams, example_teams, read_teams

CONFIG_FILE = "jupyterhub_config.py"
TEAMS_FILE = "teams.yaml"
#: The page a person lands on after logging in: the workbook's list of steps.
LANDING = "/voila/tree"

CONFIG_TEMPLATE = """\
# JupyterHub for ORB Workbook county teams, written by `orb hub-config`.
# Start it with:  jupyterhub -f {config}
# Who sees which county: {teams} (edit it, then restart the hub).
from orb_widgets.hub.config import configure

configure(c, teams={teams!r}, workspace={workspace!r}, port={port},
          demo_password={password!r})
"""


def proxy_command() -> str:
    """JupyterHub's proxy (configurable-http-proxy, from npm): on the PATH, or where dev.py puts it."""
    found = shutil.which("configurable-http-proxy")
    local = Path(sys.prefix) / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
    if found:
        return found
    if local.is_file():
        return str(local)
    raise OrbError(
        "JupyterHub's proxy is missing: install it with 'npm install -g configurable-http-proxy' "
        "(python3 dev.py test installs it into .venv/chp)"
    )


def spawn_settings(settings: Settings, teams: Teams, user: str) -> Settings:
    """What one person's server is told: their county, locked; every county for a coordinator; the webinar
    series only for a coach."""
    base = settings.with_(county="", wave="", form_county="", form_wave="", locked=False).with_(
        served=True, remember_name=False, user=user
    )
    if user in teams.coordinators:
        return base
    if user in teams.coaches:
        return base.with_(coach=True)
    if user not in teams.county_of:
        raise OrbError(f"{user} is in no county team; the coordinator adds them to the teams file")
    return base.with_(county=teams.county_of[user], locked=True)


def configure(
    c, teams: str, workspace: str, port: int = 8000, demo_password: str | None = None, settings: Settings | None = None
) -> Teams:
    """Fill JupyterHub's config object ``c`` for the county teams in ``teams``.

    Every person's server runs :mod:`orb_widgets.hub.singleuser` as the hub's
    own account (a local process spawner), on the one workspace database
    (``$ORB_DATABASE_URL`` when set, else the workspace's SQLite file).
    """
    from ..app import App

    if settings is None:  # the hub's entry point: jupyterhub_config.py calls this once, as the hub starts
        settings = Settings.from_env()
    settings = settings.with_(workspace=workspace)
    hub_dir = Path(teams).resolve().parent
    store = App(settings).store
    known = [county.name for county in store.counties()]
    store.engine.dispose()
    roster = read_teams(teams, known_counties=known)

    c.JupyterHub.ip = "127.0.0.1"
    c.JupyterHub.port = int(port)
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = int(port) + 1  # the hub's own API, and the proxy's, beside the public port
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(port) + 2}"
    c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
    c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
    c.ConfigurableHTTPProxy.command = [proxy_command()]
    c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "jupyterhub-proxy.pid")
    c.JupyterHub.cleanup_servers = True  # stopping the hub stops every person's server
    c.JupyterHub.cleanup_proxy = True
    # The log-in page and the hub's other pages in ORB's words and look (templates/jupyterhub/).
    c.JupyterHub.template_paths = [str(shipped("templates") / "jupyterhub")]

    # Groups, as the hub's admin page shows them; the teams file stays the source of truth.
    groups = {COORDINATORS: {"users": sorted(roster.coordinators)}, COACHES: {"users": sorted(roster.coaches)}}
    for county in roster.counties():
        groups[f"county-{slugify(county)}"] = {"users": roster.members(county), "properties": {"orb_county": county}}
    c.JupyterHub.load_groups = groups
    c.Authenticator.allowed_users = roster.users
    if demo_password:  # the local demo; a real deployment sets an OAuth or LDAP authenticator (docs/deploying.md)
        c.JupyterHub.authenticator_class = "shared-password"
        c.SharedPasswordAuthenticator.user_password = demo_password

    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(hub_dir / "homes" / "{username}")
    c.Spawner.cmd = [sys.executable, "-m", "orb_widgets.hub.singleuser"]
    c.Spawner.default_url = LANDING
    c.Spawner.disable_user_config = True
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 120

    def give_county(spawner) -> None:
        name = spawner.user.name
        spawner.environment.update(spawn_settings(settings, roster, name).to_env())

    c.Spawner.pre_spawn_hook = give_county
    return roster


# ------------------------------------------------------------------ orb hub-config
def cmd_hub_config(args) -> int:
    settings = args.app.settings
    store = args.app.store
    counties = [county.name for county in store.counties()]
    store.engine.dispose()
    out = Path(args.out).expanduser().resolve()
    teams = Path(args.teams).expanduser().resolve() if args.teams else out / TEAMS_FILE
    config = out / CONFIG_FILE
    if config.exists() and not args.force:
        raise OrbError(f"{config} exists; use --force to write it afresh (the teams file is kept)")
    if teams.exists():
        read_teams(teams, known_counties=counties)  # a mistake shows now, not when the hub starts
    proxy_command()
    out.mkdir(parents=True, exist_ok=True)
    if not teams.exists():
        teams.write_text(example_teams(counties), "utf-8")
        print(f"Wrote {teams}: put each team member under their county, and the coordinators at the top.")
    password = None if args.no_demo_login else secrets.token_urlsafe(12)
    config.write_text(
        CONFIG_TEMPLATE.format(
            config=config, teams=str(teams), workspace=str(settings.workspace), port=args.port, password=password
        ),
        "utf-8",
    )
    print(f"Wrote {config}. Start the hub with: jupyterhub -f {config}")
    if password:
        print(
            f"Demo log-in at http://127.0.0.1:{args.port}/: any name in the teams file, password {password} "
            f"(for real use, set an authenticator such as OAuth or LDAP: see docs/deploying.md)"
        )
    return 0


def add_cli(sub, common) -> None:
    s = sub.add_parser(
        "hub-config", parents=[common], help="write a JupyterHub configuration: each county team sees only its county"
    )
    s.add_argument("--out", metavar="DIR", default="hub", help="folder for jupyterhub_config.py (default ./hub)")
    s.add_argument("--teams", metavar="FILE", help="the teams file (default DIR/teams.yaml, written if missing)")
    s.add_argument(
        "--port", type=int, default=8000, help="the hub's port on 127.0.0.1 (default 8000; it also uses the next two)"
    )
    s.add_argument(
        "--no-demo-login",
        action="store_true",
        help="no shared demo password: you configure a real authenticator yourself",
    )
    s.add_argument("--force", action="store_true", help="write jupyterhub_config.py afresh")
    s.set_defaults(func=cmd_hub_config)
