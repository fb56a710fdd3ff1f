"""The overview's numbers: counted by cohort, in Beijing time, the same way on every backend."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from server.admin import stats
from server.admin.charts import day_bars, nice_max
from server.admin.present import duration_text, mask_name
from server.extensions import db
from server.models import Message
from tests.test_loop import bind_deputy, citizen_with_consent, submit

NOW = datetime(2026, 5, 6, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def row(
    minutes_ago, status="routed", replied_after=None, rating=None, overdue=False, notified=True
):
    created = NOW - timedelta(minutes=minutes_ago)
    return stats.Row(
        id=minutes_ago,
        station_id=1,
        category_id=1,
        deputy_id=1,
        status=status,
        created_at=created,
        routed_at=created if status != "received" else None,
        first_replied_at=created + timedelta(minutes=replied_after) if replied_after else None,
        overdue_at=NOW if overdue else None,
        rating=rating,
        not_notified=not notified,
    )


def test_a_cohort_is_summarized(ctx):
    ctx.config["OVERDUE_AFTER_HOURS"] = 72
    rows = [
        row(10, "received"),
        row(60, "replied", replied_after=30),
        row(120, "closed", replied_after=90, rating="satisfied"),
        row(180, "closed", replied_after=60, rating="basically_satisfied", notified=False),
        row(240, "reopened", replied_after=120, rating="unsatisfied"),
        row(73 * 60, "routed"),  # older than 72 h and not answered: overdue
        row(300, "rejected", overdue=True),  # refused items are never overdue
    ]
    summary = stats.summarize(rows, NOW)
    assert {k: summary[k] for k in ("received", "routed", "replied", "closed", "open")} == {
        "received": 7,
        "routed": 6,
        "replied": 4,
        "closed": 2,
        "open": 3,
    }
    assert summary["overdue"] == 1 and summary["not_notified"] == 1
    assert summary["median_response"] == 75 * 60  # median of 30, 60, 90, 120 minutes
    assert summary["ratings"] == {"satisfied": 1, "basically_satisfied": 1, "unsatisfied": 1}
    assert summary["satisfied_pct"] == 67
    empty = stats.summarize([], NOW)
    assert empty["median_response"] is None and empty["satisfied_pct"] is None


def test_periods_and_days_are_in_beijing_time():
    # 2026-05-06 is a Wednesday; at 01:00 on the 6th in Beijing it is still the 5th in UTC.
    assert stats.period_starts(date(2026, 5, 6)) == {
        "today": date(2026, 5, 6),
        "week": date(2026, 5, 4),
        "month": date(2026, 5, 1),
    }
    late = stats.Row(1, 1, 1, None, "received", datetime(2026, 5, 5, 17, 30, tzinfo=UTC),
                     None, None, None, None, False)  # fmt: skip
    series = stats.per_day([late], date(2026, 5, 6))
    assert len(series) == stats.CHART_DAYS and series[-1] == (date(2026, 5, 6), 1)


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
    return re.search(rf'data-metric="{name}"[^>]*>(.*?)</td>', block, re.S).group(1)


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
