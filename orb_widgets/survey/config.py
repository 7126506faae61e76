"""The survey's part of a server's configuration (import-light: ``orb`` reads it for every command)."""

from __future__ import annotations

from ..settings import Settings


def survey_config(settings: Settings) -> dict:
    """The ``SurveyConfig`` section ``orb serve`` adds to voila's (or jupyter_server's) configuration."""
    return {"SurveyConfig": {"workspace": str(settings.workspace), "database_url": settings.database_url or ""}}
