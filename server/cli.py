"""`flask` commands: set up data, print codes, run workers and the scheduler."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from pathlib import Path

import click
import redis
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from server.models import ROLES, Deputy, Message, StaffUser, Station
from server.platform.db import db

log = logging.getLogger(__name__)


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(calendar_group)
    app.cli.add_command(qr_group)
    app.cli.add_command(user_group)
    app.cli.add_command(invite_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(sweep_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(phones_group)
    app.cli.add_command(redis_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(stats_group)


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Add the default categories, scope rules and the working-day calendar to a new database."""
    from server.seed import seed_calendar, seed_categories, seed_point_rules, seed_scope

    click.echo(f"categories added: {seed_categories()}")
    click.echo(f"scope rules added: {seed_scope()}")
    click.echo(f"point rules added: {seed_point_rules()}")
    click.echo(f"calendar days added: {seed_calendar()}")


calendar_group = AppGroup("calendar", help="The working-day calendar (holidays, 调休).")


@calendar_group.command("seed")
def calendar_seed() -> None:
    """Add the years chinesecalendar knows that have no calendar yet (staff edits are kept)."""
    from server.seed import package_days, seed_calendar

    added = seed_calendar()
    years = sorted({day.year for day in package_days()})
    click.echo(f"calendar days added: {added} (chinesecalendar knows {years[0]}-{years[-1]})")


@click.command("seed-demo")
@with_appcontext
@click.option("--out", type=click.Path(dir_okay=False), help="write scenes, invites, login here")
def seed_demo_command(out: str | None) -> None:
    """Create the demo stations, deputies and admin (idempotent) and fresh invite codes."""
    from server.demo import seed_demo

    previous = {}
    if out and Path(out).exists():
        previous = json.loads(Path(out).read_text())
    demo = seed_demo()
    if demo["admin"]["password"] is None:  # admin existed: keep the password we printed before
        demo["admin"]["password"] = previous.get("admin", {}).get("password")
    printed = {
        (u.get("login") or {}).get("username"): (u.get("login") or {}).get("password")
        for u in previous.get("units", [])
    }
    for unit in demo["units"]:  # the same for each unit's clerk
        if unit["login"]["password"] is None:
            unit["login"]["password"] = printed.get(unit["login"]["username"])
    if demo["committee"]["password"] is None:
        demo["committee"]["password"] = previous.get("committee", {}).get("password")
    if demo["clerk"]["password"] is None:
        demo["clerk"]["password"] = previous.get("clerk", {}).get("password")
    config = current_app.config
    templates = config["WECHAT_TEMPLATES"]
    demo["templates"] = {
        "reply": templates.reply,
        "progress": templates.progress,
        "solved": templates.solved,
        "new_item": templates.new_item,
        "reminder": templates.reminder,
    }
    demo["push_token"] = config["WECHAT_PUSH_TOKEN"] if config["WECHAT_SANDBOX"] else None
    demo["urls"] = {
        "api": f"{config['PUBLIC_URL']}/api/v1",
        "docs": f"{config['PUBLIC_URL']}/api/v1/docs",
        "admin": f"{config['PUBLIC_URL']}/admin",
        "public": f"{config['PUBLIC_URL']}/public/",
        "sandbox": f"{config['WECHAT_SANDBOX_URL']}/sandbox/",
    }
    text = json.dumps(demo, ensure_ascii=False, indent=2)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
        Path(out).chmod(0o600)
    click.echo(text)


qr_group = AppGroup("qr", help="Print codes for stations and deputies.")


@qr_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def qr_export(directory: str) -> None:
    """Write the mini-program code and the plain QR code of every station and deputy as PNG."""
    from server.wechat.client import WeChatError
    from server.wechat.codes import export_all

    stations = list(db.session.scalars(db.select(Station).where(Station.active.is_(True))))
    deputies = list(db.session.scalars(db.select(Deputy).where(Deputy.active.is_(True))))
    try:
        written = export_all(directory, stations, deputies)
    except WeChatError as exc:
        raise click.ClickException(f"微信小程序码生成失败：{exc}") from exc
    click.echo(f"{len(written)} files written to {directory}")


user_group = AppGroup("user", help="Dashboard accounts.")


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), default="station_staff")
@click.option("--station", "station_codes", multiple=True, help="station code (repeatable)")
@click.option("--name", default="", help="display name")
@click.password_option()
def user_create(username: str, role: str, station_codes: tuple, name: str, password: str) -> None:
    """Create a staff account."""
    if db.session.scalar(db.select(StaffUser).where(StaffUser.username == username)):
        raise click.ClickException(f"用户 {username} 已存在")
    stations = []
    for code in station_codes:
        station = db.session.scalar(db.select(Station).where(Station.code == code))
        if station is None:
            raise click.ClickException(f"找不到联络站 {code}")
        stations.append(station)
    if role == "station_staff" and not stations:
        raise click.ClickException("联络站工作人员至少要指定一个联络站（--station）")
    from server.identity import passwords

    problem = passwords.problem(password, username)
    if problem:
        raise click.ClickException(f"{problem}（{passwords.rule_text()}）")
    user = StaffUser(username=username, display_name=name or username, role=role, stations=stations)
    passwords.set_password(user, password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"created {role} {username}")


invite_group = AppGroup("invite", help="Deputy invite codes.")


@invite_group.command("create")
@click.argument("deputy_code")
@click.option("--hours", type=int, default=None, help="valid for (default INVITE_TTL_HOURS)")
def invite_create(deputy_code: str, hours: int | None) -> None:
    """Issue a single-use invite code for a deputy to bind their WeChat."""
    from server.identity.binding import issue_invite

    deputy = db.session.scalar(db.select(Deputy).where(Deputy.code == deputy_code))
    if deputy is None:
        raise click.ClickException(f"找不到代表 {deputy_code}")
    # Whoever runs this has the server: an administrator.
    invite = issue_invite(deputy, by_admin=True, hours=hours)
    db.session.commit()
    click.echo(invite.code)


# After Redis went away under a worker: first wait, and the longest wait between attempts.
WORKER_RETRY_FIRST = 1.0
WORKER_RETRY_MAX = 30.0


def _stop_asked(worker) -> bool:
    """SIGTERM/Ctrl-C reached RQ's handler: it notes the time (and, mid-job, a flag)."""
    return bool(
        getattr(worker, "_shutdown_requested_date", None)
        or getattr(worker, "_stop_requested", False)
    )


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@click.option("--fork", is_flag=True, help="fork a child per job (RQ's default Worker)")
def worker_command(burst: bool, fork: bool) -> None:
    """Run an RQ worker (with RQ's scheduler, for delayed retries).

    Jobs run in the worker's own process by default: they are short database transactions and
    WeChat calls with timeouts, and forking costs a process and a new database connection per
    job (about 0.3 s per job on a 2-core machine, several times the job itself). --fork
    isolates each job.

    Redis going away is survived: RQ retries by itself while it waits for work, but an outage
    in the middle of a job ends its work loop (or raises out of it). Then a new worker starts
    on the same queue after a pause that doubles up to WORKER_RETRY_MAX, until SIGTERM/Ctrl-C.
    Nothing is lost meanwhile: the database has every message, and the sweep re-drives them.
    """
    from rq import SimpleWorker, Worker

    from server.platform.logs import JobContext
    from server.platform.queue import get_queue

    base = Worker if fork else SimpleWorker

    class worker_class(base):
        def perform_job(self, job, queue, *args, **kwargs):
            with JobContext(job):
                return super().perform_job(job, queue, *args, **kwargs)

    stop = threading.Event()
    delay = WORKER_RETRY_FIRST
    while True:
        started = time.monotonic()
        worker = None
        try:
            queue = get_queue()
            worker = worker_class([queue], connection=queue.connection)
            # Our root handler (server/platform/logs.py) is found, so RQ adds none of its own.
            worker.work(
                burst=burst, with_scheduler=True, logging_level=current_app.config["LOG_LEVEL"]
            )
            if burst or _stop_asked(worker):
                return
            log.warning("worker: the work loop ended on an error (Redis unreachable?)")
        except redis.RedisError as exc:
            if burst:
                raise click.ClickException(f"Redis 无法连接：{exc}") from exc
            log.warning("worker: Redis unreachable (%s)", exc)
        if worker is not None and _stop_asked(worker):
            return
        if time.monotonic() - started > 2 * WORKER_RETRY_MAX:
            delay = WORKER_RETRY_FIRST  # it had been working: this is a new outage
        # RQ's own signal handlers stay installed and would talk to Redis: ours, while waiting.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        log.warning("worker: starting again in %.0f s", delay)
        if stop.wait(delay):
            log.info("worker: stopped while waiting for Redis")
            return
        delay = min(delay * 2, WORKER_RETRY_MAX)


stats_group = AppGroup("stats", help="The overview's summary rows.")


@stats_group.command("rebuild")
def stats_rebuild() -> None:
    """Recompute the summary rows (daily_counts, month_counts, day_totals, status_counts,
    channel_counts) from the items (after a restore, or to check that the maintained rows are
    right: the numbers must not change)."""
    from server.models import tally

    rows = tally.rebuild(db.session.connection())
    rows.update(tally.rebuild_channels(db.session.connection()))
    db.session.commit()
    click.echo("已重算汇总：" + "，".join(f"{name} {n} 行" for name, n in rows.items()))


@click.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Run the sweep once, now, in this process."""
    from server.tasks.sweeper import run_sweep

    click.echo(json.dumps(run_sweep(), ensure_ascii=False))


@click.command("scheduler")
@with_appcontext
@click.option("--once", is_flag=True, help="enqueue what is due and exit")
def scheduler_command(once: bool) -> None:
    """Enqueue the periodic jobs. Several schedulers may run: each interval is enqueued once."""
    from server.platform.queue import enqueue
    from server.platform.redis import get_redis
    from server.tasks import PERIODIC

    config = current_app.config
    while True:
        now = time.time()
        for name, path, interval_key in PERIODIC:
            interval = config[interval_key]
            slot = int(now // interval)
            try:
                # Leader election per slot: the first scheduler to claim it enqueues.
                key = f"{config['KEY_PREFIX']}:scheduler:{name}:{slot}"
                if get_redis().set(key, 1, nx=True, ex=interval * 2):
                    enqueue(path, job_id=f"{name}-{slot}")
            except redis.RedisError as exc:
                log.warning("scheduler: redis unavailable (%s)", exc)
        if once:
            return
        time.sleep(max(1.0, min(config[key] for *_, key in PERIODIC) / 4))


phones_group = AppGroup("phones", help="Encrypted contact phone numbers.")


@phones_group.command("rotate")
def phones_rotate() -> None:
    """Re-encrypt every stored phone number with the newest key in PHONE_KEYS."""
    from server.platform.crypto import rotate_phone

    count = 0
    for message in db.session.scalars(
        db.select(Message).where(Message.contact_phone_enc.is_not(None))
    ):
        message.contact_phone_enc = rotate_phone(message.contact_phone_enc)
        count += 1
    db.session.commit()
    click.echo(f"re-encrypted {count} phone numbers")


redis_group = AppGroup("redis", help="The embedded redis-server (when REDIS_URL is not set).")


@redis_group.command("stop")
def redis_stop() -> None:
    from server.platform.redis import stop_embedded_redis

    stopped = stop_embedded_redis(Path(current_app.config["INSTANCE_PATH"]))
    click.echo("stopped" if stopped else "not running")


audit_group = AppGroup("audit", help="The audit log (操作记录).")


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 naming the first row that does not fit."""
    from server.models.audit import verify_chain

    check = verify_chain()
    if not check.ok:
        raise click.ClickException(
            check.describe()
            + f" / audit chain broken at row {check.broken_id or 'tail'} ({check.rows} checked)"
        )
    click.echo(check.describe() + f" / audit chain intact ({check.rows} rows)")


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False), default="backups")
@with_appcontext
def backup_command(directory: str) -> None:
    """Write the database and the uploaded photos to DIRECTORY/lianluozhan-backup-<time>.tar.gz."""
    from server.platform.backup import ESCROW_REMINDER, BackupError, create_backup

    try:
        archive = create_backup(current_app.config, directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份完成 / backup written: {archive}")
    click.echo(ESCROW_REMINDER)


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask: the current data is replaced")
@with_appcontext
def restore_command(archive: str, yes: bool) -> None:
    """Replace the database and the uploaded photos with a backup's (stop web and workers)."""
    from server.platform.backup import ESCROW_REMINDER, BackupError, restore_backup

    if not yes:
        click.confirm("当前数据库和照片将被备份中的内容替换，确定继续吗？", abort=True)
    try:
        manifest = restore_backup(current_app.config, archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"恢复完成 / restored: {manifest['database']} database of {manifest['created_at']}, "
        f"{manifest['uploads']} photos"
    )
    click.echo(ESCROW_REMINDER)
