"""履职档案 in one click: per deputy and period a PDF (real text in an embedded Chinese font,
the station's name in the header, two charts drawn in the PDF, the items with their answers,
the shifts, the suggestions, the points with their reasons) and the same as .xlsx; a whole
station's archive as a zip built by a background job (server/tasks/exports.py) with a progress
bar. Both formats are written from one `Archive`, so they cannot disagree."""

from __future__ import annotations

import functools
import io
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter
from flask import (
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from sqlalchemy import update

from server.admin import bp, scope
from server.admin.fonts import find_font
from server.admin.points import period_or_400, station_deputies
from server.admin.register_exports import export_state, own_export_or_404
from server.admin.registers import XLSX_MIMETYPE
from server.models import (
    RATING_LABELS,
    Assignment,
    Deputy,
    Event,
    Message,
    RegisterExport,
    StaffUser,
    Station,
)
from server.models.audit import audit
from server.performance import checkins, periods
from server.performance import points as engine
from server.platform import exports
from server.platform.clock import local_text, utcnow
from server.platform.db import db

FORMATS = {"pdf": "application/pdf", "xlsx": XLSX_MIMETYPE}
CONTENT_CHARS = 120  # an item's text in the archive; the register has it in full
ZIP_MIMETYPE = "application/zip"
# Table headings shaded, not bold: one face of the font is embedded (a bold one would double
# the build time, and the archive of one deputy is meant to take seconds).
HEADINGS_FILL = (226, 235, 245)
LINE_H, CELL_PAD = 3.8, 1.0  # mm, at 8 pt
ROW_LINES = 30  # a cell longer than this is cut (the workbook has it whole)


@dataclass
class ItemRow:
    tracking_no: str
    received: str
    category: str
    content: str
    status: str
    answers: list[str]
    rating: str


@dataclass
class Archive:
    deputy: Deputy
    station_name: str
    period: periods.Period
    items: list[ItemRow] = field(default_factory=list)
    shifts: list[tuple[str, str, str]] = field(default_factory=list)  # date, station, how
    suggestions: list[tuple[str, str, str]] = field(default_factory=list)  # date, role, title
    lines: list[dict] = field(default_factory=list)
    by_item: dict[str, tuple[int, int]] = field(default_factory=dict)
    total: int = 0
    months: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> list[tuple[str, int]]:
        answered = sum(1 for i in self.items if i.answers)
        return [
            ("经办事项", len(self.items)),
            ("已答复", answered),
            ("到站值班", len(self.shifts)),
            ("代表建议", len(self.suggestions)),
            ("履职积分", self.total),
        ]

    @property
    def file_stem(self) -> str:
        return f"履职档案-{self.deputy.name}-{self.period.code}"


def _station_name(deputy: Deputy, station: Station | None) -> str:
    if station is not None:
        return station.name
    names = [m.station.name for m in deputy.memberships if m.station is not None]
    return "、".join(sorted(names)) or "人大代表联络站"


def collect(
    deputy: Deputy, period: periods.Period, lines: dict | None = None, station=None
) -> Archive:
    """Everything the archive shows, read once. `lines`: the period's points of every deputy,
    when the caller (the station's zip) has computed them already."""
    archive = Archive(deputy, _station_name(deputy, station), period)
    handled = db.select(Assignment.message_id).where(Assignment.deputy_id == deputy.id).distinct()
    messages = db.session.scalars(
        db.select(Message)
        .where(
            Message.id.in_(handled),
            Message.created_at >= period.starts_at,
            Message.created_at < period.ends_at,
        )
        .order_by(Message.created_at, Message.id)
    )
    months: Counter = Counter()
    for m in messages:
        text = " ".join(m.content.split())
        archive.items.append(
            ItemRow(
                m.tracking_no,
                local_text(m.created_at),
                m.category.name if m.category else "",
                text[:CONTENT_CHARS] + ("…" if len(text) > CONTENT_CHARS else ""),
                m.status_label,
                [
                    f"{local_text(r.created_at)} {r.deputy.name if r.deputy else '联络站'}："
                    f"{' '.join(r.content.split())}"
                    for r in m.answers
                ],
                RATING_LABELS.get(m.rating, "") if m.rating else "",
            )
        )
        months[local_text(m.created_at, "%Y-%m")] += 1
    archive.months = dict(sorted(months.items()))
    for row in checkins.shifts_of(deputy.id, period.first, period.last):
        archive.shifts.append((row.on_date.isoformat(), row.station.name, row.source_label))
    suggestion_events = db.session.scalars(
        db.select(Event)
        .where(
            Event.kind.in_(("suggestion.led", "suggestion.seconded")),
            Event.created_at >= period.starts_at,
            Event.created_at < period.ends_at,
        )
        .order_by(Event.created_at, Event.id)
    )
    for e in suggestion_events:
        data = e.data or {}
        if data.get("deputy_id", e.actor_id if e.actor == "deputy" else None) != deputy.id:
            continue
        role = "领衔" if e.kind == "suggestion.led" else "附议"
        title = str(data.get("title") or data.get("suggestion_id") or "")
        archive.suggestions.append((local_text(e.created_at, "%Y-%m-%d"), role, title))
    if lines is None:
        lines = engine.compute(period, float(current_app.config["DEPUTY_ANSWER_HOURS"]))
    mine = lines.get(deputy.id, [])
    archive.lines = [engine.describe(line) for line in mine]
    archive.by_item = engine.by_item(mine)
    archive.total = engine.total(mine)
    return archive


# -- the PDF ------------------------------------------------------------------------------------


def _font_file() -> Path:
    """The Chinese font as a single-face file fpdf2 can embed: a .ttc collection's face is
    copied out once into the instance directory (fpdf2 2.8.3 reads no collections)."""
    path, index = find_font(current_app.config.get("POSTER_FONT"))
    if not path.lower().endswith(".ttc"):
        return Path(path)
    folder = Path(current_app.instance_path) / "fonts"
    target = folder / f"{Path(path).stem}-{index}.otf"
    if not target.is_file():
        from fontTools.ttLib import TTCollection

        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{secrets.token_hex(4)}.part")
        TTCollection(path).fonts[index].save(partial)
        partial.rename(target)  # atomic: two builders at once both end with a whole file
    return target


@functools.cache
def _document_class():
    """fpdf2 is imported when the first archive is built, not when a web worker starts (every
    worker imports the dashboard; few ever build a PDF)."""
    from fpdf import FPDF

    class _Document(FPDF):
        def __init__(self, archive: Archive):
            super().__init__(format="A4")
            self.archive = archive
            self.set_auto_page_break(auto=True, margin=15)
            self.add_font("cjk", fname=str(_font_file()))
            self.set_title(archive.file_stem)
            self.set_creator("码上联络站")

        def header(self) -> None:
            self.set_font("cjk", size=9)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"{self.archive.station_name} · 代表履职档案", align="L")
            self.cell(0, 6, self.archive.period.label, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(200, 200, 200)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(3)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=8)
            self.set_text_color(120, 120, 120)
            self.cell(0, 6, f"第 {self.page_no()} 页 · 由系统根据办理记录生成", align="C")

        def heading(self, text: str) -> None:
            self.ln(3)
            self.set_font("cjk", size=13)
            self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
            self.set_font("cjk", size=9)

        def bars(self, title: str, data: list[tuple[str, int]], unit: str) -> None:
            """A horizontal bar chart drawn with rectangles: a label, a bar, the number."""
            self.heading(title)
            if not data:
                self.cell(0, 6, "（本期间没有数据）", new_x="LMARGIN", new_y="NEXT")
                return
            top = max(v for _, v in data) or 1
            label_w, bar_w, row_h = 62, self.w - self.l_margin - self.r_margin - 62 - 20, 6
            for name, value in data:
                if self.get_y() + row_h > self.page_break_trigger:
                    self.add_page()
                y = self.get_y()
                self.set_font("cjk", size=8)
                self.cell(label_w, row_h, name[:22])
                self.set_fill_color(46, 117, 182)
                self.rect(
                    self.l_margin + label_w, y + 1, max(0.5, bar_w * value / top), row_h - 2, "F"
                )
                self.set_x(self.l_margin + label_w + bar_w + 2)
                self.cell(18, row_h, f"{value}{unit}", new_x="LMARGIN", new_y="NEXT")

        def rows(self, header: tuple[str, ...], widths: tuple[int, ...], body: list[tuple]) -> None:
            """A bordered table, wrapped here with each character's width measured once:
            fpdf2's own table measures the growing line at every character, which took
            half a minute for a quarter's 300 items."""
            self.set_font("cjk", size=8)
            scale = (self.w - self.l_margin - self.r_margin) / sum(widths)
            cols = [w * scale for w in widths]
            self.set_draw_color(160, 160, 160)
            self.set_fill_color(*HEADINGS_FILL)
            self._row(header, cols, True)
            for values in body:
                if self._row(values, cols, False):
                    self._row(header, cols, True, force=True)  # a new page repeats the heading
                    self._row(values, cols, False)

        def _wrap(self, text: str, room: float) -> list[str]:
            widths = self.__dict__.setdefault("_widths", {})
            lines = []
            for paragraph in text.split("\n"):
                line, used = "", 0.0
                for ch in paragraph:
                    width = widths.get(ch)
                    if width is None:
                        width = widths[ch] = self.get_string_width(ch)
                    if line and used + width > room:
                        lines.append(line)
                        line, used = ch, width
                    else:
                        line, used = line + ch, used + width
                lines.append(line)
            if len(lines) > ROW_LINES:
                lines = [*lines[: ROW_LINES - 1], lines[ROW_LINES - 1][:-1] + "…"]
            return lines

        def _row(self, values, cols, heading: bool, force: bool = False) -> bool:
            """Draw one row; True (and nothing drawn) when it needs the next page first."""
            cells = [
                self._wrap(str(v), c - 2 * CELL_PAD) for v, c in zip(values, cols, strict=True)
            ]
            height = max(len(c) for c in cells) * LINE_H + 2 * CELL_PAD
            if not force and self.get_y() + height > self.page_break_trigger:
                self.add_page()
                return not heading
            x, y = self.l_margin, self.get_y()
            for lines, width in zip(cells, cols, strict=True):
                self.rect(x, y, width, height, style="DF" if heading else "D")
                for n, line in enumerate(lines):
                    self.text(x + CELL_PAD, y + CELL_PAD + (n + 0.8) * LINE_H, line)
                x += width
            self.set_xy(self.l_margin, y + height)
            return False

    return _Document


def pdf_bytes(archive: Archive) -> bytes:
    doc = _document_class()(archive)
    doc.add_page()
    doc.set_font("cjk", size=18)
    doc.cell(0, 12, f"{archive.deputy.name} 代表履职档案", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("cjk", size=10)
    who = f"{archive.deputy.level}级人大代表" if archive.deputy.level != "全国" else "全国人大代表"
    if archive.deputy.title:
        who += f" · {archive.deputy.title}"
    doc.cell(0, 7, f"{who} · {archive.station_name}", align="C", new_x="LMARGIN", new_y="NEXT")
    span = f"期间：{archive.period.label}（{archive.period.first} 至 {archive.period.last}）"
    doc.cell(0, 7, span, align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.rows(tuple(n for n, _ in archive.counts), (1,) * 5, [tuple(v for _, v in archive.counts)])
    doc.bars(
        "履职积分构成",
        [(engine.item_label(i).split("（")[0], p) for i, (_, p) in archive.by_item.items()],
        " 分",
    )
    doc.bars("每月经办事项", list(archive.months.items()), " 件")
    doc.heading(f"经办事项（{len(archive.items)} 件）")
    doc.rows(
        ("编号", "收到时间", "类别", "反映内容", "状态", "答复", "评价"),
        (25, 20, 11, 37, 10, 46, 10),
        [
            (i.tracking_no, i.received, i.category, i.content, i.status,
             "\n".join(i.answers) or "—", i.rating or "—")
            for i in archive.items
        ],
    )  # fmt: skip
    doc.heading(f"到站值班（{len(archive.shifts)} 次）")
    doc.rows(("日期", "联络站", "方式"), (1, 2, 1), archive.shifts or [("—", "—", "—")])
    doc.heading(f"代表建议（{len(archive.suggestions)} 件）")
    doc.rows(("日期", "角色", "建议"), (1, 1, 4), archive.suggestions or [("—", "—", "—")])
    doc.heading(f"履职积分明细（合计 {archive.total} 分）")
    doc.rows(
        ("时间", "项目", "事由", "积分", "理由"),
        (16, 30, 20, 8, 40),
        [(r["time"], r["label"], r["ref"], r["points"], r["reason"]) for r in archive.lines]
        or [("—", "—", "—", "0", "本期间没有计分记录")],
    )
    return bytes(doc.output())


# -- the workbook -------------------------------------------------------------------------------


def xlsx_bytes(archive: Archive) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def sheet(name: str, header: tuple[str, ...], rows: list, widths: tuple[int, ...]):
        ws = book.add_worksheet(name)
        ws.write(0, 0, f"{archive.station_name} · {archive.deputy.name} · {archive.period.label}")
        ws.write_row(1, 0, header, bold)
        for n, row in enumerate(rows, start=2):
            ws.write_row(n, 0, row, wrap)
        for col, width in enumerate(widths):
            ws.set_column(col, col, width)
        return ws

    summary = sheet("概况", ("项目", "数量"), archive.counts, (16, 10))
    summary.write(len(archive.counts) + 3, 0, "积分构成", bold)
    for n, (item, (count, pts)) in enumerate(
        archive.by_item.items(), start=len(archive.counts) + 4
    ):
        summary.write_row(n, 0, (engine.item_label(item), count, pts))
    sheet(
        "经办事项",
        ("编号", "收到时间", "类别", "反映内容", "状态", "答复", "评价"),
        [
            (i.tracking_no, i.received, i.category, i.content, i.status, "\n".join(i.answers),
             i.rating)
            for i in archive.items
        ],
        (20, 17, 10, 50, 10, 60, 10),
    )  # fmt: skip
    sheet("到站值班", ("日期", "联络站", "方式"), archive.shifts, (12, 30, 14))
    sheet("代表建议", ("日期", "角色", "建议"), archive.suggestions, (12, 8, 60))
    sheet(
        "履职积分明细",
        ("时间", "项目", "事由", "积分", "理由"),
        [(r["time"], r["label"], r["ref"], r["points"], r["reason"]) for r in archive.lines],
        (17, 36, 24, 8, 50),
    )
    book.close()
    return buffer.getvalue()


# -- the pages ----------------------------------------------------------------------------------


@bp.get("/deputies/<int:deputy_id>/archive.<fmt>")
def archive_file(deputy_id: int, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    deputy = scope.deputy_or_404(deputy_id)
    period = period_or_400(request.args.get("period"))
    archive = collect(deputy, period)
    data = pdf_bytes(archive) if fmt == "pdf" else xlsx_bytes(archive)
    audit("archive_exported", f"deputy:{deputy.id}", period=period.code, fmt=fmt)
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype=FORMATS[fmt],
        as_attachment=True,
        download_name=f"{archive.file_stem}.{fmt}",
    )


@bp.post("/stations/<int:station_id>/archive")
def archive_station_start(station_id: int):
    from server.platform.queue import after_commit, enqueue_archive

    station = scope.station_or_404(station_id)
    period = period_or_400(request.form.get("period"))
    deputies = station_deputies(station)
    export = RegisterExport(
        kind="archive",
        staff_id=g.staff.id,
        args={"station_id": station.id, "period": period.code},
        title=f"{station.name} {period.label} 履职档案",
        total=len(deputies),
    )
    db.session.add(export)
    db.session.flush()
    after_commit(db.session(), enqueue_archive, export.id, current_app.config["EXPORT_JOB_TIMEOUT"])
    db.session.commit()
    return redirect(url_for("admin.archive_export_page", export_id=export.id), 303)


@bp.get("/archives/<int:export_id>")
def archive_export_page(export_id: int):
    export = own_export_or_404(export_id, ("archive",))
    return render_template(
        "admin/archive_export.html",
        export=export,
        state=export_state(export, "admin.archive_export_file"),
    )


@bp.get("/archives/<int:export_id>.json")
def archive_export_status(export_id: int):
    return jsonify(
        export_state(own_export_or_404(export_id, ("archive",)), "admin.archive_export_file")
    )


@bp.get("/archives/<int:export_id>/file")
def archive_export_file(export_id: int):
    export = own_export_or_404(export_id, ("archive",))
    path = exports.export_dir() / (export.file_name or "-")
    if export.status != "done" or not export.file_name or not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=ZIP_MIMETYPE,
        as_attachment=True,
        download_name=f"履职档案-{export.args.get('period')}-{export.args.get('station_id')}.zip",
    )


def _progress(export_id: int, **values) -> None:
    db.session.execute(
        update(RegisterExport).where(RegisterExport.id == export_id).values(**values)
    )
    db.session.commit()


def build_zip(export_id: int) -> None:
    """The station's archive: a PDF and a workbook per resident deputy, as the account that
    asked (its scope checked again now)."""
    export = db.session.get(RegisterExport, export_id)
    g.staff = db.session.get(StaffUser, export.staff_id)
    station = db.session.get(Station, export.args["station_id"])
    ids = scope.station_ids()
    if station is None or (ids is not None and station.id not in ids):
        raise PermissionError("station out of scope")
    period = periods.parse(export.args["period"])
    deputies = station_deputies(station)
    _progress(export_id, total=len(deputies))
    lines = engine.compute(period, float(current_app.config["DEPUTY_ANSWER_HOURS"]))
    name = f"archive-{export_id}-{secrets.token_hex(8)}.zip"
    folder = exports.export_dir()
    partial = folder / f"{name}.part"
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            stems: set[str] = set()
            for n, deputy in enumerate(deputies, start=1):
                archive = collect(deputy, period, lines, station)
                stem = archive.file_stem
                if stem in stems:  # two deputies of one name: an unzip would keep only one
                    stem = f"{stem}-{deputy.id}"
                stems.add(stem)
                bundle.writestr(f"{stem}.pdf", pdf_bytes(archive))
                bundle.writestr(f"{stem}.xlsx", xlsx_bytes(archive))
                _progress(export_id, done_rows=n)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(folder / name)
    _progress(
        export_id, status="done", file_name=name, done_rows=len(deputies), finished_at=utcnow()
    )
    audit(
        "archive_exported",
        f"station:{station.id}",
        staff_id=g.staff.id,
        period=period.code,
        fmt="zip",
    )
    db.session.commit()


exports.provide("archive", build_zip)
