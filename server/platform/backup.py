"""`flask backup` / `flask restore`: the database and the uploaded photos in one archive.

The database goes in as the database's own dump — `pg_dump --format=custom` for PostgreSQL
(restored with `pg_restore --clean`), SQLite's online backup API for SQLite (a consistent copy
while the app runs) — and UPLOAD_DIR as files. What is NOT in it, on purpose: SECRET_KEY and
PHONE_KEYS. Phone numbers in the dump are encrypted with PHONE_KEYS; a backup is only worth
something with the keys kept apart from it (key escrow), and a stolen backup is worth nothing
without them. Both commands print that reminder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from server.platform.db import db

FORMAT = 1
DATABASE_SQLITE = "database.sqlite3"
DATABASE_PG = "database.pgdump"
UPLOADS = "uploads"
MANIFEST = "manifest.json"

ESCROW_REMINDER = (
    "提醒：备份中不含 SECRET_KEY 与 PHONE_KEYS。手机号以 PHONE_KEYS 加密，没有这些密钥，备份中的"
    "手机号无法读取。请将密钥另行安全保管（与备份分开存放，如密封交由保密员），恢复时使用相同的密钥。\n"
    "Reminder: SECRET_KEY and PHONE_KEYS are not in the backup. Phone numbers are encrypted with "
    "PHONE_KEYS: keep the keys apart from the backups (escrow) and restore with the same keys."
)


class BackupError(Exception):
    """A backup or restore that could not be done (the message says why, in Chinese)."""


def _pg_url(uri: str) -> str:
    """libpq's URL (pg_dump knows no SQLAlchemy driver suffix)."""
    url = make_url(uri).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（postgresql-client）"
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[-500:]}")


def _sqlite_path(uri: str) -> Path:
    database = make_url(uri).database
    if not database:
        raise BackupError("SQLite 数据库路径为空")
    return Path(database)


def create_backup(config: dict, directory: str | Path) -> Path:
    """Write lianluozhan-backup-<UTC time>.tar.gz into directory; return its path."""
    uri = config["SQLALCHEMY_DATABASE_URI"]
    upload_dir = Path(config["UPLOAD_DIR"])
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = out_dir / f"lianluozhan-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        if uri.startswith("sqlite"):
            kind, name = "sqlite", DATABASE_SQLITE
            source = sqlite3.connect(_sqlite_path(uri))
            target = sqlite3.connect(work_dir / name)
            with target:
                source.backup(target)  # consistent even while the app writes
            source.close()
            target.close()
        elif uri.startswith("postgresql"):
            kind, name = "postgresql", DATABASE_PG
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 "--file", str(work_dir / name), _pg_url(uri)]
            )  # fmt: skip
        else:
            raise BackupError(f"不支持的数据库：{make_url(uri).drivername}")
        files = (
            sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.exists() else []
        )
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "database": kind,
            "database_file": name,
            "uploads": len(files),
        }
        (work_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work_dir / MANIFEST, arcname=MANIFEST)
            tar.add(work_dir / name, arcname=name)
            for path in files:
                tar.add(path, arcname=f"{UPLOADS}/{path.relative_to(upload_dir).as_posix()}")
        os.chmod(partial, 0o600)  # citizens' messages: readable by the service account only
        partial.rename(archive)  # a cut-off backup never looks like a finished one
    return archive


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        path = Path(member.name)
        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"备份文件中有不安全的路径：{member.name}")
        members.append(member)
    return members


def restore_backup(config: dict, archive: str | Path) -> dict:
    """Replace the database and UPLOAD_DIR with the archive's; return its manifest."""
    uri = config["SQLALCHEMY_DATABASE_URI"]
    upload_dir = Path(config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(work_dir, members=_safe_members(tar), filter="data")
            manifest = json.loads((work_dir / MANIFEST).read_text())
        except (OSError, tarfile.TarError, ValueError, KeyError) as exc:
            raise BackupError(f"无法读取备份文件：{exc}") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError("备份文件格式不符")
        kind = manifest["database"]
        if kind == "sqlite" and uri.startswith("sqlite"):
            db.session.remove()
            db.engine.dispose()  # no connection may keep the old file open
            target = sqlite3.connect(_sqlite_path(uri))
            source = sqlite3.connect(work_dir / DATABASE_SQLITE)
            with target:
                source.backup(target)
            source.close()
            target.close()
        elif kind == "postgresql" and uri.startswith("postgresql"):
            db.session.remove()
            db.engine.dispose()
            _run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                 "--single-transaction", "--dbname", _pg_url(uri), str(work_dir / DATABASE_PG)]
            )  # fmt: skip
        else:
            raise BackupError(
                f"备份来自 {kind} 数据库，当前配置的是另一种数据库：请在同类数据库上恢复"
            )
        restored = work_dir / UPLOADS
        if upload_dir.exists():
            shutil.rmtree(upload_dir)
        if restored.exists():
            shutil.copytree(restored, upload_dir)
        else:
            upload_dir.mkdir(parents=True, exist_ok=True)
    return manifest
