"""Issue 19, item 3: `flask backup` → wipe → `flask restore` gives back the same items, the same
photos (byte for byte) and phone numbers that still decrypt; the key-escrow reminder is
printed; a damaged or foreign archive is refused with nothing changed."""

from __future__ import annotations

import tarfile
from pathlib import Path

from server.models import Message, Upload
from server.platform.crypto import decrypt_phone
from server.platform.db import db
from tests.support.helpers import submit, upload
from tests.support.stack import _clean_database


def _snapshot(app) -> dict:
    with app.app_context():
        messages = db.session.scalars(db.select(Message).order_by(Message.id)).all()
        uploads = db.session.scalars(db.select(Upload).order_by(Upload.id)).all()
        upload_dir = Path(app.config["UPLOAD_DIR"])
        state = {
            "items": [(m.id, m.tracking_no, m.content, m.status) for m in messages],
            "phones": [decrypt_phone(m.contact_phone_enc) for m in messages],
            "photos": {u.id: (upload_dir / u.path).read_bytes() for u in uploads},
        }
        db.session.remove()
    return state


def test_backup_wipe_restore(live, world, tmp_path):
    _, token = live.citizen()
    photo = upload(live, token)
    submit(
        live, token, world["scene"], content="路灯坏了，请修", contact_phone="13812345678",
        photos=[photo],
    )  # fmt: skip
    submit(live, token, world["scene"], content="井盖缺失", contact_phone="13900001111")
    live.work()
    before = _snapshot(live.app)
    assert before["phones"] == ["13812345678", "13900001111"] and len(before["photos"]) == 1

    runner = live.app.test_cli_runner()
    done = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert done.exit_code == 0, done.output
    assert "PHONE_KEYS" in done.output and "SECRET_KEY" in done.output  # the escrow reminder
    (archive,) = (tmp_path / "backups").glob("lianluozhan-backup-*.tar.gz")
    assert archive.stat().st_mode & 0o077 == 0  # readable by the service account only

    # Wipe: every row, every photo file.
    with live.app.app_context():
        _clean_database()
        for path in Path(live.app.config["UPLOAD_DIR"]).rglob("*"):
            if path.is_file():
                path.unlink()
        assert db.session.scalar(db.select(db.func.count(Message.id))) == 0
        db.session.remove()

    refused = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert refused.exit_code != 0  # asked, and declined
    done = runner.invoke(args=["restore", str(archive), "--yes"])
    assert done.exit_code == 0, done.output
    assert "PHONE_KEYS" in done.output
    assert _snapshot(live.app) == before


def test_a_damaged_or_unsafe_archive_is_refused(live, world, tmp_path):
    _, token = live.citizen()
    submit(live, token, world["scene"], content="保留的事项")
    before = _snapshot(live.app)
    runner = live.app.test_cli_runner()
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    done = runner.invoke(args=["restore", str(broken), "--yes"])
    assert done.exit_code != 0 and "无法读取备份文件" in done.output
    evil = tmp_path / "evil.tar.gz"
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(outside, arcname="../../escape.txt")
    done = runner.invoke(args=["restore", str(evil), "--yes"])
    assert done.exit_code != 0 and "不安全的路径" in done.output
    assert _snapshot(live.app) == before
