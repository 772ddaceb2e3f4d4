"""Background work. In-process by default: a small thread pool per process. A production
installation with several web processes can run the same functions from a real queue."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger("tillit.jobs")
_executor: ThreadPoolExecutor | None = None


def submit(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tillit-job")
    future = _executor.submit(fn, *args)
    future.add_done_callback(_log_failure)
    return future


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("background job failed: %s", type(exc).__name__)
