"""Codes to scan: `flask qr export` writes a mini-program code and a plain QR per station and
deputy, each decoding to the right scene."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

from server.platform.db import db
from tests import factories
from wechat_sandbox import sandbox_code_text


def decode(path: Path) -> str:
    results = zxingcpp.read_barcodes(Image.open(path))
    assert results, f"no code found in {path.name}"
    return results[0].text


def test_qr_export_writes_decodable_codes(live, tmp_path):
    with live.app.app_context():
        st = factories.station()
        dep = factories.deputy("王建国", stations=[st])
        db.session.commit()
        scenes = {"联络站": st.scene, "代表": dep.scene}
    out = tmp_path / "codes"
    result = live.app.test_cli_runner().invoke(args=["qr", "export", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == 4
    page = live.app.config["WECHAT_ENTRY_PAGE"]
    public = live.app.config["PUBLIC_URL"]
    for kind, scene in scenes.items():
        (wxacode,) = [f for f in files if f.name.startswith(kind) and "小程序码" in f.name]
        (plain,) = [f for f in files if f.name.startswith(kind) and "二维码" in f.name]
        assert scene in wxacode.name
        assert decode(wxacode) == sandbox_code_text(page, scene)
        assert decode(plain) == f"{public}/q/{scene}"


def test_qr_export_reports_a_wechat_failure(live, tmp_path):
    with live.app.app_context():
        factories.station()
        db.session.commit()
    live.sandbox.faults(error_rate=1, errcode=-1, paths=["/wxa/getwxacodeunlimit"])
    result = live.app.test_cli_runner().invoke(args=["qr", "export", str(tmp_path)])
    assert result.exit_code != 0
    assert "微信小程序码生成失败" in result.output
