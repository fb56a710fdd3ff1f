"""Where background register exports are written, and who builds them.

The register's columns and rows belong to the dashboard (server/admin/registers.py), which
sits above the jobs (server/tasks/); it hands its builder in here when the app is created, so
the export job can run it without importing the web layer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import current_app

_builders: dict[str, Callable[[int], None]] = {}


def provide(name: str, builder: Callable[[int], None]) -> None:
    _builders[name] = builder


def builder(name: str) -> Callable[[int], None]:
    return _builders[name]


def export_dir() -> Path:
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path
