"""The survey's part of a server's configuration (import-light: ``orb`` reads it for every command)."""
from __future__ import annotations

from pathlib import Path

from ..settings import Settings


def survey_config(workspace: Path) -> dict:
    """The ``SurveyConfig`` section ``orb serve`` adds to voila's (or jupyter_server's) configuration."""
    return {"SurveyConfig": {"workspace": str(workspace), "database_url": Settings.from_env().database_url or ""}}
