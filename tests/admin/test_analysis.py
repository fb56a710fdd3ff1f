"""季度分析 (issue 17, items 3 and 5): the quarter's figures from the summary rows, within the
viewer's stations; topics and clusters from the background job; the 民生实事 candidates; the
export and the printable page; the fair responsiveness tables."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, update

from server.insight.periods import Quarter
from server.models import (
    Category,
    ChannelCount,
    Citizen,
    Cluster,
    ClusterItem,
    ClusterRun,
    DailyCount,
    Deputy,
    Message,
    Suggestion,
    tally,
)
from server.platform.clock import local_today
from server.platform.db import db
from tests.support.helpers import submit

STATIC = Path(__file__).resolve().parents[2] / "server" / "static"
LIGHTS = [
    "幸福小区门口的路灯坏了好几天，晚上特别黑，希望尽快修理",
    "幸福小区大门口路灯不亮了，一到晚上黑漆漆的，请派人来修",
]
OTHER = "菜市场旁边乱停车严重，电动车把人行道都占满了"
TOTAL = re.compile(r'id="analysis-total".*?<th scope="row">本季度</th><td>(\d+)</td>', re.S)


def _text(answer) -> str:
    return answer.get_data(as_text=True)


@pytest.fixture
def quarter_items(live, world):
    """Two near-identical items at 金竹, an unrelated one there, one at 城东."""
    _, token = live.citizen("张大爷")
    made = [submit(live, token, world["scenes"]["金竹"], content=text) for text in LIGHTS]
    made.append(submit(live, token, world["scenes"]["金竹"], content=OTHER))
    made.append(submit(live, token, world["scenes"]["城东"], content="城东：夜间施工噪音很大"))
    live.work()
    return made


def test_the_page_is_in_the_menu_and_counts_the_quarter(signed_in, quarter_items):
    admin = signed_in("admin")
    overview = _text(admin.get("/admin/"))
    assert 'href="/admin/analysis"' in overview and "季度分析" in overview
    page = admin.get("/admin/analysis")
    assert page.status_code == 200
    html = _text(page)
    total = re.search(
        r'id="analysis-total".*?<th scope="row">本季度</th><td>(\d+)</td>', html, re.S
    )
    assert total.group(1) == "4"
    assert "金竹社区人大代表联络站" in html and "城东街道代表之家" in html
    assert 'data-channel="station_code"' in html
    # the charts: the vendored ECharts and our script, nothing from outside
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert "/static/admin/analysis.js" in html
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)
    assert "data-charts='" in html


def test_the_figures_come_from_the_summary_rows_not_the_items(live, signed_in, quarter_items):
    """Nudge the summary rows and the page follows: it never counts the items table."""
    with live.app.app_context():
        db.session.execute(
            update(DailyCount)
            .values(received=DailyCount.received + 100)
            .where(DailyCount.day == local_today())
        )
        db.session.commit()
    html = _text(signed_in("admin").get("/admin/analysis"))
    total = re.search(
        r'id="analysis-total".*?<th scope="row">本季度</th><td>(\d+)</td>', html, re.S
    )
    assert int(total.group(1)) > 100
    with live.app.app_context():  # put them back as the items say
        tally.rebuild(db.session.connection())
        db.session.commit()


def test_channel_rows_are_kept_at_insert_and_rebuilt_the_same(live, quarter_items):
    with live.app.app_context():
        kept = sorted(tuple(r) for r in db.session.execute(
            select(ChannelCount.day, ChannelCount.station_id, ChannelCount.channel,
                   ChannelCount.received)))  # fmt: skip
        assert sum(r[3] for r in kept) == 4
        tally.rebuild_channels(db.session.connection())
        rebuilt = sorted(tuple(r) for r in db.session.execute(
            select(ChannelCount.day, ChannelCount.station_id, ChannelCount.channel,
                   ChannelCount.received)))  # fmt: skip
        db.session.commit()
    assert kept == rebuilt


def test_station_staff_see_only_their_stations(signed_in, world, quarter_items):
    clerk = signed_in("jinzhu")
    html = _text(clerk.get("/admin/analysis"))
    assert "城东街道代表之家" not in html
    total = re.search(
        r'id="analysis-total".*?<th scope="row">本季度</th><td>(\d+)</td>', html, re.S
    )
    assert total.group(1) == "3"
    other = world["stations"]["城东"]
    for path in (
        f"/admin/analysis?station={other}",
        f"/admin/analysis.xlsx?station={other}",
        f"/admin/analysis/print?station={other}",
        f"/admin/analysis/responsiveness?station={other}",
    ):
        assert clerk.get(path).status_code == 404, path


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("quarter=2026Q5", "季度格式"),
        ("quarter=abc", "季度格式"),
        ("quarter=2026Q1&station=x", "联络站参数无效"),
    ],
)
def test_bad_filters_answer_400_in_chinese(signed_in, world, query, words):
    admin = signed_in("admin")
    for path in ("/admin/analysis", "/admin/analysis.xlsx", "/admin/analysis/print",
                 "/admin/analysis/responsiveness"):  # fmt: skip
        answer = admin.get(f"{path}?{query}")
        assert answer.status_code == 400, path
        assert words in _text(answer)


def test_an_empty_quarter_renders(signed_in, world):
    html = _text(signed_in("admin").get("/admin/analysis?quarter=2020Q1"))
    assert "本季度没有事项" in html and "还没有运行聚类分析" in html


def test_the_export_has_the_same_numbers(signed_in, quarter_items):
    answer = signed_in("admin").get("/admin/analysis.xlsx")
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames[:5] == ["汇总", "按月", "按类别", "按联络站", "按渠道"]
    summary = book["汇总"]
    assert summary.cell(3, 1).value == "本季度" and summary.cell(3, 2).value == 4
    stations = {r[0]: r[1] for r in book["按联络站"].iter_rows(min_row=3, values_only=True)}
    assert stations == {"金竹社区人大代表联络站": 3, "城东街道代表之家": 1}


def test_the_printable_page_stands_alone(signed_in, quarter_items):
    html = _text(signed_in("admin").get("/admin/analysis/print"))
    assert "<nav>" not in html and "季度分析" in html and 'data-print="1"' in html


def test_echarts_is_vendored_with_its_licence():
    vendor = STATIC / "vendor" / "echarts"
    assert (vendor / "echarts.min.js").stat().st_size > 500_000
    assert "Apache License" in (vendor / "LICENSE").read_text()


def test_the_job_finds_topics_and_clusters_and_a_cluster_becomes_a_candidate(
    live, signed_in, world, quarter_items
):
    admin = signed_in("admin")
    quarter = Quarter.of(local_today()).key
    answer = admin.post("/admin/analysis/run", {"quarter": quarter})
    assert answer.status_code == 302
    # a second click while it is queued starts nothing new
    admin.post("/admin/analysis/run", {"quarter": quarter})
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClusterRun)) == 1
    html = _text(admin.get("/admin/analysis"))
    assert "正在后台进行" in html
    live.work()
    with live.app.app_context():
        run = db.session.scalar(select(ClusterRun))
        assert run.status == "done" and run.items == 4 and run.clusters == 1
        assert run.seconds is not None
        (cluster,) = db.session.scalars(select(Cluster))
        linked = set(db.session.scalars(select(ClusterItem.message_id)))
        cluster_id = cluster.id
    assert linked == {quarter_items[0]["id"], quarter_items[1]["id"]}
    html = _text(admin.get("/admin/analysis"))
    assert "路灯" in html and f"/admin/analysis/clusters/{cluster_id}" in html
    page = _text(admin.get(f"/admin/analysis/clusters/{cluster_id}"))
    assert quarter_items[0]["tracking_no"] in page and quarter_items[1]["tracking_no"] in page
    assert quarter_items[2]["tracking_no"] not in page
    assert "生成代表建议草稿" in page and "待接入" not in page
    assert "王建国（办理其中 2 件）" in page  # who may lead it: the deputy holding its items

    year = int(quarter[:4])
    assert (
        admin.post(f"/admin/analysis/clusters/{cluster_id}/candidate", {"year": "20x6"}).status_code
        == 400
    )
    answer = admin.post(f"/admin/analysis/clusters/{cluster_id}/candidate", {"year": str(year)})
    assert answer.status_code == 302
    listing = _text(admin.get(f"/admin/analysis/candidates?year={year}"))
    assert f"/admin/analysis/clusters/{cluster_id}" in listing
    assert "还没有列入的候选" in _text(admin.get(f"/admin/analysis/candidates?year={year - 1}"))
    assert admin.get("/admin/analysis/candidates?year=abc").status_code == 400
    # one click: a draft 代表建议 of the deputy holding the items, the items linked
    zhao = world["ids"]["赵丽华"]
    for bad in (str(zhao), "abc", "999999"):  # not one of the cluster's deputies
        refused = admin.post(f"/admin/analysis/clusters/{cluster_id}/draft", {"deputy_id": bad})
        assert refused.status_code == 422, bad
        assert "领衔代表应为办理这些反映的代表之一" in _text(refused) and "没有生成草稿" in _text(
            refused
        )
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 0
    draft = admin.post(
        f"/admin/analysis/clusters/{cluster_id}/draft", {"deputy_id": str(world["ids"]["王建国"])}
    )
    assert draft.status_code == 302
    with live.app.app_context():
        (row,) = db.session.scalars(select(Suggestion))
        assert draft.headers["Location"].endswith(f"/admin/suggestions/{row.id}")
        assert row.status == "draft" and row.created_by == "staff"
        assert row.lead_deputy_id == world["ids"]["王建国"]
        assert sorted(row.message_ids) == sorted([quarter_items[0]["id"], quarter_items[1]["id"]])
        title = db.session.get(Cluster, cluster_id).title
        assert row.title == f"关于金竹社区人大代表联络站{title}问题的建议"
        assert "共 2 件群众反映" in row.content
        sid = row.id
    shown = _text(admin.get(f"/admin/suggestions/{sid}"))
    assert "草稿" in shown and quarter_items[0]["tracking_no"] in shown
    # without a choice, the deputy holding most of the items leads; 城东's clerk sees nothing
    assert admin.post(f"/admin/analysis/clusters/{cluster_id}/draft").status_code == 302
    assert (
        signed_in("chengdong").post(f"/admin/analysis/clusters/{cluster_id}/draft").status_code
        == 404
    )
    with live.app.app_context():
        leads = db.session.scalars(select(Suggestion.lead_deputy_id)).all()
        assert leads == [world["ids"]["王建国"]] * 2
        # nobody active holds the items: no lead deputy, a clear 409, nothing written
        db.session.get(Deputy, world["ids"]["王建国"]).active = False
        db.session.commit()
    refused = admin.post(f"/admin/analysis/clusters/{cluster_id}/draft")
    assert refused.status_code == 409 and "没有交办给代表" in _text(refused)
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 2
        db.session.get(Deputy, world["ids"]["王建国"]).active = True
        db.session.commit()

    # a re-run keeps the candidate cluster and its items
    admin.post("/admin/analysis/run", {"quarter": quarter})
    live.work()
    with live.app.app_context():
        assert db.session.get(Cluster, cluster_id).candidate_year == year
        assert db.session.scalar(select(func.count()).select_from(ClusterRun)) == 2


def test_clusters_are_scoped_and_read_only_roles_start_nothing(
    live, signed_in, world, quarter_items
):
    admin = signed_in("admin")
    admin.post("/admin/analysis/run", {"quarter": Quarter.of(local_today()).key})
    live.work()
    with live.app.app_context():
        cluster_id = db.session.scalar(select(Cluster.id))
    assert signed_in("chengdong").get(f"/admin/analysis/clusters/{cluster_id}").status_code == 404
    assert (
        signed_in("chengdong")
        .post(f"/admin/analysis/clusters/{cluster_id}/candidate", {"year": "2026"})
        .status_code
        == 404
    )
    assert signed_in("jinzhu").get(f"/admin/analysis/clusters/{cluster_id}").status_code == 200
    # a clerk of one station sees that station's words; 城东's clerk sees none of 金竹's
    topics = re.compile(r'id="analysis-topics">(.*?)</section>', re.S)
    assert "路灯" in topics.search(_text(signed_in("jinzhu").get("/admin/analysis"))).group(1)
    assert "路灯" not in topics.search(_text(signed_in("chengdong").get("/admin/analysis"))).group(
        1
    )
    assert admin.post("/admin/analysis/run", {"quarter": "2026Q9"}).status_code == 400
    assert signed_in("auditor").get("/admin/analysis").status_code == 403


# -- the fair responsiveness tables ----------------------------------------------------------------


def _answered_items(deputy_id: int, station_id: int, count: int, hours: float, rating=None):
    category = db.session.scalar(select(Category).limit(1))
    citizen = db.session.scalar(select(Citizen).limit(1)) or Citizen(openid="o-fair")
    db.session.add(citizen)
    db.session.flush()
    # early in this quarter, whenever the test runs
    start = Quarter.of(local_today()).bounds()[0]
    for i in range(count):
        routed = start + timedelta(minutes=10 + i)
        db.session.add(
            Message(
                tracking_no=f"F{deputy_id}{count}{i:04d}",
                channel="station_code",
                station_id=station_id,
                category_id=category.id,
                citizen_id=citizen.id,
                content="路灯不亮",
                status="replied",
                created_at=routed,
                routed_at=routed,
                first_replied_at=routed + timedelta(hours=hours),
                assigned_deputy_id=deputy_id,
                rating=rating,
            )
        )


def test_a_deputy_with_three_items_is_hidden_and_one_with_ten_is_shown(live, signed_in, world):
    with live.app.app_context():
        jinzhu = world["stations"]["金竹"]
        _answered_items(world["ids"]["王建国"], jinzhu, 10, hours=5, rating="satisfied")
        _answered_items(world["ids"]["李秀兰"], jinzhu, 3, hours=1, rating="satisfied")
        db.session.commit()
    html = _text(signed_in("admin").get("/admin/analysis/responsiveness"))
    wang = re.search(r'<tr data-name="王建国">(.*?)</tr>', html, re.S).group(1)
    li = re.search(r'<tr class="hidden-row" data-name="李秀兰">(.*?)</tr>', html, re.S).group(1)
    assert "5.0" in wang and "n=10" in wang and "100%" in wang
    assert "样本不足" in li and "1.0" not in li and "100%" not in li
    assert "不是排名" in html


def test_the_minimum_sample_is_a_setting(live, signed_in, world):
    with live.app.app_context():
        _answered_items(world["ids"]["李秀兰"], world["stations"]["金竹"], 3, hours=1)
        db.session.commit()
    live.app.config["FAIR_MIN_ITEMS"] = 3
    try:
        html = _text(signed_in("admin").get("/admin/analysis/responsiveness"))
    finally:
        live.app.config["FAIR_MIN_ITEMS"] = 10
    assert '<tr data-name="李秀兰">' in html


def test_fair_tables_keep_figures_of_small_samples_out_of_the_data(live, world):
    from server.insight import fairness

    with live.app.app_context():
        _answered_items(
            world["ids"]["李秀兰"], world["stations"]["金竹"], 3, hours=1, rating="satisfied"
        )
        db.session.commit()
        start, end = Quarter.of(local_today()).bounds()
        deputies, stations_, units_ = fairness.tables(start, end, 72, 10)
        (line,) = deputies.lines
        assert (line.items, line.shown, line.median, line.hours) == (3, False, None, [])
        assert line.satisfied.n == 0 and line.on_time.n == 0
        assert db.session.get(Deputy, world["ids"]["李秀兰"]).name == line.name
