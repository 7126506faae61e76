"""One person's server on the hub: the workbook, code hidden, locked to their county.

The hub starts ``python -m orb_widgets.hub.singleuser`` with the person's
settings in the environment (:func:`orb_widgets.hub.config.spawn_settings`).
It is JupyterHub's own single-user server (``jupyterhub-singleuser``: the
hub's log-in, its proxy, its activity reports) with voila as the only page
extension and the same configuration ``orb serve`` uses: ORB's template,
sources stripped, idle kernels culled, and the kernel websocket taking widget
messages only. On top of that:

* every request needs the hub's log-in (``allow_unauthenticated_access``
  off), and only the page owner (or a hub admin) gets in;
* :class:`WorkbookAuthorizer` allows the workbook's kernels and nothing else
  of the Jupyter server: no files, contents, terminals, new kernels or lab;
* a member's server is locked to their county (``ORB_LOCKED``): a page, an
  address or a widget message naming another county is refused in the kernel,
  as on ``orb serve --county NAME --lock``;
* the packet page (:mod:`.packet_page`, ``<server>/orb/packets``): a
  coordinator builds and opens every county's packet, a member opens their
  own county's; the workbook's home page links to it.
* a coach's server (``ORB_COACH``, the ``coaches`` group) serves the webinar
  series' page and nothing else: its notebook folder holds that step only, the
  packet page is not loaded, and :class:`CoachAuthorizer` refuses the packet
  routes too; so no survey result or packet of any county reaches a coach.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from jupyterhub.singleuser.extension import JupyterHubAuthorizer

from ..exceptions import OrbError
from ..serve import (
    SECURITY_HEADERS,
    TEMPLATE,
    home_page_config,
    notebooks_dir,
    pool_sizes,
    refill_seconds,
    template_dir,
    voila_config,
)
from ..settings import Settings

#: What a logged-in person may do on the Jupyter server behind their pages:
#: talk to the page's kernel (widget messages only, see orb_widgets.kernel) and read kernel specs.
#: and the packet page (orb_widgets.hub.packet_page, which narrows a team member to their own county).
ALLOWED = frozenset(
    {
        ("kernels", "read"),
        ("kernels", "execute"),
        ("kernelspecs", "read"),
        ("orb_packets", "read"),
        ("orb_packets", "write"),
    }
)

#: Server extensions installed beside ORB that a team member's server must not load.
DISABLED_EXTENSIONS = (
    "jupyterlab",
    "jupyter_lsp",
    "jupyter_server_terminals",
    "notebook",
    "nbclassic",
    "orb_widgets.survey",
)


#: A coach's server: the kernels of its one page (the webinar series), no packet page.
COACH_ALLOWED = frozenset(p for p in ALLOWED if p[0] != "orb_packets")
#: The only step a coach's server serves.
COACH_NOTEBOOK = "02-breakout-session.ipynb"


class WorkbookAuthorizer(JupyterHubAuthorizer):
    """The hub's scope check, narrowed to the workbook's own kernels."""

    allowed = ALLOWED

    def is_authorized(self, handler, user, action, resource) -> bool:
        if (resource, action) not in self.allowed:
            self.log.warning("Refused %s on %s for %s", action, resource, getattr(user, "username", user))
            return False
        return super().is_authorized(handler, user, action, resource)


class CoachAuthorizer(WorkbookAuthorizer):
    """A coach's server: the webinar page's kernels only; no packet of any county."""

    allowed = COACH_ALLOWED


#: Kernels kept started ahead of time on each person's server (``orb_widgets.hub.preheat``): the Start page and the
#: results, the pages people open first and all at once. Every person's server keeps its own, so
#: each counts in the hub's memory (docs/guides/administrator.md); ``$ORB_POOL`` changes it
#: (``orb serve --pool`` values, comma-separated, e.g. ``0,06-results=2``).
HUB_POOL = {"default": 0, "01-start-here.ipynb": 1, "06-results.ipynb": 1}


def server_config(settings: Settings, logout: str = "/hub/logout") -> dict:
    """The jupyter_server configuration of one person's server (``logout``: the hub's log-out address)."""
    sizes = pool_sizes(settings.pool.split(",")) if settings.pool else dict(HUB_POOL)
    served = voila_config(port=0, pool=sizes, refill_delay=refill_seconds(settings.pool_refill))
    preheat = served["VoilaConfiguration"]["preheat_kernel"]
    nb_dir = notebooks_dir(settings)
    # What the workbook's home page adds on the hub (templates/voila-orb/tree.html reads it from the page
    # config): who is logged in, for which county, the way out, and the packet page.
    locked, coach = settings.locked, settings.coach
    home = _home_page(settings)
    unit = home["unit"]  # a CPS team's hub says "municipality", not "county"
    hub = {
        "orb": {
            **home,
            "who": settings.user,
            "county": settings.county
            if locked
            else "the webinar series (coach)"
            if coach
            else f"every {unit} (coordinator)",
            "logout": logout,
            "packets": "" if coach else f"Your {unit}'s packet" if locked else f"{unit[:1].upper()}{unit[1:]} packets",
            "packets_what": f"Open or download your {unit}'s packet (web page and PDF)."
            if locked
            else f"Build, open and download each {unit}'s packet and the overview of every {unit}.",
        }
    }
    return {
        "ServerApp": {
            "jpserver_extensions": {
                "voila.server_extension": True,
                "orb_widgets.hub.packet_page": not coach,
                "orb_widgets.hub.preheat": preheat,
                **{name: False for name in DISABLED_EXTENSIONS},
            },
            "root_dir": str(nb_dir),
            "allow_unauthenticated_access": False,
            # The server runs as the hub's account; a hub run as root (a container, CI) is allowed.
            "allow_root": hasattr(os, "geteuid") and os.geteuid() == 0,
            "terminals_enabled": False,
            "authorizer_class": f"orb_widgets.hub.singleuser.{'CoachAuthorizer' if coach else 'WorkbookAuthorizer'}",
            "kernel_websocket_connection_class": served["Voila"]["kernel_websocket_connection_class"],
            "tornado_settings": {"headers": dict(SECURITY_HEADERS)},
            **({"kernel_manager_class": "orb_widgets.hub.preheat.PreheatedKernelManager"} if preheat else {}),
        },
        "VoilaConfiguration": {**served["VoilaConfiguration"], "extension_config": hub},
        "VoilaKernelManager": served["VoilaKernelManager"],
        "PacketPageConfig": {"logout_url": logout},
        "MappingKernelManager": served["MappingKernelManager"],
    }


def _home_page(settings: Settings) -> dict:
    """The home page's steps in the words of the person's county (a coordinator's: the workspace's);
    the default words while the workspace cannot be opened yet."""
    from ..app import App

    try:
        return home_page_config(App(settings).store, settings.county if settings.locked else "")
    except OrbError:
        return home_page_config()


def main() -> None:
    """Write this server's configuration to a private folder, then run JupyterHub's single-user server."""
    settings = Settings.from_env()
    # Outside $HOME: the hub turns off configuration found in the person's home folder.
    runtime = Path(tempfile.mkdtemp(prefix="orb-hub-"))
    try:
        if settings.coach:
            settings = coach_notebooks(settings, runtime / "notebooks")
            os.environ.update(settings.to_env())
        templates = runtime / "share" / "voila" / "templates"
        templates.mkdir(parents=True)
        (templates / TEMPLATE).symlink_to(template_dir(), target_is_directory=True)
        etc = runtime / "etc"
        etc.mkdir()
        logout = os.environ.get("JUPYTERHUB_BASE_URL", "/").rstrip("/") + "/hub/logout"
        (etc / "jupyter_server_config.json").write_text(json.dumps(server_config(settings, logout), indent=2), "utf-8")
        for variable, folder in (("JUPYTER_CONFIG_PATH", etc), ("JUPYTER_PATH", runtime / "share")):
            os.environ[variable] = os.pathsep.join(filter(None, [str(folder), os.environ.get(variable)]))
        os.environ["MPLBACKEND"] = "Agg"
        os.chdir(notebooks_dir(settings))
        from jupyterhub.singleuser import main as run

        run()
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def coach_notebooks(settings: Settings, folder: Path) -> Settings:
    """A coach's settings, with a notebook folder holding the webinar series' step and nothing else
    (voila serves the notebooks of its folder only: no results page exists to be asked for)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(notebooks_dir(settings) / COACH_NOTEBOOK, folder / COACH_NOTEBOOK)
    return settings.with_(notebooks=folder)


if __name__ == "__main__":
    main()
