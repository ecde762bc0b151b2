"""Connecting to Ray: the one place that calls ``ray.init`` (imported only for the Ray backend)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from genaug.errors import GenaugError

__all__ = ["connect", "require_ray"]


def require_ray() -> Any:
    """``import ray``, or an error that says how to install it.

    Raises:
        GenaugError: Ray is not installed (names ``--backend`` and the extra to install).
    """
    try:
        import ray
    except ImportError:
        raise GenaugError("ray needs Ray installed", argument="--backend",
                          accepted="pip install 'genaug[ray]' (or --backend local)") from None
    return ray


def connect(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Initialise Ray once per process; returns whether this call started it.

    Already initialised: the existing connection is used (``address`` and ``num_cpus`` are then
    ignored). ``address`` given, or ``RAY_ADDRESS`` set: connect to that cluster (``"auto"`` finds
    one started with ``ray start --head`` on this machine). Otherwise start a local instance
    with ``num_cpus`` CPUs (default: the machine's) and no dashboard.

    Args:
        address: a cluster address (``"auto"``, ``"HOST:6379"``, ``"ray://HOST:10001"``) or None.
        num_cpus: CPUs of a local instance started here.
    """
    ray = require_ray()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"logging_level": "WARNING", "configure_logging": True}
    if address is not None or os.environ.get("RAY_ADDRESS"):
        ray.init(address=address, **options)
    else:
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **options)
    return True


@contextlib.contextmanager
def raise_cause() -> Iterator[None]:
    """Re-raise a failed Ray task's own exception (a ``ValueError`` stays one), not ``RayTaskError``."""
    import ray

    try:
        yield
    except ray.exceptions.RayTaskError as err:
        cause = err.as_instanceof_cause()
        raise cause from None
