"""The application object: one per process, its store opened once, the environment read only where it starts."""

import pytest

from orb_widgets.app import App
from orb_widgets.exceptions import WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.settings import Settings
from orb_widgets.store import Store


def test_one_store_per_app_opened_on_first_use(tmp_path):
    app = App.for_workspace(tmp_path / "ws", create=True)
    assert app.store is app.store
    assert app.store.folder == (tmp_path / "ws").resolve()
    app.store.save_instrument(tailor("cpm-orb", county="Bayside County", elements="A"))
    again = App(Settings(workspace=tmp_path / "ws"))  # another process on the same workspace
    assert [c.name for c in again.store.counties()] == ["Bayside County"]


def test_a_folder_that_is_not_a_workspace_says_how_to_make_one_and_is_not_made(tmp_path):
    app = App(Settings().with_(workspace=tmp_path / "nothing"))
    with pytest.raises(WorkspaceError, match="orb init"):
        app.store
    assert not (tmp_path / "nothing").exists()


def test_below_the_entry_point_the_environment_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setenv("ORB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere")  # would fail if read
    app = App.for_workspace(tmp_path / "ws", create=True)
    assert app.database_url.startswith("sqlite:///") and app.store.is_empty()
    assert App(Settings.from_env(workspace=tmp_path / "ws")).database_url.startswith("postgresql://")


def test_the_store_takes_a_url_and_says_so_when_given_a_folder(tmp_path):
    with pytest.raises(TypeError, match="database URL"):
        Store.open(tmp_path)
