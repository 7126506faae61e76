"""The application object: one per process, built where the process starts.

An entry point (the ``orb`` command, a served page's first call in its
kernel, the survey server, the hub's packet build, a packet child) reads the
settings once with :meth:`~orb_widgets.settings.Settings.from_env` and builds
one :class:`App` from them; everything below is handed the App, or the
settings and store it needs, and never reads the environment or opens a store
of its own. The model is nbgrader's ``NbGraderAPI``: one object, passed down.

>>> app = App(Settings(workspace=Path("/srv/orb")))
>>> app.database_url
'sqlite:////srv/orb/orb.sqlite'
>>> app.with_(workspace="/srv/other").workspace
PosixPath('/srv/other')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .exceptions import WorkspaceError
from .paths import database_url
from .settings import Settings

if TYPE_CHECKING:  # the store (SQLAlchemy) and the scores (pandas) load when first used, not with `orb`
    from .content import Framework
    from .report import ScoreReport
    from .store import Store, SurveyLink

__all__ = ["App"]


class App:
    """Everything one process works with: its settings, the workspace's store, the use cases.

    ``settings`` come from the entry point that builds the App; ``store``
    (tests) replaces the workspace's own. The store is opened on first use,
    once; :meth:`open_store` makes or upgrades the workspace (``orb init``).

    In a test, build one on a folder: ``App(Settings(workspace=folder))``, or
    ``App.for_workspace(folder, create=True)`` for a new, empty workspace.
    """

    def __init__(self, settings: Settings, store: Store | None = None):
        self.settings = settings
        self._store = store

    @classmethod
    def for_workspace(cls, folder: str | os.PathLike, create: bool = False, **values) -> "App":
        """An App on a workspace folder with default settings (``values`` change some); the environment is not read.

        ``create`` makes the workspace (folder and database) when it is missing.
        """
        app = cls(Settings().with_(workspace=folder, **values))
        if create:
            app.open_store(create=True)
        return app

    def with_(self, **changes) -> "App":
        """This App, or a new one when ``changes`` (``None`` ignored) change its settings."""
        settings = self.settings.with_(**changes)
        return self if settings == self.settings else App(settings)

    # ------------------------------------------------------------ the workspace
    @property
    def workspace(self) -> Path:
        return self.settings.workspace

    @property
    def database_url(self) -> str:
        """The settings' database (``$ORB_DATABASE_URL``), else the workspace folder's SQLite file."""
        return database_url(settings=self.settings)

    @property
    def store(self) -> Store:
        """The workspace's store, opened on first use (an error if there is no workspace there yet)."""
        if self._store is None:
            self.open_store()
        return self._store

    def open_store(self, create: bool = False, upgrade: bool = False) -> Store:
        """Open (with ``create``, make; with ``upgrade``, bring forward) the workspace's store, and keep it.

        The workspace folder belongs to the App: it is made here, only when
        asked to create, and only for the folder's own SQLite file (a shared
        database needs no folder).
        """
        from .store import Store

        folder = self.workspace
        if create and not self.settings.database_url:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(f"cannot create workspace folder {folder}: {exc.strerror}") from None
        self._store = Store.open(self.database_url, create=create, upgrade=upgrade, folder=folder)
        return self._store

    def framework(self, pack: str, language: str | None = None) -> Framework:
        """A content pack, read once per process (later calls get a fresh copy of the cached pack)."""
        from .content import load_framework

        return load_framework(pack, language)

    # ------------------------------------------------------------ use cases
    def results(self, county: str, wave: str | None = None) -> ScoreReport:
        """Scores for ``county`` (any capitals) and ``wave`` (default: the latest)."""
        from .results import county_results

        return county_results(self.store, self.store.county(county).name, wave)

    def open_survey_link(self, county: str, wave: str, invited=None, closes_on=None) -> SurveyLink:
        """A new survey link for ``county`` and ``wave``, signed with who is at the keyboard
        (``invited`` and ``closes_on`` as ``Store.open_link`` takes them)."""
        return self.store.open_link(
            county, wave, user=self.settings.login_name or "coordinator", invited=invited, closes_on=closes_on
        )

    def open_pulse_link(self, county: str, row: str, today, invited=None, closes_on=None) -> SurveyLink:
        """A pulse check's link on plan row ``row`` of ``county`` (see :func:`orb_widgets.results.open_pulse`)."""
        from .results import open_pulse

        user = self.settings.login_name or "coordinator"
        return open_pulse(self.store, county, row, today, user=user, invited=invited, closes_on=closes_on)

    def run_packets(self, counties: list[str] | None = None, **options):
        """Build packets for ``counties`` (default: all); see :func:`orb_widgets.packets.run_packets`."""
        from .packets import run_packets

        return run_packets(self.workspace, counties=counties, settings=self.settings, **options)
