"""Codes to scan: `flask qr export` writes a mini-program code and a plain QR per station and
deputy, each decoding to the right scene."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from server.platform.clock import local_today
from server.platform.db import db
from server.routing import workdays
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


def test_seed_demo_is_repeatable(live, tmp_path):
    out = tmp_path / "demo.json"
    runner = live.app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--out", str(out)])
    assert first.exit_code == 0, first.output
    demo = json.loads(out.read_text())
    assert demo["stations"][0]["name"] == "金竹社区人大代表联络站"
    assert len(demo["deputies"]) == 4 and demo["admin"]["password"]
    second = runner.invoke(args=["seed-demo", "--out", str(out)])
    assert second.exit_code == 0, second.output
    again = json.loads(out.read_text())
    assert again["stations"] == demo["stations"]
    assert again["admin"]["password"] == demo["admin"]["password"]
    assert again["deputies"][0]["invite_code"] != demo["deputies"][0]["invite_code"]
    scan = live.api("GET", f"/scan/{demo['stations'][0]['scene']}").json()
    with live.app.app_context():
        holiday = workdays.current().is_holiday(local_today())
    # The demo always has someone on duty today, unless today is a holiday (seeded with it).
    if holiday:
        assert scan["on_duty"] == []
    else:
        assert len(scan["on_duty"]) >= 1
    assert live.api("GET", "/calendar?year=2026").json()["known"] is True


def test_migrations_match_the_models(app):
    """`flask db migrate` would find nothing to do: the schema in migrations/ is the models'."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_postgresql_connections_run_without_jit(app):
    """PostgreSQL's JIT spent a second compiling the overview's month to save milliseconds
    (docs/benchmarks.md); the app's connections turn it off."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        assert db.session.execute(db.text("SHOW jit")).scalar() == "off"
