"""gunicorn's settings for Outreach: gunicorn reads this file when it is started in the checkout.

It sets nothing but a check before any worker starts. Production refuses in-memory rate limits
(``RATELIMIT_STORAGE_URI=memory://``, the default) with more than one worker process, because
each process would count apart and every limit would be that many times looser. Threads share
one process's counts, so ``gunicorn -w 1 -k gthread --threads 8`` works with ``memory://``;
several processes need Redis. The worker count comes from ``-w``, ``WEB_CONCURRENCY`` or a
configuration file, as gunicorn reads it. A deployment with its own configuration file
(``-c``) should call ``check_rate_limits`` from that file's ``on_starting`` too.
"""

from __future__ import annotations

import os
from typing import Any

from config import CONFIGS, rate_limit_storage_problem


def check_rate_limits(server: Any) -> None:
    """Refuse to start when the rate limits could not hold with this many worker processes."""
    name = os.environ.get("OUTREACH_CONFIG", "development")
    config = CONFIGS.get(name)
    if config is None:
        return  # create_app says what is wrong with the name
    problem = rate_limit_storage_problem(name, config.RATELIMIT_STORAGE_URI, server.cfg.workers)
    if problem:
        # gunicorn prints a RuntimeError from the master as "Error: ..." and exits with 1.
        raise RuntimeError(problem)


def on_starting(server: Any) -> None:
    """gunicorn's hook before the master starts any worker."""
    check_rate_limits(server)
