"""Run the worker in a loop until told to stop, in a thread of the server or as its own process.

On PostgreSQL any number of these may run (rows are claimed with SKIP LOCKED); on SQLite the
server runs exactly one, in-process. A failing pass is logged and retried on the next tick, so a
database restart costs a few log lines, not a dead worker.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger("sirf.worker")


class Worker(Protocol):
    @property
    def name(self) -> str: ...

    def run_once(self) -> int: ...


class WorkerLoop:
    def __init__(self, worker: Worker, *, interval: float = 1.0) -> None:
        self.worker = worker
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        log.info("worker %s started", self.worker.name)
        while not self._stop.is_set():
            try:
                handled = self.worker.run_once()
            except Exception:  # keep going: the next pass retries whatever this one could not do
                log.exception("worker pass failed")
                handled = 0
            if handled == 0:
                self._stop.wait(self.interval)
        log.info("worker %s stopped", self.worker.name)

    def start(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.run, name=f"sirf-{self.worker.name}", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
