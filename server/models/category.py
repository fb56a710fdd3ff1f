"""What a message is about. Categories are data; so is which expertise each one needs."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.db import db

KINDS = ("咨询", "求助", "建议", "投诉")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    # Deputies whose expertise overlaps these tags are preferred when routing.
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 咨询 | 求助 | 建议 | 投诉 (12345's kinds): picks the unit's answer time from
    # UNIT_ANSWER_WORKDAYS_BY_KIND; empty: the unit's own answer_days.
    kind: Mapped[str] = mapped_column(String(8), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def public(self) -> dict:
        return {"id": self.id, "name": self.name}


class ScopeRule(db.Model):
    """「不在受理范围」: a matter the station does not take, and where to go instead. Shown before
    submitting (scan, web form); a rule with a category applies to that category only."""

    __tablename__ = "scope_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(60))
    where: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def public(self) -> dict:
        return {"topic": self.topic, "where": self.where}


# Seeded on a new database; staff may edit them later. Tags follow the professional groups
# named in the seeds (法制、社会治理、经济、教科文卫、农业农村、城建环保).
DEFAULT_CATEGORIES = (
    ("城乡建设", ["城建环保"]),
    ("交通出行", ["城建环保", "社会治理"]),
    ("环境保护", ["城建环保"]),
    ("教育", ["教科文卫"]),
    ("医疗卫生", ["教科文卫"]),
    ("社会保障", ["社会治理"]),
    ("农业农村", ["农业农村"]),
    ("经济发展", ["经济"]),
    ("社会治理", ["社会治理", "法制"]),
    ("其他", []),
)

# Seeded on a new database: what the seeds' platforms send elsewhere (staff may edit them).
DEFAULT_SCOPE = (
    ("火灾、治安、急病等紧急情况", "请立即拨打 119、110、120"),
    ("已进入诉讼、仲裁或行政复议程序的事项", "请通过人民法院、仲裁机构或复议机关依法办理"),
    ("已按信访程序受理的事项", "请向受理的信访部门查询办理进度"),
    ("水电气、市政设施报修等日常服务诉求", "请拨打 12345 政务服务便民热线"),
)
