"""Kernels started ahead of time are handed out only once they are ready.

voila's pool (:mod:`voila.voila_kernel_manager`) hands a page the first kernel
of its step's pool even while that kernel is still starting and importing:
the page then waits for it, longer than for a kernel of its own when many are
starting at once (a server just started, a pool being refilled). :class:`ReadyFirst`
hands out only kernels that have run their notebook up to the page's request
(they are waiting on voila's request websocket); while none is, the page gets
a kernel of its own, exactly as without a pool. Used by ``orb serve``
(:mod:`orb_widgets.survey.app`) and the hub (:mod:`orb_widgets.hub.preheat`).
"""

from __future__ import annotations


def _waiting() -> set[str]:
    from voila.request_info_handler import RequestInfoSocketHandler

    return set(RequestInfoSocketHandler._waiters)


class ReadyFirst:
    """Mixin for voila's pooling kernel manager: only kernels waiting for their request count."""

    def _ready(self, notebook_name: str) -> list[int]:
        waiting = _waiting()
        ready = []
        for i, task in enumerate(self._pools.get(notebook_name, [])):
            if (
                task.done()
                and not task.cancelled()
                and task.exception() is None
                and task.result().get("kernel_id") in waiting
            ):
                ready.append(i)
        return ready

    def get_pool_size(self, notebook_name: str) -> int:
        return len(self._ready(notebook_name))

    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict | None = None, **kwargs):
        ready = self._ready(notebook_name)
        if ready:  # voila takes the pool's first kernel: make it a ready one
            pool = self._pools[notebook_name]
            pool.insert(0, pool.pop(ready[0]))
        return await super().get_rendered_notebook(notebook_name, extra_kernel_env_variables or {}, **kwargs)


def ready_first_factory(factory):
    """Wrap :func:`voila.voila_kernel_manager.voila_kernel_manager_factory` so its pooling class is
    :class:`ReadyFirst` too (the class keeps voila's name, so its configuration section still applies)."""

    def make(base_class, preheat_kernel, default_pool_size, *args, **kwargs):
        cls = factory(base_class, preheat_kernel, default_pool_size, *args, **kwargs)
        if not preheat_kernel:
            return cls
        return type(cls.__name__, (ReadyFirst, cls), {})

    return make
