"""The loop, played over HTTP against a running system (./scripts/run), step by step with timings.

Act 1: a deputy binds their WeChat with an invite code and allows notices; a citizen scans the
station code, allows the reply notice, submits; the worker routes it and the deputy's notice
arrives in the WeChat sandbox; the deputy replies; the citizen's notice arrives; they rate it.

Act 2: another item; the deputy hands it to a handling unit (交办); the unit's own system signs
for it and answers through the integration API with its bearer key (from demo.json); the
citizen is told at each step in the sandbox, sees the whole path, and rates the unit's answer.

Then the official account: the deputy has turned the subscribe message off and follows the
official account, and so does a citizen who allowed nothing; the new item and the answer reach
both there. Last, a phone browser outside WeChat: the plain QR's form, and the follow link.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

INSTANCE = Path(os.environ.get("INSTANCE_PATH") or "instance")
DEMO = INSTANCE / "demo.json"
STATE = INSTANCE / "demo-deputy.json"  # the demo deputy's WeChat user, reused across runs
START = time.monotonic()
http = requests.Session()


def step(text: str) -> None:
    print(f"[{time.monotonic() - START:6.2f}s] {text}", flush=True)


def fail(text: str) -> None:
    print(f"\n失败：{text}", file=sys.stderr)
    sys.exit(1)


def call(method: str, url: str, token: str | None = None, **kwargs) -> dict:
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = http.request(method, url, headers=headers, timeout=15, **kwargs)
    if response.status_code >= 400:
        fail(f"{method} {url} -> {response.status_code} {response.text[:300]}")
    return response.json()


def wait_for(what: str, check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    fail(f"{what}：{timeout:.0f} 秒内没有等到（worker 在运行吗？）")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="./scripts/demo",
        add_help=False,
        description="在 ./scripts/run 启动的系统上，通过 HTTP 演示一遍闭环："
        "代表绑定微信，群众扫码提交，系统交办并通知代表，代表答复，群众收到通知并评价；"
        "第二幕：代表转交承办单位，单位用接口密钥签收、答复，群众收到通知并评价；"
        "第三幕：两位群众反映同一条路，代表把它们写成一条代表建议，代表工委审查、编号、交办，"
        "单位面商、上传答复文件（PDF）并答复，代表评价，联络站审核后把建议和答复脱敏公开。",
        epilog=f"演示数据读自 {DEMO}（由 ./scripts/run 生成；INSTANCE_PATH 可改目录）。",
    )
    parser.add_argument("-h", "--help", action="help", help="显示本说明，不运行演示")
    parser.parse_args(argv)
    if not DEMO.exists():
        fail(f"找不到 {DEMO}：请先运行 ./scripts/run")
    demo = json.loads(DEMO.read_text())
    api, sandbox = demo["urls"]["api"], demo["urls"]["sandbox"].rstrip("/")
    templates = demo["templates"]
    station = demo["stations"][0]

    def sandbox_call(method: str, path: str, **kwargs) -> dict:
        return call(method, f"{sandbox}/{path}", **kwargs)

    def login(openid: str) -> dict:
        code = sandbox_call("POST", "login_code", json={"openid": openid})["code"]
        return call("POST", f"{api}/auth/wechat", json={"code": code})

    # The deputy on duty binds their WeChat once (invite codes are single use).
    scan = call("GET", f"{api}/scan/{station['scene']}")
    on_duty = scan["on_duty"][0]["name"] if scan["on_duty"] else demo["deputies"][0]["name"]
    deputy = next(d for d in demo["deputies"] if d["name"] == on_duty)
    saved = json.loads(STATE.read_text()) if STATE.exists() else {}
    session = None
    # A restarted sandbox has forgotten every WeChat user: then make a new one and bind again.
    known = {u["openid"] for u in sandbox_call("GET", "users")["users"]}
    if saved.get("scene") == deputy["scene"] and saved.get("openid") in known:
        session = login(saved["openid"])
    if session is None or session["role"] != "deputy":
        openid = sandbox_call("POST", "users", json={"nickname": deputy["name"]})["openid"]
        session = login(openid)
        session = call(
            "POST",
            f"{api}/deputy/bind",
            session["token"],
            json={"invite_code": deputy["invite_code"]},
        )
        STATE.write_text(json.dumps({"scene": deputy["scene"], "openid": openid}))
        saved = {"openid": openid}
        step(f"代表 {deputy['name']} 用邀请码 {deputy['invite_code']} 绑定了微信")
    else:
        step(f"代表 {deputy['name']} 已绑定微信，直接登录")
    deputy_openid, deputy_token = saved["openid"], session["token"]
    for template_id in (templates["new_item"], templates["reminder"]):
        sandbox_call(
            "POST",
            "consent",
            json={"openid": deputy_openid, "template_id": template_id, "decision": "accept"},
        )
    call("POST", f"{api}/subscriptions", deputy_token, json={"accepted": [templates["new_item"]]})
    step("代表允许接收“新留言提醒”")

    # The citizen: scan, sign in, allow the reply notice, submit.
    citizen = sandbox_call("POST", "users", json={"nickname": "金竹社区居民"})["openid"]
    step(f"群众扫码：{scan['station']['name']}，今天值班：{on_duty}")
    token = login(citizen)["token"]
    step("群众通过微信登录（code2session）")
    sandbox_call(
        "POST",
        "consent",
        json={"openid": citizen, "template_id": templates["reply"], "decision": "accept"},
    )
    step("群众点击“允许”接收答复通知（一次性订阅）")
    before = len(sandbox_call("GET", "sent", params={"openid": deputy_openid})["sent"])
    created = call(
        "POST",
        f"{api}/messages",
        token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={
            "scene": station["scene"],
            "category": "城乡建设",
            "content": "金竹西路 32 号门口的路灯坏了一个多月，晚上老人出门很不安全，希望尽快修好。",
            "anonymous": False,
            "subscribed": [templates["reply"]],
        },
    )
    step(f"提交成功，受理编号 {created['tracking_no']}（状态：{created['status']}）")

    detail = wait_for(
        "交办代表",
        lambda: (
            (d := call("GET", f"{api}/messages/{created['id']}", token))["status"] != "received"
            and d
        ),
    )
    assigned = detail["deputy"]["name"] if detail["deputy"] else "（无）"
    step(f"已交办：{detail['status_label']}，承办代表 {assigned}")
    notice = wait_for(
        "代表的微信通知",
        lambda: sandbox_call("GET", "sent", params={"openid": deputy_openid})["sent"][before:],
    )
    step(f"代表收到微信通知：{notice[0]['data']['thing3']['value']}")

    inbox = call("GET", f"{api}/deputy/inbox", deputy_token)
    step(f"代表打开收件箱：待办 {inbox['counts'].get('awaiting', 0)} 件")
    call(
        "POST",
        f"{api}/deputy/messages/{created['id']}/replies",
        deputy_token,
        json={
            "content": "您好，已联系街道城管科，路灯本周五前修好，修好后请您再看看。谢谢您的反映！"
        },
    )
    step("代表答复")
    reply = wait_for(
        "群众的微信通知", lambda: sandbox_call("GET", "sent", params={"openid": citizen})["sent"]
    )
    step(f"群众收到答复通知：{reply[0]['data']['thing3']['value']}")
    rated = call(
        "POST", f"{api}/messages/{created['id']}/rating", token, json={"score": "satisfied"}
    )
    step(f"群众评价“满意”，状态：{rated['status_label']}")
    print(f"\n第一幕完成，用时 {time.monotonic() - START:.2f} 秒。", flush=True)

    act_two(demo, api, sandbox_call, station, citizen, token, deputy_token, templates)
    act_three(demo, api, sandbox_call, login, station, deputy_token, templates)
    official_account(demo, api, sandbox_call, login, deputy, deputy_openid, deputy_token)
    phone_browser(api, station, deputy_token)
    print(f"\n闭环完成，用时 {time.monotonic() - START:.2f} 秒。沙箱里看通知：{sandbox}/")


def official_account(demo, api, sandbox_call, login, deputy, deputy_openid, deputy_token) -> None:
    """The second channel: template messages on the official account, by unionid."""
    if not demo.get("push_token"):
        step("（未使用沙箱的消息推送，跳过公众号演示）")
        return
    root = api.rsplit("/api/v1", 1)[0]
    sandbox_call(
        "POST", "push", json={"url": f"{root}/wechat/callback", "token": demo["push_token"]}
    )
    templates = demo["templates"]

    def follow(openid: str) -> str:
        delivered = sandbox_call("GET", "stats")["push"]["delivered"]
        oa_openid = sandbox_call("POST", "oa/follow", json={"openid": openid})["oa_openid"]
        wait_for(
            "关注事件推送到服务器",
            lambda: sandbox_call("GET", "stats")["push"]["delivered"] > delivered,
        )
        return oa_openid

    print("\n— 公众号模板消息（第二通道）—", flush=True)
    sandbox_call(
        "POST",
        "consent",
        json={"openid": deputy_openid, "template_id": templates["new_item"], "decision": "reject"},
    )
    sandbox_call("POST", "oa/follow", json={"openid": deputy_openid, "follow": False})
    deputy_oa = follow(deputy_openid)
    step(f"代表 {deputy['name']} 关闭了小程序的“新留言提醒”，关注了公众号")
    citizen = sandbox_call("POST", "users", json={"nickname": "没点允许的居民"})["openid"]
    token = login(citizen)["token"]
    citizen_oa = follow(citizen)
    step("另一位群众没有点“允许”（没有订阅次数），但关注了公众号")
    before = len(sandbox_call("GET", "oa/sent", params={"oa_openid": deputy_oa})["sent"])
    created = call(
        "POST",
        f"{api}/messages",
        token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"scene": deputy["scene"], "category": "城乡建设", "content": "小区东门的垃圾桶坏了"},
    )
    step(f"群众扫代表码提交，受理编号 {created['tracking_no']}")
    notice = wait_for(
        "代表的公众号消息",
        lambda: sandbox_call("GET", "oa/sent", params={"oa_openid": deputy_oa})["sent"][before:],
    )
    step(f"代表在公众号收到新留言提醒：{notice[0]['data']['thing3']}")
    wait_for(
        "交办",
        lambda: call("GET", f"{api}/messages/{created['id']}", token)["status"] != "received",
    )
    answer = call(
        "POST",
        f"{api}/deputy/messages/{created['id']}/replies",
        deputy_token,
        json={"content": "已请物业今天更换垃圾桶"},
    )
    step(f"代表答复（通知：{answer['notice']}）")
    reply = wait_for(
        "群众的公众号消息",
        lambda: sandbox_call("GET", "oa/sent", params={"oa_openid": citizen_oa})["sent"],
    )
    step(f"群众在公众号收到答复：{reply[0]['data']['thing3']}")
    # Put the deputy's subscribe consent back for the next run's first part.
    sandbox_call(
        "POST",
        "consent",
        json={"openid": deputy_openid, "template_id": templates["new_item"], "decision": "accept"},
    )


PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 Chrome/96.0 Mobile Safari/537.36"
)


def phone_browser(api: str, station: dict, deputy_token: str) -> None:
    """Someone with only a phone browser: the plain QR's form, then the follow link."""
    print("\n— 微信之外：手机浏览器扫普通二维码 —", flush=True)
    root = api.rsplit("/api/v1", 1)[0]
    browser = requests.Session()
    browser.headers["User-Agent"] = PHONE_BROWSER
    url = f"{root}/q/{station['scene']}"
    page = browser.get(url, timeout=15)
    category = re.findall(r'<option value="(\d+)"', page.text)[0]
    step(f"手机相机扫普通二维码，浏览器打开 {url}：留言表单（无需微信）")
    done = browser.post(
        url,
        data={"category": category, "content": "公交站的雨棚漏雨", "phone": "13800138000"},
        timeout=15,
    )
    if done.status_code != 201:
        fail(f"网页留言失败：{done.status_code} {done.text[:300]}")
    link = re.search(r'id="follow-link" href="([^"]+)"', done.text).group(1)
    tracking_no = re.search(r'id="tracking-no">(\d+)<', done.text).group(1)
    step(f"提交成功，受理编号 {tracking_no}，专属链接 {link}")
    token = link.rsplit("/t/", 1)[1]
    wait_for(
        "交办",
        lambda: call("GET", f"{api}/web/follow/{token}")["status"] != "received",
    )
    inbox = call("GET", f"{api}/deputy/inbox", deputy_token)
    item = next((i for i in inbox["items"] if i["tracking_no"] == tracking_no), None)
    if item is None:
        step("（该留言交给了其他代表，跳过答复）")
        return
    call(
        "POST",
        f"{api}/deputy/messages/{item['id']}/replies",
        deputy_token,
        json={"content": "已通知公交公司维修雨棚"},
    )
    followed = browser.get(link, timeout=15)
    shown = "已通知公交公司维修雨棚" in followed.text
    step(f"打开专属链接查看：{'看到了代表的答复' if shown else '还没有答复'}")


def act_two(demo, api, sandbox_call, station, citizen, token, deputy_token, templates) -> None:
    """交办: the deputy hands an item to a unit, the unit answers through its own system."""
    print("\n第二幕：代表转交承办单位，单位通过接口签收、答复", flush=True)
    units = demo.get("units") or []
    if not units:
        fail("demo.json 里没有承办单位：请重新运行 ./scripts/run")
    unit = units[0]
    for _ in range(2):  # one notice for the hand-over, one for the unit's answer
        sandbox_call(
            "POST",
            "consent",
            json={"openid": citizen, "template_id": templates["reply"], "decision": "accept"},
        )
    seen = len(sandbox_call("GET", "sent", params={"openid": citizen})["sent"])
    created = call(
        "POST",
        f"{api}/messages",
        token,
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={
            "scene": station["scene"],
            "category": "城乡建设",
            "content": "金竹南路人行道有一块地砖塌陷，下雨积水，已经有老人绊倒，请尽快维修。",
            "subscribed": [templates["reply"]],
        },
    )
    # A second 允许 on the item's page: one notice for the hand-over, one for the answer.
    call("POST", f"{api}/subscriptions", token, json={"accepted": [templates["reply"]]})
    step(f"群众又提交一件：{created['tracking_no']}，并允许接收两次通知")
    wait_for(
        "交办代表",
        lambda: call("GET", f"{api}/messages/{created['id']}", token)["status"] == "routed",
    )
    listed = call("GET", f"{api}/deputy/units", deputy_token)["units"]
    step(f"代表打开「转交单位」：可选 {'、'.join(u['name'] for u in listed)}")
    handed = call(
        "POST",
        f"{api}/deputy/messages/{created['id']}/transfer",
        deputy_token,
        json={"unit_id": unit["id"], "note": "人行道塌陷，请核实后尽快维修并答复群众"},
    )["transfer"]
    step(
        f"代表转交 {handed['unit']['name']}：应于 {handed['sign_due_at'][:10]} 前签收、"
        f"{handed['due_at'][:10]} 前答复"
    )
    told = wait_for(
        "群众的转交通知",
        lambda: sandbox_call("GET", "sent", params={"openid": citizen})["sent"][seen:],
    )
    step(
        f"群众收到通知：{told[0]['data']['thing3']['value']}（{told[0]['data']['name4']['value']}）"
    )

    key = unit["key"]
    inbox = call("GET", f"{api}/unit/transfers", key, params={"status": "handed"})["transfers"]
    mine = next((t for t in inbox if t["message"]["tracking_no"] == created["tracking_no"]), None)
    if mine is None:
        fail("单位的接口里没有这件事项")
    step(f"{unit['name']}的系统用接口密钥读到它：{mine['message']['content'][:16]}…")
    call("POST", f"{api}/unit/transfers/{mine['id']}/sign", key)
    step(f"{unit['name']}签收")
    call(
        "POST",
        f"{api}/unit/transfers/{mine['id']}/answer",
        key,
        json={
            "content": "已派维修班组更换塌陷地砖并疏通排水，12月5日前完工。感谢您的反映！",
            "result": "solved",
        },
    )
    step(f"{unit['name']}答复（已解决）")
    answered = wait_for(
        "群众的答复通知",
        lambda: sandbox_call("GET", "sent", params={"openid": citizen})["sent"][seen + 1 :],
    )
    step(f"群众收到答复通知：{answered[0]['data']['thing3']['value']}")
    detail = call("GET", f"{api}/messages/{created['id']}", token)
    for stage in detail["stages"]:
        step(
            f"  办理过程：{stage['stage']}（{stage['by']}，{stage['at'][5:16].replace('T', ' ')}）"
        )
    rated = call(
        "POST", f"{api}/messages/{created['id']}/rating", token, json={"score": "satisfied"}
    )
    step(f"群众对单位的答复评价“满意”，状态：{rated['status_label']}")


def _pdf() -> bytes:
    """A one-page answer document (the unit's 答复函), made here: the demo ships no files."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _dashboard(demo, who: str = "committee") -> tuple[requests.Session, str]:
    """The 代表工委 (or 金竹's clerk, `who="clerk"`) signs in to the dashboard as a browser
    does (the form's CSRF token)."""
    admin = demo["urls"]["admin"].rstrip("/")
    account = demo.get(who) or {}
    label = {"committee": "代表工委", "clerk": "联络站工作人员"}[who]
    if not account.get("password"):
        fail(f"demo.json 里没有{label}账号的密码：请删除 instance 目录后重新运行 ./scripts/run")
    browser = requests.Session()
    page = browser.get(f"{admin}/login", timeout=15).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = browser.post(
        f"{admin}/login",
        data={"username": account["username"], "password": account["password"],
              "csrf_token": token},
        allow_redirects=False,
        timeout=15,
    )  # fmt: skip
    if signed.status_code != 302:
        fail(f"{label}登录工作台失败：{signed.status_code}")
    return browser, admin


def _press(browser: requests.Session, admin: str, sid: int, action: str, **form) -> str:
    """Press a button on the suggestion's page; where it led (the redirect's Location)."""
    return _post(browser, admin, f"/suggestions/{sid}", f"/suggestions/{sid}/{action}", **form)


def _post(browser: requests.Session, admin: str, page_path: str, path: str, **form) -> str:
    page = browser.get(f"{admin}{page_path}", timeout=15).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{admin}{path}",
        data={"csrf_token": token, **form},
        allow_redirects=False,
        timeout=15,
    )
    if answer.status_code != 302:
        fail(f"工作台 {path} -> {answer.status_code}")
    return answer.headers.get("Location", "")


def act_three(demo, api, sandbox_call, login, station, deputy_token, templates) -> None:
    """代表建议: two citizens' items about the same road become one suggestion, reviewed and
    handed to a unit on the dashboard, answered with a PDF, rated by the 领衔 deputy."""
    print("\n第三幕：两位群众反映同一条路，代表提出建议，交办承办单位办理", flush=True)
    texts = (
        "金竹东路从 5 号到 40 号路面坑洼很多，下雨天积水，电动车经常摔倒。",
        "金竹东路路面破损严重，公交站附近有个大坑，晚上看不清，希望整修。",
    )
    people, ids = [], []
    for nickname, content in zip(("金竹东路居民甲", "金竹东路居民乙"), texts, strict=True):
        openid = sandbox_call("POST", "users", json={"nickname": nickname})["openid"]
        token = login(openid)["token"]
        sandbox_call(
            "POST",
            "consent",
            json={"openid": openid, "template_id": templates["progress"], "decision": "accept"},
        )
        created = call(
            "POST",
            f"{api}/messages",
            token,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            json={"scene": station["scene"], "category": "城乡建设", "content": content,
                  "subscribed": [templates["progress"]]},
        )  # fmt: skip
        people.append((openid, token))
        ids.append(created["id"])
        step(f"{nickname}提交：{created['tracking_no']}")
    for mid, (_, token) in zip(ids, people, strict=True):
        wait_for(
            "交办代表",
            lambda mid=mid, token=token: (
                call("GET", f"{api}/messages/{mid}", token)["status"] == "routed"
            ),
        )
    drafted = call(
        "POST",
        f"{api}/deputy/suggestions",
        deputy_token,
        json={
            "title": "关于整修金竹东路路面的建议",
            "content": "金竹东路 5 号至 40 号路段路面破损、雨天积水，群众多次反映"
            "（居民联系电话 139 8512 4466）。建议区城市管理局尽快整修，并完善排水设施。",
            "message_ids": ids,
        },
    )["suggestion"]
    step(f"代表把两件反映写成一条建议：《{drafted['title']}》（{drafted['status_label']}）")
    sent = call("POST", f"{api}/deputy/suggestions/{drafted['id']}/submit", deputy_token)
    step(f"代表提交建议：{sent['suggestion']['status_label']}")
    for openid, _ in people:
        told = wait_for(
            "群众的建议通知",
            lambda openid=openid: sandbox_call("GET", "sent", params={"openid": openid})["sent"],
        )
        step(f"群众收到通知：{told[-1]['data']['thing4']['value']}")

    unit = (demo.get("units") or [])[0]
    browser, admin = _dashboard(demo)
    _press(browser, admin, drafted["id"], "accept")
    _press(browser, admin, drafted["id"], "assign", unit_id=str(unit["id"]))
    key = unit["key"]
    handed = call("GET", f"{api}/unit/suggestions/{drafted['id']}", key)["suggestion"]
    step(
        f"代表工委在工作台审查通过，编号 {handed['number']}，交办{handed['unit']}，"
        f"应于 {handed['due_at'][:10]} 前答复"
    )
    call("POST", f"{api}/unit/suggestions/{drafted['id']}/sign", key)
    call(
        "POST",
        f"{api}/unit/suggestions/{drafted['id']}/meetings",
        key,
        # Beijing's date, as the server counts days (the machine's may be a day behind).
        json={"date": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat(), "form": "visit",
              "summary": "与领衔代表现场查看金竹东路，商定分两段整修"},
    )  # fmt: skip
    step(f"{unit['name']}签收，并与领衔代表面商（走访）")
    document = http.post(
        f"{api}/unit/suggestions/{drafted['id']}/documents",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("答复函.pdf", _pdf(), "application/pdf")},
        timeout=15,
    )
    if document.status_code != 201:
        fail(f"上传答复文件失败：{document.status_code} {document.text[:200]}")
    answered = call(
        "POST",
        f"{api}/unit/suggestions/{drafted['id']}/answer",
        key,
        json={"content": "已将金竹东路整修列入今年道路维修计划，12 月底前完成坑洼修补和排水改造。",
              "grade": "A", "document_id": document.json()["document_id"]},
    )["suggestion"]  # fmt: skip
    step(f"{unit['name']}上传答复文件（PDF）并答复：{answered['grade_label']}")
    rated = call(
        "POST",
        f"{api}/deputy/suggestions/{drafted['id']}/evaluation",
        deputy_token,
        json={"score": "satisfied", "communication": "good"},
    )["suggestion"]
    hidden = call("GET", f"{api}/unit/suggestions/{drafted['id']}", key)["suggestion"]
    step(
        f"领衔代表评价“满意”（{rated['status_label']}）；评价期内单位看到："
        f"{hidden.get('evaluation_note') or '评价'}"
    )

    # 双公开: the station's clerk proposes it, checks the redacted text and approves it.
    clerk, admin = _dashboard(demo, "clerk")
    review = _press(clerk, admin, drafted["id"], "publish")
    found = re.search(r"/publications/(\d+)", review)
    if not found:
        fail(f"公开审核页面不对：{review}")
    pub = int(found.group(1))
    side_by_side = clerk.get(f"{admin}/publications/{pub}", timeout=15).text
    if "139 8512 4466" not in side_by_side or "〔电话〕" not in side_by_side:
        fail("公开审核页面没有并排显示原文和脱敏后的文字")
    step("联络站工作人员提交公开：审核页并排显示原文和脱敏后的文字（电话号码已隐去）")
    public_url = f"{demo['urls']['public'].rstrip('/')}/suggestions/{pub}"
    if http.get(public_url, timeout=15).status_code != 404:
        fail("未经批准的建议已出现在公开页面上")
    _post(clerk, admin, f"/publications/{pub}", f"/publications/{pub}/approve")
    public = http.get(public_url, timeout=15)
    if public.status_code != 200 or "139 8512 4466" in public.text or "〔电话〕" not in public.text:
        fail(f"公开页面不对：{public.status_code}")
    step(f"批准公开：{public_url}（建议与答复一并公开，电话号码已隐去）")


if __name__ == "__main__":
    main()
