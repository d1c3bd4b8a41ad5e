"""The batch worker: one background thread reviewing uploaded batches in order.

One thread on purpose: the pipeline is CPU-bound and LibreOffice conversions should not run side
by side. At start it picks up batches an earlier process left unfinished (``pending_batches``)."""

from __future__ import annotations

import logging
import queue
import threading

from ..config import Settings
from ..store import Store
from ..store.batches import pending_batches, run_batch

log = logging.getLogger("jixiao.web")


class Worker:
    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        for batch_id in pending_batches(self.store):
            self._queue.put(batch_id)
        self._thread = threading.Thread(target=self._run, name="jixiao-batches", daemon=True)
        self._thread.start()

    def submit(self, batch_id: int) -> None:
        self._queue.put(batch_id)

    def stop(self, timeout: float = 30) -> None:
        if self._thread is None or not self._thread.is_alive():
            return
        self._queue.put(None)
        self._thread.join(timeout)

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while True:
            batch_id = self._queue.get()
            try:
                if batch_id is None:
                    return
                run_batch(self.store, batch_id, self.settings)
            except Exception:  # the store went away; the batch stays pending for the next start
                log.exception("batch %s failed", batch_id)
            finally:
                self._queue.task_done()
