"""Choosing the runtime a controller places replicas on, by its setting (``local`` | ``ray``).

Apart from :mod:`.runtime` (the interface), so that the interface does not import its
implementations: each implementation imports the interface, and only this module knows them
all (Ray is imported only when chosen).
"""

from __future__ import annotations

from modelport.cluster.runtime import Runtime


def make_runtime(name: str, *, ray_address: str | None, ray_namespace: str) -> Runtime:
    """The runtime a controller places replicas on (``ray`` imports Ray lazily)."""
    if name == "local":
        from modelport.cluster.local_runtime import LocalRuntime

        return LocalRuntime()
    if name == "ray":
        from modelport.cluster.ray_runtime import RayRuntime

        return RayRuntime(ray_address or "auto", namespace=ray_namespace)
    raise ValueError(f"unknown runtime {name!r} (local | ray)")
