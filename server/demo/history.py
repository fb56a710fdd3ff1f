"""A few weeks of the demo station's past, so the first dashboard has something to show.

Written through the loop's own models (Message, Assignment, Reply, Event, Notification, WalkIn)
with times in the past, the way the loop would have left them: every item routed, answered,
rated, refused or still waiting. Nothing is left for the workers or the sweep to do (no item
still `received`, no notice pending, every waiting item already reminded and marked overdue),
so starting the system or running ./scripts/demo sends nothing on behalf of the past.
Seeded once: a database whose demo stations already hold items gets none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import update

from server.handling import revisits
from server.models import (
    Assignment,
    Category,
    Citizen,
    Deputy,
    Event,
    Message,
    Notification,
    Rating,
    Reply,
    StaffUser,
    Station,
    WalkIn,
)
from server.models.lifecycle import move
from server.platform.clock import LOCAL, local_today
from server.platform.db import db
from server.publish import service
from server.routing import deadlines


@dataclass
class Past:
    """One item of the past. Times are hours after it arrived."""

    days_ago: int
    at: str  # local time of day it arrived, "09:12"
    station: str  # "金竹" | "城东"
    category: str
    content: str
    deputy: str | None = None
    rule: str = "on_duty"
    answers: list = field(default_factory=list)  # (hours, text, by "deputy" | "staff")
    ratings: list = field(default_factory=list)  # (hours, score, comment)
    deputy_notice: str = "sent"  # the new-item notice: sent | no_recipient
    reply_notice: str = "sent"  # the citizen's reply notice: sent | no_consent | failed
    closed_by_staff: float | None = None  # hours
    rejected: tuple | None = None  # (hours, reason)
    walk_in: tuple | None = None  # (visitor name, count, on the spot)
    waiting: bool = False  # still unanswered: reminded and overdue by now
    # 双公开: (mode, summary or None, hours after arrival when approved); proposed and approved
    # through server/publish/service.py, so the public pages show the redacted text.
    publish: tuple | None = None


PAST = [
    Past(
        27,
        "09:12",
        "金竹",
        "城乡建设",
        "金竹西路 32 号门口的路灯坏了一个多月，晚上老人出门很不安全，希望尽快修好。",
        "王建国",
        answers=[(20, "已联系街道城管科，路灯已于本周三修复，请您晚上再看看。", "deputy")],
        ratings=[(30, "satisfied", None)],
    ),
    Past(
        25,
        "14:30",
        "金竹",
        "交通出行",
        "金竹小学门口上下学时段车辆乱停，孩子过马路很危险，建议增设护学岗。",
        "陈志强",
        rule="resident",
        answers=[(30, "已与交警中队和学校沟通，下周一起早晚各安排一名护学岗。", "deputy")],
        ratings=[(52, "basically_satisfied", "希望能长期坚持")],
    ),
    Past(
        22,
        "10:05",
        "金竹",
        "环境保护",
        "小区垃圾分类点夏天气味很大，清运不及时，住在旁边的居民意见很大。",
        "王建国",
        answers=[
            (50, "已请物业每天冲洗垃圾房。", "deputy"),
            (100, "已协调环卫所增加到每天两次清运，并加装了除臭喷淋设备。", "deputy"),
        ],
        ratings=[(70, "unsatisfied", "冲洗了还是很臭"), (120, "satisfied", None)],
    ),
    Past(
        20,
        "16:40",
        "城东",
        "经济发展",
        "城东菜市场周边流动摊贩占道经营，早上电动车都过不去。",
        "赵丽华",
        deputy_notice="no_recipient",
        answers=[(26, "已转城管中队，每天早上 6 点到 9 点安排人员巡查疏导。", "staff")],
        closed_by_staff=98,
    ),
    Past(
        18,
        "09:40",
        "金竹",
        "社会保障",
        "张大爷反映：社区养老服务站下午四点就关门，老人吃完晚饭没地方活动。",
        "李秀兰",
        rule="walk_in",
        walk_in=("张大爷", 2, True),
        answers=[(0.3, "当场说明：服务站下月起延长开放到晚上 7 点，已在公告栏张贴通知。", "staff")],
    ),
    Past(
        16,
        "10:20",
        "金竹",
        "医疗卫生",
        "王阿姨反映：社区卫生服务站经常缺常用的降压药，要跑到区医院去开。",
        "李秀兰",
        rule="scanned_deputy",
        walk_in=("王阿姨", 1, False),
        deputy_notice="no_recipient",
        answers=[(70, "已与社区卫生服务中心沟通，常用降压药已纳入每周补货清单。", "deputy")],
        closed_by_staff=96,
    ),
    Past(
        14,
        "21:03",
        "金竹",
        "其他",
        "加微信领红包，扫码即送现金，名额有限先到先得！",
        "王建国",
        rejected=(2, "广告信息，与代表履职无关"),
    ),
    Past(
        12,
        "08:15",
        "金竹",
        "城乡建设",
        "金竹东路人行道地砖松动，下雨天踩上去溅一身泥水。",
        "王建国",
        answers=[(28, "已报区住建局，地砖本月底前统一更换。", "deputy")],
        reply_notice="no_consent",
        ratings=[(80, "satisfied", None)],
    ),
    Past(
        10,
        "19:22",
        "城东",
        "社会治理",
        "城东小区有人把电动车推进楼道充电，存在很大的火灾隐患。",
        "赵丽华",
        rule="resident",
        deputy_notice="no_recipient",
        answers=[(40, "已请社区和物业开展楼道清查，并在小区新建了集中充电棚。", "deputy")],
        ratings=[(60, "satisfied", "谢谢代表")],
    ),
    Past(
        9,
        "11:48",
        "金竹",
        "教育",
        "希望学校在晚上和周末开放操场，给附近居民锻炼用。",
        "李秀兰",
        waiting=True,
    ),
    Past(
        7,
        "07:56",
        "金竹",
        "交通出行",
        "金竹路公交站没有候车亭，下雨天只能站在路边淋雨等车。",
        "陈志强",
        answers=[(20, "已向区交通局提出增设候车亭的建议，正在选址。", "deputy")],
        reply_notice="failed",
    ),
    Past(
        6,
        "15:10",
        "金竹",
        "环境保护",
        "金竹河边有人夜里偷倒建筑垃圾，河水都变浑了。",
        "王建国",
        answers=[(60, "已联系城管和生态环境分局，垃圾已清运，河边加装了监控。", "deputy")],
        ratings=[(75, "basically_satisfied", None)],
    ),
    Past(
        5,
        "10:32",
        "城东",
        "城乡建设",
        "城东街道老旧小区加装电梯进展很慢，希望公开每个小区的进度。",
        "赵丽华",
        deputy_notice="no_recipient",
        waiting=True,
    ),
    Past(
        4,
        "20:45",
        "金竹",
        "社会治理",
        "小区广场舞音响声音太大，晚上九点以后还在放，孩子没法写作业。",
        "陈志强",
        answers=[(10, "已请社区与广场舞队协商，晚上 8 点半以后停止使用音响。", "deputy")],
        ratings=[(34, "unsatisfied", "这两天还是很吵")],
    ),
    Past(
        3,
        "14:05",
        "城东",
        "经济发展",
        "刘先生咨询：个体工商户营业执照的办理流程和需要的材料。",
        "赵丽华",
        rule="walk_in",
        walk_in=("刘先生", 1, True),
        answers=[(0.2, "当场讲解了办理流程，留下了政务服务中心窗口电话。", "staff")],
    ),
    Past(
        2,
        "09:30",
        "金竹",
        "医疗卫生",
        "社区卫生站周末不开门，周末孩子发烧只能去大医院排队。",
        "李秀兰",
        answers=[(6, "已协调社区卫生站周六上午开诊，下周起执行。", "deputy")],
        ratings=[(20, "satisfied", None)],
    ),
    # Published history (双公开): the originals hold phone and ID numbers, the public pages not.
    Past(
        20,
        "10:05",
        "金竹",
        "城乡建设",
        "我叫孙桂芳，住金竹西路 46 号 2 栋 3 单元 402 室，楼道灯坏了半年，老人摸黑上下楼。"
        "电话 139 8511 2233，白天都在家。",
        "王建国",
        answers=[(22, "已请物业更换楼道灯，并加装了声控开关，请孙桂芳阿姨留意。", "deputy")],
        ratings=[(40, "satisfied", None)],
        publish=("whole", None, 60),
    ),
    Past(
        16,
        "15:40",
        "城东",
        "社会保障",
        "父亲的高龄补贴三个月没到账，身份证号 520102194801011235，"
        "补贴卡号 6217 0012 3456 7890 123，联系人：郑晓东 18685112233。",
        "赵丽华",
        answers=[
            (30, "已与区民政局核实，系银行卡信息变更未同步，补贴已于本周补发到位。", "deputy")
        ],
        ratings=[(50, "satisfied", "谢谢代表")],
        publish=("whole", None, 80),
    ),
    Past(
        12,
        "19:20",
        "金竹",
        "交通出行",
        "贵A·D12345 这辆车每天晚上停在消防通道上，我是何建平，电话 0851-85123456。",
        "陈志强",
        answers=[
            (18, "已联系交警中队和物业，消防通道已划线并安装地锁，违停车辆已劝离。", "deputy")
        ],
        ratings=[(28, "basically_satisfied", None)],
        publish=("summary", "小区消防通道夜间长期被车辆占用。", 50),
    ),
    Past(
        1,
        "08:40",
        "金竹",
        "城乡建设",
        "金竹西路 18 号门口下水道堵塞，一下雨就积水。",
        "王建国",
        answers=[(3, "已通知市政养护单位，今天下午疏通。", "deputy")],
        ratings=[(8, "satisfied", "效率很高")],
    ),
]
# Arrived a few hours ago (today, unless it is early morning) and answered since.
RECENT = [
    Past(
        0,
        "-4",
        "金竹",
        "交通出行",
        "早高峰金竹路口的左转信号灯时间太短，每次只能过四五辆车。",
        "王建国",
        answers=[(1.5, "已反映给交警大队，会重新测算配时。", "deputy")],
    ),
    Past(
        0,
        "-2",
        "金竹",
        "其他",
        "赵女士咨询：社保卡丢了到哪里补办。",
        None,
        walk_in=("赵女士", 1, True),
        answers=[(0.1, "已告知到区政务服务中心一楼社保窗口补办，带身份证即可。", "staff")],
    ),
]
STATION_NAMES = {"金竹": "金竹社区人大代表联络站", "城东": "城东街道代表之家"}


def rate(message: Message, citizen_id: int, score: str, comment: str | None, at: datetime) -> None:
    """A citizen's rating, as the loop records it (server/handling/ratings.py): a Rating row for
    the latest answer, its copy on the message, the event."""
    judged = db.session.scalar(
        db.select(Reply.id)
        .where(Reply.message_id == message.id, Reply.author_kind != "citizen")
        .order_by(Reply.id.desc())
        .limit(1)
    )
    db.session.add(
        Rating(
            message_id=message.id,
            reply_id=judged,
            score=score,
            comment=comment,
            citizen_id=citizen_id,
            created_at=at,
        )
    )
    message.rating, message.rating_comment, message.rated_at = score, comment, at
    _event(
        message, "rated", at, "citizen", citizen_id, score=score, comment=comment, reply_id=judged
    )


def _event(message: Message, kind: str, at: datetime, actor: str, actor_id=None, **data) -> None:
    db.session.add(
        Event(
            message_id=message.id,
            kind=kind,
            actor=actor,
            actor_id=actor_id,
            data=data,
            created_at=at,
        )
    )


class _Writer:
    def __init__(self, now: datetime, staff: StaffUser, rng: random.Random):
        self.now = now
        self.staff = staff
        self.rng = rng
        self.templates = current_app.config["WECHAT_TEMPLATES"]
        self.stations = {
            key: db.session.scalar(db.select(Station).where(Station.name == name))
            for key, name in STATION_NAMES.items()
        }
        self.deputies = {d.name: d for d in db.session.scalars(db.select(Deputy))}
        self.categories = {c.name: c.id for c in db.session.scalars(db.select(Category))}
        self.numbers: set[str] = set()

    def arrival(self, past: Past) -> datetime:
        if past.at.startswith("-"):
            return self.now - timedelta(hours=float(past.at[1:]))
        hour, minute = (int(p) for p in past.at.split(":"))
        day = local_today(self.now) - timedelta(days=past.days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).astimezone(self.now.tzinfo)

    def tracking_no(self, at: datetime) -> str:
        """The intake's format: the Beijing date it arrived + 8 random digits."""
        while True:
            number = at.astimezone(LOCAL).strftime("%y%m%d") + f"{self.rng.randrange(10**8):08d}"
            taken = db.session.scalar(db.select(Message.id).where(Message.tracking_no == number))
            if number not in self.numbers and not taken:
                self.numbers.add(number)
                return number

    def notice(
        self, message, kind, at, status, deputy=None, citizen=None, key="", dedupe_key=None
    ) -> None:
        template = {
            "new_item": self.templates.new_item,
            "reply": self.templates.reply,
            "solved": self.templates.solved,
        }.get(kind, self.templates.reminder)
        errors = {
            "no_consent": (43101, "user refuse to accept the msg rid: 6650c1a2-58d0a1b3-1f2e3d4c"),
            "failed": (40003, "invalid openid rid: 6650c1a2-58d0a1b3-5a6b7c8d"),
        }
        errcode, errmsg = errors.get(status, (None, None))
        db.session.add(
            Notification(
                dedupe_key=dedupe_key or f"{key}-{message.id}-history",
                kind=kind,
                message_id=message.id,
                citizen_id=citizen,
                deputy_id=deputy.id if deputy else None,
                template_id=template,
                channel="mp" if status in ("sent", "failed") else None,
                data={},
                status=status,
                attempts=0 if status == "no_recipient" else 1,
                errcode=errcode,
                errmsg=errmsg,
                msgid=f"history-{message.id}-{key}" if status == "sent" else None,
                created_at=at,
                updated_at=at,
                sent_at=at if status == "sent" else None,
            )
        )
        data = {"notice_kind": kind, "status": status, "errcode": errcode}
        _event(message, "notified", at, "system", **data)

    def write(self, past: Past, number: int) -> None:
        start = self.arrival(past)
        station = self.stations[past.station]
        deputy = self.deputies.get(past.deputy) if past.deputy else None
        citizen = None
        if past.walk_in is None:
            citizen = Citizen(openid=f"demo-history-{number:03d}", created_at=start)
            db.session.add(citizen)
            db.session.flush()

        def hours(value: float) -> datetime:
            return start + timedelta(hours=value)

        message = Message(
            tracking_no=self.tracking_no(start),
            channel="walk_in" if past.walk_in else "station_code",
            station_id=station.id,
            target_deputy_id=deputy.id if past.walk_in and deputy else None,
            category_id=self.categories[past.category],
            content=past.content,
            status="received",
            content_check="pass",
            citizen_id=citizen.id if citizen else None,
            created_at=start,
            updated_at=start,
        )
        db.session.add(message)
        db.session.flush()
        if past.walk_in:
            name, count, _ = past.walk_in
            db.session.add(
                WalkIn(
                    message_id=message.id,
                    visitor_name=name,
                    visitor_count=count,
                    received_by_id=deputy.id if deputy else None,
                    staff_id=self.staff.id,
                    visited_at=start,
                    created_at=start,
                )
            )
            _event(
                message,
                "received",
                start,
                "staff",
                self.staff.id,
                channel="walk_in",
                received_by=deputy.id if deputy else None,
                staff=self.staff.display_name,
            )
        else:
            _event(message, "received", start, "citizen", citizen.id, channel="station_code")
        on_the_spot = bool(past.walk_in and past.walk_in[2])
        assignment = None
        if deputy is not None:
            routed = start if on_the_spot else hours(0.02)
            assignment = Assignment(
                message_id=message.id, deputy_id=deputy.id, rule=past.rule, created_at=routed
            )
            db.session.add(assignment)
            db.session.flush()
            message.assigned_deputy_id = deputy.id
            if on_the_spot:
                message.routed_at = routed  # the receiving deputy answered there and then
            else:
                move(
                    message,
                    "route",
                    "system",
                    values={"routed_at": routed},
                    at=routed,
                    deputy_id=deputy.id,
                    deputy=deputy.name,
                    rule=past.rule,
                )
                self.notice(
                    message,
                    "new_item",
                    hours(0.03),
                    past.deputy_notice,
                    deputy=deputy,
                    key=f"assign-{assignment.id}",
                )
        if past.rejected:
            at, reason = hours(past.rejected[0]), past.rejected[1]
            move(
                message,
                "reject",
                "staff",
                self.staff.id,
                values={"closed_at": at, "assigned_deputy_id": None},
                at=at,
                reason=reason,
                staff=self.staff.display_name,
            )
            assignment.active, assignment.ended_at = False, at
        answers = list(past.answers)
        ratings = list(past.ratings)
        while answers:
            after, text, by = answers.pop(0)
            at = hours(after)
            post = Reply(
                message_id=message.id,
                author_kind=by,
                content=text,
                created_at=at,
                deputy_id=deputy.id if by == "deputy" else None,
            )
            db.session.add(post)
            db.session.flush()
            extra = {"staff": self.staff.display_name} if by == "staff" else {}
            if on_the_spot:
                extra["on_the_spot"] = True
            actor_id = deputy.id if by == "deputy" else self.staff.id
            first = {} if message.first_replied_at else {"first_replied_at": at}
            move(message, "answer", by, actor_id, values=first, at=at, reply_id=post.id, **extra)
            if citizen is not None:
                status = past.reply_notice if message.first_replied_at == at else "sent"
                self.notice(
                    message,
                    "reply",
                    at + timedelta(minutes=1),
                    status,
                    citizen=citizen.id,
                    key=f"reply-{post.id}",
                )
            if on_the_spot:
                move(
                    message,
                    "close",
                    "staff",
                    self.staff.id,
                    values={"closed_at": at},
                    at=at,
                    reason="on_the_spot",
                    staff=self.staff.display_name,
                )
            if ratings:
                after, score, comment = ratings.pop(0)
                at = hours(after)
                rate(message, citizen.id, score, comment, at)
                if score == "unsatisfied":
                    move(message, "reopen", "citizen", citizen.id, at=at)
                    self.notice(
                        message, "reopened", at, "sent", deputy=deputy, key=f"reopen-{number}"
                    )
                    if not answers:
                        self.remind(message, assignment, hours(after + 1))
                else:
                    move(
                        message,
                        "close",
                        "citizen",
                        citizen.id,
                        values={"closed_at": at},
                        at=at,
                        reason="rated",
                    )
        if message.status == "replied" and citizen is not None:
            # 「问题解决了吗」 went out as the sweep sends it (its key is the sweep's, so the
            # sweep does not ask again).
            last = db.session.scalar(
                db.select(Reply)
                .where(Reply.message_id == message.id, Reply.author_kind != "citizen")
                .order_by(Reply.id.desc())
                .limit(1)
            )
            wait = timedelta(hours=current_app.config["SOLVED_ASK_AFTER_HOURS"])
            ask = last.created_at + wait if last is not None else self.now
            if ask < self.now:
                self.notice(
                    message,
                    "solved",
                    ask,
                    "no_consent",
                    citizen=citizen.id,
                    dedupe_key=f"solved-{last.id}",
                )
        if past.closed_by_staff is not None:
            at = hours(past.closed_by_staff)
            move(
                message,
                "close",
                "staff",
                self.staff.id,
                values={"closed_at": at},
                at=at,
                reason="staff",
                note="",
                staff=self.staff.display_name,
            )
        allowance = current_app.config["DEPUTY_ANSWER_HOURS"]
        if past.waiting:
            self.remind(message, assignment, hours(allowance / 2))
        if message.status in ("routed", "reopened"):
            overdue = hours(allowance)
            if overdue < self.now:
                message.overdue_at = overdue
                _event(message, "overdue", overdue, "system")

    def remind(self, message: Message, assignment: Assignment, at: datetime) -> None:
        """The sweep's reminder, already sent: the sweep will not send it again."""
        at = min(at, self.now - timedelta(minutes=5))
        assignment.reminded_at = at
        _event(message, "reminded", at, "system", deputy_id=assignment.deputy_id)
        self.notice(
            message, "reminder", at, "sent", deputy=assignment.deputy, key=f"remind-{assignment.id}"
        )


def seed_history(now: datetime, staff: StaffUser) -> int:
    """Write the demo's past once; returns how many items were written (0 the second time)."""
    stations = [
        s.id
        for s in db.session.scalars(
            db.select(Station).where(Station.name.in_(STATION_NAMES.values()))
        )
    ]
    if len(stations) < len(STATION_NAMES):
        return 0
    if db.session.scalar(db.select(Message.id).where(Message.station_id.in_(stations)).limit(1)):
        return 0
    writer = _Writer(now, staff, random.Random(20260506))
    items = PAST + RECENT
    for number, past in enumerate(items, 1):
        writer.write(past, number)
    db.session.commit()
    _as_the_sweep_left_it(now)
    _publish(writer, items, staff)
    return len(items)


def _publish(writer: _Writer, items: list[Past], staff: StaffUser) -> None:
    """The published history: each item proposed and approved as staff would have (redacted
    by the same code), approved when the story says."""
    for past in items:
        if past.publish is None:
            continue
        mode, summary, after = past.publish
        message = db.session.scalar(db.select(Message).where(Message.content == past.content))
        row = service.propose_item(message, mode, staff.id, summary)
        service.approve(row, staff.id)
        at = writer.arrival(past) + timedelta(hours=after)
        row.proposed_at = at - timedelta(hours=2)
        row.published_at = at
    db.session.commit()


def _as_the_sweep_left_it(now: datetime) -> None:
    """The deadlines, escalation steps and call-backs the sweep took during those weeks, taken
    now through the same code (so a real sweep finds nothing left); their notices went out
    then, so they are marked sent, never sent again."""
    deadlines.stamp_due(now)
    deadlines.escalate(now)
    revisits.ask_due(now)
    db.session.execute(
        update(Notification)
        .where(Notification.status == "pending", Notification.created_at >= now)
        .values(status="sent", sent_at=now, attempts=1)
    )
    db.session.commit()
