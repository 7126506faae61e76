"""The in-process papermill engine: a notebook's cells run in this (fresh, forked) process.

Registered with papermill as ``orb-inprocess`` through the ``papermill.engine``
entry point (``pyproject.toml``) and by :func:`register_engine`, so it is found
even in a checkout whose installed entry points predate it.
"""

from __future__ import annotations

import traceback

from papermill.engines import Engine, papermill_engines

ENGINE = "orb-inprocess"


class InProcessEngine(Engine):
    """Runs a notebook's cells in this process with a new IPython namespace.

    It produces real notebook outputs (display_data with text/html,
    streams, errors) and reports each cell to papermill, so papermill still
    injects parameters and records errors per cell. ``last_namespace`` keeps
    the finished notebook's variables for the caller (the packet's index row).
    """

    last_namespace = None

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        import nbformat
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        from traitlets.config import Config

        if InteractiveShell.initialized():  # a fresh namespace for every notebook, even in one process
            InteractiveShell.clear_instance()
        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "nocolor"
        shell = InteractiveShell.instance(config=config)
        # A cell's value becomes an execute_result output below, never "Out[n]:" text on stdout.
        shell.displayhook.write_output_prompt = lambda: None
        shell.displayhook.write_format_data = lambda *args, **kwargs: None
        count = 0
        for index, cell in enumerate(nb_man.nb.cells):
            if cell.cell_type != "code":
                continue
            nb_man.cell_start(cell, index)
            count += 1
            cell.execution_count = count
            with capture_output() as cap:
                res = shell.run_cell(cell.source, store_history=False)
            outputs = []
            if cap.stdout:
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=cap.stdout))
            if cap.stderr:
                outputs.append(nbformat.v4.new_output("stream", name="stderr", text=cap.stderr))
            for o in cap.outputs:
                outputs.append(nbformat.v4.new_output("display_data", data=o.data, metadata=o.metadata or {}))
            if res.result is not None:
                data, meta = shell.display_formatter.format(res.result)
                outputs.append(
                    nbformat.v4.new_output("execute_result", data=data, metadata=meta, execution_count=count)
                )
            exc = res.error_in_exec or res.error_before_exec
            if exc is not None:
                outputs.append(
                    nbformat.v4.new_output(
                        "error",
                        ename=type(exc).__name__,
                        evalue=str(exc),
                        traceback=traceback.format_exception(type(exc), exc, exc.__traceback__),
                    )
                )
            cell.outputs = outputs
            if exc is not None:
                nb_man.cell_exception(cell, index)
                nb_man.cell_complete(cell, index)
                break
            nb_man.cell_complete(cell, index)
        InProcessEngine.last_namespace = shell.user_ns


def register_engine() -> type[InProcessEngine]:
    """Register the in-process engine with papermill (idempotent); returns its class."""
    papermill_engines.register(ENGINE, InProcessEngine)
    return InProcessEngine
