"""One settings object, read once where a program starts.

The ``orb`` command, a served page's kernel and the respondent form each call
:meth:`Settings.from_env` once, where they start, and build the process's one
:class:`~orb_widgets.app.App` from the result; nothing deeper in the package
reads environment variables (``tests/test_architecture.py`` checks it). ``orb serve`` writes the settings
its pages need with :meth:`Settings.to_env`, so the server and its kernels
agree on every value.

>>> s = Settings.from_env({"ORB_WORKSPACE": "/srv/orb", "ORB_COUNTY": "Alder County", "ORB_LOCKED": "1"})
>>> s.county, s.locked, str(s.workspace)
('Alder County', True, '/srv/orb')
>>> s.page_target("", query="county=Alder+County&wave=2026-fall")
('Alder County', '2026-fall')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from .exceptions import OrbError

DEFAULT_WORKSPACE = "workspace"
DB_FILE = "orb.sqlite"


class CountyLocked(OrbError):
    """Raised when a page asks for a county other than the one the server is locked to."""


class NoRequest(OrbError):
    """Raised when a kernel started ahead of time never received the request it waited for."""


#: voila sets it to "True" in a kernel started ahead of time (a preheated kernel), "False" otherwise.
PREHEAT = "VOILA_PREHEAT"
#: What voila's request info always carries; its absence after the wait means no request arrived.
REQUEST_MARK = "SCRIPT_NAME"


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "no", "false", "off")


@dataclass(frozen=True)
class Settings:
    """Everything ORB is told from outside: where the data is and what a page may open.

    workspace
        The workspace folder (``$ORB_WORKSPACE``, else ``./workspace``).
    database_url
        ``$ORB_DATABASE_URL`` when set (PostgreSQL), else ``None``: the
        workspace's SQLite file (see :func:`orb_widgets.paths.database_url`).
    county, wave
        The county and wave pages open on when the page itself names none
        (``orb serve --county``/``--wave``, ``orb lab --county``).
    locked
        ``orb serve --county NAME --lock``: no page may open another county.
    served
        Set for kernels started by ``orb serve``: one server account serves
        many people.
    remember_name, name_file, user
        Whether the "Your name" box is pre-filled from ``name_file``;
        ``user`` (``$ORB_USER``) always wins.
    form_county, form_wave
        ``orb serve --form``: the one county (and wave) the survey collects for.
    page_query
        The served page's query string (voila hands it to the kernel).
    pool
        ``$ORB_POOL``: kernels kept started ahead of time per step on a hub
        member's server (``orb serve --pool`` values, comma-separated).
    pool_refill
        ``$ORB_POOL_REFILL``: seconds before a hub member's server starts the
        replacement of a kept-ready kernel someone took (default
        ``orb_widgets.serve.POOL_REFILL_DELAY``, 30).
    preheated
        A served page's kernel started before anyone asked for the page
        (voila's preheated kernels): it must wait for its request
        (:meth:`after_request`) before it knows its county.
    coach
        ``$ORB_COACH``: a coach's server on the hub (the ``coaches`` group): the
        webinar series of every county, and no survey result or packet.
    notebooks
        The workbook notebooks' folder (``$ORB_NOTEBOOKS``), or ``None`` for
        the ones shipped with the package.
    survey_url
        The address people reach the survey server at (``$ORB_SURVEY_URL``,
        e.g. ``https://survey.example.gov``); empty means this server.
    login_name
        Who is at the keyboard (``$USER``), named on links a coordinator opens.
    check_tiny_groups
        ``$ORB_CHECK_TINY_GROUPS=1``: groups of any size may be shown, only for
        checking imports against an independent computation on tiny test files.
    """

    workspace: Path = field(default_factory=lambda: Path(DEFAULT_WORKSPACE).resolve())
    database_url: str | None = None
    county: str = ""
    wave: str = ""
    locked: bool = False
    served: bool = False
    remember_name: bool = True
    name_file: Path = field(default_factory=lambda: Path.home() / ".config" / "orb-workbook" / "name")
    user: str = ""
    form_county: str = ""
    form_wave: str = ""
    page_query: str = ""
    notebooks: Path | None = None
    survey_url: str = ""
    login_name: str = ""
    check_tiny_groups: bool = False
    pool: str = ""
    pool_refill: str = ""
    preheated: bool = False
    coach: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Read the settings from ``environ`` (default: this process's environment).

        Keyword arguments replace single values, e.g. ``workspace=args.workspace``
        from a command line (``None`` keeps the environment's value).
        """
        env = os.environ if environ is None else environ
        config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        served = _flag(env.get("ORB_SERVED"))
        values = dict(
            workspace=Path(env.get("ORB_WORKSPACE") or DEFAULT_WORKSPACE).expanduser().resolve(),
            database_url=env.get("ORB_DATABASE_URL") or None,
            county=(env.get("ORB_COUNTY") or "").strip(),
            wave=(env.get("ORB_WAVE") or "").strip(),
            locked=_flag(env.get("ORB_LOCKED")),
            served=served,
            remember_name=_flag(env.get("ORB_REMEMBER_NAME"), default=True),
            name_file=Path(env.get("ORB_NAME_FILE") or config / "orb-workbook" / "name"),
            user=env.get("ORB_USER") or "",
            form_county=(env.get("ORB_FORM_COUNTY") or "").strip(),
            form_wave=(env.get("ORB_FORM_WAVE") or "").strip(),
            # Only a page served by `orb serve` takes its county from the address.
            page_query=(env.get("QUERY_STRING") or "") if served else "",
            notebooks=Path(env["ORB_NOTEBOOKS"]) if env.get("ORB_NOTEBOOKS") else None,
            survey_url=(env.get("ORB_SURVEY_URL") or "").strip(),
            login_name=env.get("USER") or "",
            check_tiny_groups=env.get("ORB_CHECK_TINY_GROUPS") == "1",
            pool=(env.get("ORB_POOL") or "").strip(),
            pool_refill=(env.get("ORB_POOL_REFILL") or "").strip(),
            preheated=served and env.get(PREHEAT) == "True",
            coach=_flag(env.get("ORB_COACH")),
        )
        settings = cls(**values)
        return settings.with_(**overrides)

    @classmethod
    def after_request(cls, warm=None) -> "Settings":
        """The settings of a page whose kernel was started ahead of time, once its request arrived.

        ``orb serve`` keeps kernels started ahead of time (voila's preheated
        kernels); each runs its notebook up to the page's first call for its
        settings, and waits there (:func:`voila.utils.wait_for_request`) for
        the request that takes it. The request's address (``QUERY_STRING``)
        is then in this process's environment, and the settings are read as
        for a kernel started for that request: same county, same lock checks.
        Nothing from before the request (the address of whoever took the
        previous kernel) is kept. ``warm(settings)`` runs before the wait:
        work that needs no county. Raises ``NoRequest`` if none came.
        """
        before = cls.from_env()
        if not before.preheated:
            return before
        if warm is not None:
            try:
                warm(before)
            except Exception:  # a head start, never a reason for a page to fail
                pass
        for name in ("QUERY_STRING", REQUEST_MARK, "VOILA_REQUEST_URL"):
            os.environ.pop(name, None)
        from voila.utils import wait_for_request

        wait_for_request()
        os.environ[PREHEAT] = "False"  # answered: a later call on this page reads the same request
        if REQUEST_MARK not in os.environ:
            os.environ.pop("QUERY_STRING", None)
            raise NoRequest("this page could not read its own address; reload it")
        os.environ.setdefault("QUERY_STRING", "")
        return cls.from_env()

    def with_(self, **changes) -> "Settings":
        """A copy with some values changed; ``None`` values are ignored, a workspace is resolved."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "workspace" in changes:
            changes["workspace"] = Path(changes["workspace"]).expanduser().resolve()
        return replace(self, **changes) if changes else self

    # ------------------------------------------------------------ pages
    def page_target(self, county: str = "", wave: str = "", query: str | None = None) -> tuple[str, str]:
        """The county and wave one page works on.

        The notebook's own parameter wins, then the page address
        (``?county=NAME&wave=W``), then the server's ``county``/``wave``; an
        empty county means "the workspace's first county". On a locked server
        any other county is refused with :class:`CountyLocked`.
        """
        asked = parse_qs(self.page_query if query is None else query)
        want = (county or (asked.get("county") or [""])[0]).strip()
        want_wave = (wave or (asked.get("wave") or [""])[0]).strip() or self.wave
        if self.locked:
            if want and want != self.county:
                raise CountyLocked(
                    f"this workbook is open for {self.county} only; ask whoever runs it for a link to {want}'s workbook"
                )
            return self.county, want_wave
        return want or self.county, want_wave

    def page_link(self, notebook: str, county: str, wave: str = "") -> str:
        """A relative link to another step that keeps this person's county (and wave)."""
        if not self.served:
            return notebook  # JupyterLab opens files, not addresses: the parameters cell says the county
        query = {"county": county}
        if wave:
            query["wave"] = wave
        return f"{notebook}?{urlencode(query)}"

    def to_env(self) -> dict[str, str]:
        """The environment variables that give a child process (voila, a kernel) these settings."""
        env = {
            "ORB_WORKSPACE": str(self.workspace),
            "ORB_NAME_FILE": str(self.name_file),
            "ORB_REMEMBER_NAME": "1" if self.remember_name else "0",
        }
        for key, value in [
            ("ORB_DATABASE_URL", self.database_url),
            ("ORB_COUNTY", self.county),
            ("ORB_WAVE", self.wave),
            ("ORB_USER", self.user),
            ("ORB_FORM_COUNTY", self.form_county),
            ("ORB_FORM_WAVE", self.form_wave),
            ("ORB_NOTEBOOKS", str(self.notebooks) if self.notebooks else ""),
            ("ORB_SURVEY_URL", self.survey_url),
            ("ORB_POOL", self.pool),
            ("ORB_POOL_REFILL", self.pool_refill),
        ]:
            if value:
                env[key] = value
        if self.locked:
            env["ORB_LOCKED"] = "1"
        if self.served:
            env["ORB_SERVED"] = "1"
        if self.coach:
            env["ORB_COACH"] = "1"
        return env

    #: Variables :meth:`to_env` may write; a child gets none of them from elsewhere.
    OWN_VARIABLES = (
        "ORB_WORKSPACE",
        "ORB_COACH",
        "ORB_DATABASE_URL",
        "ORB_COUNTY",
        "ORB_WAVE",
        "ORB_LOCKED",
        "ORB_SERVED",
        "ORB_REMEMBER_NAME",
        "ORB_NAME_FILE",
        "ORB_USER",
        "ORB_FORM_COUNTY",
        "ORB_FORM_WAVE",
        "ORB_NOTEBOOKS",
        "ORB_SURVEY_URL",
        "ORB_POOL",
    )
