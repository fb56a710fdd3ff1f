"""The overview's numbers: counted by cohort, in Beijing time, the same way on every backend."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import g
from sqlalchemy import case, exists, func

from server import tasks
from server.admin import stats
from server.admin.charts import day_bars, nice_max
from server.admin.filters import local_day_start, overdue_clause
from server.admin.present import NOT_NOTIFIED, OPEN_STATUSES, duration_text, mask_name
from server.models import (
    RATING_LABELS,
    Category,
    Citizen,
    Deputy,
    Message,
    Notification,
    StaffUser,
    Station,
)
from server.platform.clock import local_today
from server.platform.db import db
from tests.support.helpers import bind_deputy, citizen_with_consent, submit

NOW = datetime(2026, 5, 6, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


class Cohort:
    """Items written straight into the database, as the loop would have left them."""

    def __init__(self):
        self.category = db.session.scalar(db.select(Category).limit(1))
        self.stations = [Station(name="金竹"), Station(name="城东"), Station(name="无事")]
        self.deputies = [Deputy(name="王建国", level="县"), Deputy(name="赵丽华", level="县")]
        self.citizen = Citizen(openid="o-cohort")
        db.session.add_all([*self.stations, *self.deputies, self.citizen])
        db.session.flush()
        g.staff = StaffUser(username="cohort-admin", role="admin", password_hash="-")
        self.count = 0

    def add(self, minutes_ago, status="routed", replied_after=None, rating=None, overdue=False,
            notified=True, station=0, deputy=0, solved=None):  # fmt: skip
        self.count += 1
        created = NOW - timedelta(minutes=minutes_ago)
        message = Message(
            tracking_no=f"T{self.count:05d}",
            channel="station_code",
            station_id=self.stations[station].id if station is not None else None,
            category_id=self.category.id,
            citizen_id=self.citizen.id,
            content="路灯不亮",
            status=status,
            created_at=created,
            routed_at=created if status != "received" else None,
            first_replied_at=created + timedelta(minutes=replied_after) if replied_after else None,
            overdue_at=NOW if overdue else None,
            # as the sweep stamps it: the deputy's answer is due 72 hours after routing
            stage_started_at=created if status in ("routed", "reopened") else None,
            due_at=created + timedelta(hours=72) if status in ("routed", "reopened") else None,
            rating=rating,
            revisit_solved=solved,  # the 回访's answer, on a closed item
            # as routing and the reject action leave it: nobody's for unrouted or refused items
            assigned_deputy_id=(
                None if status in ("received", "rejected") else self.deputies[deputy].id
            ),
        )
        db.session.add(message)
        db.session.flush()
        if not notified:
            db.session.add(
                Notification(
                    dedupe_key=f"assign-{message.id}",
                    kind="new_item",
                    message_id=message.id,
                    template_id="t",
                    data={},
                    status="failed",
                )
            )
        return message


def direct_flow(since: datetime) -> dict:
    """The flow figures counted from the items themselves, as the overview did before its
    summary rows: the reference the summary rows must agree with."""
    not_notified = exists().where(
        Notification.message_id == Message.id, Notification.status.in_(NOT_NOTIFIED)
    )
    columns = [
        func.count(),
        func.count(Message.routed_at),
        func.count(Message.first_replied_at),
        func.sum(case((Message.status == "closed", 1), else_=0)),
        func.sum(case((not_notified, 1), else_=0)),
        func.sum(case((Message.revisit_solved.is_(True), 1), else_=0)),
        func.sum(case((Message.revisit_solved.is_(False), 1), else_=0)),
        *(func.sum(case((Message.rating == r, 1), else_=0)) for r in RATING_LABELS),
    ]
    row = db.session.execute(db.select(*columns).where(Message.created_at >= since)).one()
    return dict(zip(stats.FLOW, (int(v or 0) for v in row), strict=True))


def direct_backlog(now: datetime) -> dict:
    columns = [
        func.count(),
        func.sum(case((overdue_clause(now), 1), else_=0)),
        func.sum(case((Message.status == "unassigned", 1), else_=0)),
    ]
    query = db.select(*columns).where(Message.status.in_(OPEN_STATUSES))
    return dict(
        zip(stats.BACKLOG, (int(v or 0) for v in db.session.execute(query).one()), strict=False)
    )


def test_a_cohort_is_summarized(ctx):
    ctx.config["DEPUTY_ANSWER_HOURS"] = 72
    items = Cohort()
    items.add(10, "received")
    items.add(60, "replied", replied_after=30)
    items.add(120, "closed", replied_after=90, rating="satisfied", deputy=1, solved=True)
    items.add(180, "closed", replied_after=60, rating="basically_satisfied", notified=False,
              solved=False)  # fmt: skip
    items.add(240, "reopened", replied_after=120, rating="unsatisfied", station=1)
    items.add(73 * 60, "routed", station=1)  # older than 72 h and not answered: overdue
    items.add(300, "rejected", overdue=True, station=None)  # refused items are never overdue
    old = items.add(40 * 24 * 60, "routed")  # received before the period: no flow figure
    db.session.commit()
    first = local_today(NOW).replace(day=1)  # the month's summary rows
    since = local_day_start(first)
    flow = stats.month_flow(first)
    flow.total["not_notified"] = stats.not_notified({"month": since})["month"]
    summary = stats._summary(flow.total, stats.median_responses(since).get(None))
    # The summary rows say what counting the items themselves says.
    assert summary == stats._summary(direct_flow(since), summary["median_response"])
    days = stats.daily_totals(first)
    assert stats.period_counts(days, first) == {k: flow.total[k] for k in stats.DAILY}
    assert {k: summary[k] for k in ("received", "routed", "replied", "closed")} == {
        "received": 7,
        "routed": 6,
        "replied": 4,
        "closed": 2,
    }
    assert summary["not_notified"] == 1
    assert (summary["solved"], summary["not_solved"]) == (1, 1)  # from the summary rows
    assert summary["median_response"] == 75 * 60  # median of 30, 60, 90, 120 minutes
    assert summary["ratings"] == {"satisfied": 1, "basically_satisfied": 1, "unsatisfied": 1}
    assert summary["satisfied_pct"] == 67
    tomorrow = local_today(NOW) + timedelta(days=1)
    empty = stats._summary(stats.period_counts(stats.daily_totals(tomorrow), tomorrow))
    assert empty == stats.empty_summary()
    assert empty["received"] == 0 and empty["median_response"] is None
    assert empty["satisfied_pct"] is None

    # The backlog is as of now, whatever month an item arrived in: the 40-day-old routed item
    # is waiting and overdue (it used to count for nothing, being outside the month).
    waiting = stats.backlog(NOW)
    assert waiting.total == {"open": 4, "overdue": 2, "unassigned": 0}
    assert waiting.total == direct_backlog(NOW)
    assert waiting.row("deputies", old.assigned_deputy_id)["overdue"] == 2

    # Per station: the most overdue now leads, the quiet one still shows, and the items
    # without a station appear on their own row for an administrator.
    rows, total = stats.per_station(flow, waiting)
    assert total == 3
    assert [(s.name if s else None, v["received"], v["open"], v["overdue"]) for s, v in rows] == [
        ("金竹", 4, 2, 1),
        ("城东", 2, 2, 1),
        ("无事", 0, 0, 0),
        (None, 1, 0, 0),
    ]
    # Per deputy: medians only from that deputy's answers; rejected items count for nobody.
    deputies, total = stats.per_deputy(flow, waiting, since)
    assert total == 2
    # The database ranks the same deputies in the same order (the overview's way).
    assert stats.ranked_deputies(first, NOW) == ([d.id for d, _ in deputies], 2)
    assert [(d.name, v["received"], v["open"], v["median_response"]) for d, v in deputies] == [
        ("王建国", 4, 3, 60 * 60),  # median of 30, 60 and 120 minutes
        ("赵丽华", 1, 0, 90 * 60),
    ]


def test_tables_stop_at_the_rows_that_matter(ctx, monkeypatch):
    items = Cohort()
    for i in range(5):
        station = Station(name=f"站{i}")
        db.session.add(station)
        db.session.flush()
        items.stations.append(station)
    for index in range(3, 8):
        for _ in range(index - 2):  # 站0 gets one item, 站4 five
            items.add(30, "routed", station=index)
    db.session.commit()
    monkeypatch.setattr(stats, "TABLE_ROWS", 3)
    ids, deputy_total = stats.ranked_deputies(local_today(NOW).replace(day=1), NOW)
    assert (ids, deputy_total) == ([items.deputies[0].id], 1)  # every item is the one deputy's
    rows, total = stats.per_station(
        stats.month_flow(local_today(NOW).replace(day=1)), stats.backlog(NOW)
    )
    assert total == 8 and [s.name for s, _ in rows] == ["站4", "站3", "站2"]


def test_periods_and_days_are_in_beijing_time(ctx):
    # 2026-05-06 is a Wednesday; at 01:00 on the 6th in Beijing it is still the 5th in UTC.
    assert stats.period_starts(date(2026, 5, 6)) == {
        "today": date(2026, 5, 6),
        "week": date(2026, 5, 4),
        "month": date(2026, 5, 1),
    }
    items = Cohort()
    late = items.add(0, "received")
    late.created_at = datetime(2026, 5, 5, 17, 30, tzinfo=UTC)  # 01:30 on the 6th in Beijing
    early = items.add(0, "received")
    early.created_at = datetime(2026, 5, 5, 15, 59, tzinfo=UTC)  # 23:59 on the 5th
    db.session.commit()
    series = stats.per_day(date(2026, 5, 6), stats.daily_totals(date(2026, 4, 1)))
    assert len(series) == stats.CHART_DAYS
    assert series[-2:] == [(date(2026, 5, 5), 1), (date(2026, 5, 6), 1)]


def test_the_chart_and_the_words():
    chart = day_bars([(date(2026, 5, d), v) for d, v in ((4, 0), (5, 3), (6, 7))])
    assert chart["top"] == 10 and chart["total"] == 10
    heights = [b.height for b in chart["bars"]]
    assert heights[0] == 0 and heights[2] > heights[1] > 0
    assert [b.tick for b in chart["bars"]][-1] == "5/6"
    assert nice_max(0) == 5 and nice_max(11) == 20 and nice_max(12_345) == 12_345
    assert duration_text(90 * 60) == "1小时30分" and duration_text(26 * 3600) == "1天2小时"
    assert duration_text(30) == "不到1分钟" and duration_text(None) == ""
    assert mask_name("张大爷") == "张**" and mask_name("李") == "李*" and mask_name("") == ""


def metric(html: str, period: str, name: str) -> str:
    block = re.search(rf'data-period="{period}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(rf'data-metric="{name}"[^>]*>(.*?)</td>', block, re.S).group(1)
    return re.sub(r"<[^>]+>", "", cell)


def backlog_figure(html: str, name: str) -> tuple[str, str]:
    """(the number, where it links) of one of the overview's 当前待办 figures."""
    found = re.search(
        rf'href="([^"]+)"[^>]*data-metric="{name}"|data-metric="{name}" href="([^"]+)"', html
    )
    link = (found.group(1) or found.group(2)).replace("&amp;", "&")
    number = re.search(rf'data-metric="{name}"[^>]*><strong>(\d+)</strong>', html).group(1)
    return number, link


def test_the_overview_counts_what_happened_today(live, signed_in, world):
    _, wang_token = bind_deputy(live, world, "王建国")
    _, token = citizen_with_consent(live)
    first = submit(live, token, world["scenes"]["金竹"])
    submit(live, token, world["scenes"]["城东"], content="城东菜市场噪音")  # 赵丽华 not bound
    live.work()
    live.api("POST", f"/deputy/messages/{first['id']}/replies", wang_token, json={"content": "好"})
    live.api("POST", f"/messages/{first['id']}/rating", token, json={"score": "satisfied"})
    live.work()
    admin = signed_in()
    html = admin.get("/admin/").get_data(as_text=True)
    assert metric(html, "today", "received") == "2"
    assert metric(html, "today", "routed") == "2"
    assert metric(html, "today", "replied") == "1"
    assert metric(html, "today", "closed") == "1"
    assert metric(html, "today", "not_notified") == "2"  # 赵丽华 unbound; the reply unsubscribed
    assert "100%" in html and "满意 1" in html

    # The live endpoint answers "nothing new" until something happens.
    first_poll = admin.get("/admin/overview/live.json").get_json()
    again = admin.get(f"/admin/overview/live.json?stamp={first_poll['stamp']}").get_json()
    assert again == {"changed": False, "stamp": first_poll["stamp"]}
    third = submit(live, token, world["scenes"]["金竹"], content="第三件事")
    news = admin.get(f"/admin/overview/live.json?stamp={first_poll['stamp']}").get_json()
    assert news["changed"] and third["tracking_no"] in news["html"]
    assert metric(news["html"], "today", "received") == "3"
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 3


def test_old_overdue_items_count_as_of_now(live, signed_in, world):
    """An item received last month and still unanswered is overdue today: the overview says
    so (it said 0: counts went by arrival month) and its number leads to the same items."""
    _, wang_token = bind_deputy(live, world, "王建国")
    _, token = citizen_with_consent(live)
    old = submit(live, token, world["scenes"]["金竹"], content="上个月反映的井盖松动")
    fresh = submit(live, token, world["scenes"]["金竹"], content="今天的路灯")
    answered = submit(live, token, world["scenes"]["金竹"], content="上个月的已答复")
    live.work()
    live.api(
        "POST", f"/deputy/messages/{answered['id']}/replies", wang_token, json={"content": "好"}
    )
    with live.app.app_context():
        for item in (old, answered):
            message = db.session.get(Message, item["id"])
            message.created_at -= timedelta(days=40)
            message.stage_started_at -= timedelta(days=40)
        db.session.commit()
        tasks.sweep()  # stamps the deadlines (the old one's passed 39 days ago)
    admin = signed_in()
    html = admin.get("/admin/").get_data(as_text=True)
    assert backlog_figure(html, "open")[0] == "2"  # the old one and today's
    number, link = backlog_figure(html, "overdue")
    assert number == "1"
    assert metric(html, "month", "received") == "1"  # flow figures still go by arrival
    listed = admin.get(link).get_data(as_text=True)
    assert old["tracking_no"] in listed and fresh["tracking_no"] not in listed
    assert "逾期" in listed
    number, link = backlog_figure(html, "open")
    listed = admin.get(link).get_data(as_text=True)
    assert old["tracking_no"] in listed and fresh["tracking_no"] in listed
    assert answered["tracking_no"] not in listed
    # The deputy table counts the old item as waiting and overdue for 王建国 now.
    row = re.search(r">王建国</a></td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[1:3] == ["2", "1"]


def test_the_periods_medians_in_one_read_equal_each_periods_own(ctx):
    items = Cohort()
    items.add(30, "replied", replied_after=10)  # today
    items.add(2 * 24 * 60, "replied", replied_after=100)  # this week, not today
    items.add(4 * 24 * 60, "closed", replied_after=1000, rating="satisfied")  # the month
    items.add(5 * 24 * 60, "routed")  # no answer: in no median
    db.session.commit()
    days = stats.period_starts(local_today(NOW))
    starts = {name: local_day_start(day) for name, day in days.items()}
    together = stats.period_medians(starts)
    assert together == {name: stats.median_responses(at).get(None) for name, at in starts.items()}
    assert together["today"] == 10 * 60
    assert together["month"] == 100 * 60
    tomorrow = local_day_start(local_today(NOW) + timedelta(days=1))
    assert stats.period_medians({"today": tomorrow}) == {"today": None}
