"""The worlds tests play in, as fixtures (tests/conftest.py registers this module)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.platform import clock
from server.platform.clock import local_today
from server.platform.db import db
from server.units.keys import issue_key
from tests import factories
from tests.factories import make_staff
from tests.support.helpers import Staff


@pytest.fixture
def world(live):
    """金竹 station: 王建国 (城建环保) on duty today, 李秀兰 (教科文卫) and 陈志强 resident."""
    with live.app.app_context():
        st = factories.station()
        wang = factories.deputy("王建国", expertise=["城建环保"], stations=[st])
        li = factories.deputy("李秀兰", level="市", expertise=["教科文卫"], stations=[st])
        chen = factories.deputy("陈志强", level="乡", expertise=["社会治理"], stations=[st])
        factories.shift(st, wang, "weekly", [local_today().isoweekday()])
        invites = {d.name: factories.invite(d).code for d in (wang, li, chen)}
        db.session.commit()
        info = {
            "scene": st.scene,
            "station_id": st.id,
            "ids": {"王建国": wang.id, "李秀兰": li.id, "陈志强": chen.id},
            "scenes": {"王建国": wang.scene, "李秀兰": li.scene, "陈志强": chen.scene},
            "invites": invites,
        }
        db.session.remove()
    return info


@pytest.fixture
def stations(live):
    """Two stations (王建国 on duty today at 金竹; 赵丽华 at 城东), a clerk each, and the three
    separated administrators: `admin` (系统), `security` (安全), `auditor` (审计)."""
    with live.app.app_context():
        jinzhu = factories.station("金竹社区人大代表联络站", reception_note="每月逢六上午接待")
        chengdong = factories.station("城东街道代表之家", address="城东街道办事处一楼")
        wang = factories.deputy("王建国", expertise=["城建环保"], stations=[jinzhu])
        li = factories.deputy("李秀兰", level="市", expertise=["教科文卫"], stations=[jinzhu])
        chen = factories.deputy("陈志强", level="乡", expertise=["社会治理"], stations=[jinzhu])
        zhao = factories.deputy("赵丽华", expertise=["经济"], stations=[chengdong])
        factories.shift(jinzhu, wang, "weekly", [local_today().isoweekday()])
        factories.shift(chengdong, zhao, "weekly", [local_today().isoweekday()])
        invites = {d.name: factories.invite(d).code for d in (wang, li, chen, zhao)}
        make_staff("admin", "admin", name="系统管理员")
        make_staff("jinzhu", stations=[jinzhu], name="金竹联络员")
        make_staff("chengdong", stations=[chengdong], name="城东联络员")
        make_staff("security", "security_admin", name="安全管理员")
        make_staff("auditor", "audit_admin", name="审计管理员")
        db.session.commit()
        info = {
            "stations": {"金竹": jinzhu.id, "城东": chengdong.id},
            "scenes": {"金竹": jinzhu.scene, "城东": chengdong.scene},
            "ids": {d.name: d.id for d in (wang, li, chen, zhao)},
            "invites": invites,
        }
        db.session.remove()
    return info


@pytest.fixture
def signed_in(live, stations):
    """A dashboard client signed in as one of the `stations` world's accounts."""
    return lambda username="admin": Staff(live.app, username)


@pytest.fixture
def units(live, world):
    """On top of `world`: two handling units (城管局 answers in 7 working days, 住建局 in 10),
    each with an integration key."""
    with live.app.app_context():
        chengguan = factories.unit(
            "区城市管理局", contact_person="刘科长", contact_phone="0851-1234567"
        )
        zhujian = factories.unit("区住房和城乡建设局", answer_days=10)
        keys = {u.name: issue_key(u, "测试系统")[1] for u in (chengguan, zhujian)}
        db.session.commit()
        info = {
            "ids": {"城管局": chengguan.id, "住建局": zhujian.id},
            "keys": {"城管局": keys[chengguan.name], "住建局": keys[zhujian.name]},
        }
        db.session.remove()
    return info


@pytest.fixture
def wechat_down(live):
    live.sandbox.faults(error_rate=1, errcode=-1, paths=["/wxa/msg_sec_check"])


class MovableClock:
    """The app's clock (server/platform/clock.py: utcnow), moved forward by a test."""

    def move(self, **delta) -> None:
        clock.move_clock(timedelta(**delta))

    def now(self):
        return clock.utcnow()


@pytest.fixture
def movable_clock():
    """Move "now" for the app (sweeps, deadlines, the API's colours); reset afterwards."""
    yield MovableClock()
    clock.reset_clock()
