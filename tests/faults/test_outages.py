"""Issue 6: dependencies going away mid-stream. After each, every accepted message is in the
database, routed exactly once, and every notice ended sent or failed-with-reason exactly once."""

from __future__ import annotations

import time
from collections import Counter

import psycopg
import pytest

from server import tasks
from server.models import Assignment, Message, Notification
from server.platform.db import db
from tests.support.helpers import assert_error, bind_deputy, submit

pytestmark = pytest.mark.slow


def _drain(live) -> None:
    """What the scheduler and workers do in production: sweep, work, until nothing is left."""
    for _ in range(5):
        with live.app.app_context():
            summary = tasks.sweep()
        live.work()
        if not summary["rerouted"] and not summary["notices_requeued"]:
            return


def _exactly_once(live, accepted: list[dict], deputy_openid: str) -> None:
    ids = {item["id"] for item in accepted}
    with live.app.app_context():
        messages = db.session.scalars(db.select(Message).where(Message.id.in_(ids))).all()
        assert len(messages) == len(ids)  # every accepted message is in the database
        assert {m.status for m in messages} == {"routed"}
        per_message = Counter(
            db.session.scalars(
                db.select(Assignment.message_id).where(Assignment.message_id.in_(ids))
            )
        )
        assert set(per_message) == ids and set(per_message.values()) == {1}
        notices = db.session.scalars(db.select(Notification)).all()
        assert len(notices) == len(ids)
        for notice in notices:
            assert notice.status in ("sent", "failed"), notice.status
            if notice.status == "failed":
                assert notice.errcode is not None or notice.errmsg
    delivered = Counter(
        m["data"]["character_string1"]["value"] for m in live.sandbox.sent(deputy_openid)
    )
    assert not delivered or max(delivered.values()) == 1


def test_redis_stopped_in_the_middle_of_a_burst(live, world, private_redis):
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    citizens = [live.citizen()[1] for _ in range(8)]
    accepted = []
    for i in range(24):
        if i == 8:
            private_redis.stop()  # queue and rate limits gone; intake carries on
        if i == 16:
            private_redis.start()
        answer = live.api(
            "POST",
            "/messages",
            citizens[i % 8],
            json={"scene": world["scene"], "category": "城乡建设", "content": f"第{i}件：路灯不亮"},
            headers={"Idempotency-Key": f"burst-{i:04d}-key"},
        )
        assert answer.status_code == 201, answer.text
        accepted.append(answer.json())
    _drain(live)
    _exactly_once(live, accepted, deputy_openid)
    assert len(live.sandbox.sent(deputy_openid)) == 24


def _block_database(app):
    """What a PostgreSQL restart does to the app: every connection dropped, none accepted."""
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )

    def unblock() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    return unblock


def test_postgresql_restarted(live, world):
    if not live.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: the embedded backend is a file in the app's own process")
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    _, token = live.citizen()
    before = submit(live, token, world["scene"], content="重启前提交的")
    unblock = _block_database(live.app)
    try:
        down = live.api(
            "POST",
            "/messages",
            token,
            json={"scene": world["scene"], "category": "城乡建设", "content": "数据库不在时提交"},
            headers={"Idempotency-Key": "while-db-down-1"},
        )
        error = assert_error(down, 503, "database_unavailable")
        assert "尚未提交" in error["message"]
        assert down.headers.get("Retry-After")
        assert_error(live.api("GET", f"/scan/{world['scene']}"), 503)
    finally:
        unblock()
    # The phone retries with the same key once the database is back: exactly one message.
    again = live.api(
        "POST",
        "/messages",
        token,
        json={"scene": world["scene"], "category": "城乡建设", "content": "数据库不在时提交"},
        headers={"Idempotency-Key": "while-db-down-1"},
    )
    assert again.status_code == 201, again.text
    _drain(live)
    _exactly_once(live, [before, again.json()], deputy_openid)


def test_wechat_slow_five_seconds(live, world):
    """WeChat answers after 5 s, our timeout is 1 s: submissions are accepted (checked by the
    local word list) and each notice is tried once: it may have arrived, so it is never resent."""
    deputy_openid, _ = bind_deputy(live, world, "王建国")
    live.app.config["WECHAT_TIMEOUT"] = 1.0
    for key in [k for k in live.app.extensions if isinstance(k, tuple)]:
        live.app.extensions.pop(key)  # rebuild the WeChat client with the new timeout
    _, token = live.citizen()
    live.sandbox.faults(
        latency_ms=5000, paths=["/wxa/msg_sec_check", "/cgi-bin/message/subscribe/send"]
    )
    started = time.monotonic()
    accepted = [
        submit(live, token, world["scene"], content=f"第{i}件：慢也要收下") for i in range(2)
    ]
    assert time.monotonic() - started < 8  # bounded by our timeout, not by WeChat
    risky = live.api(
        "POST",
        "/messages",
        token,
        json={"scene": world["scene"], "category": "其他", "content": "有人开赌博网站"},
        headers={"Idempotency-Key": "slow-risky-0001"},
    )
    assert_error(risky, 422, "content_risky")  # the local word list still refuses it
    with live.app.app_context():
        assert {m.content_check for m in db.session.scalars(db.select(Message))} == {"unavailable"}
    live.work()
    with live.app.app_context():
        notices = db.session.scalars(db.select(Notification)).all()
        assert [(n.status, n.attempts) for n in notices] == [("failed", 1)] * 2
        assert all("无法确认是否送达" in n.errmsg for n in notices)
    live.sandbox.faults()
    _drain(live)
    time.sleep(5.5)  # the calls WeChat was still working on complete
    _exactly_once(live, accepted, deputy_openid)
    calls = live.sandbox.stats()["calls"]["/cgi-bin/message/subscribe/send"]
    assert calls == 2  # one attempt per notice
