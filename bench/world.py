"""The benchmark's people: a station with bound deputies, and a pool of signed-in citizens."""

from __future__ import annotations

import io
import random
import time
import uuid
from dataclasses import dataclass

import aiohttp
import requests
from PIL import Image

from bench.stack import Stack

SENTENCES = [
    "金竹西路 32 号门口的路灯坏了一个多月，晚上老人出门很不安全，希望尽快修好。",
    "小区门口的公交站牌被车撞歪了，下雨天等车没有地方避雨，请帮忙反映给公交公司。",
    "菜市场旁边的垃圾桶经常满了没人清，夏天味道很大，希望增加清运次数。",
    "学校门口早上接送孩子的车太多，经常堵到主路上，建议设置临时停车位和协管员。",
    "社区卫生服务中心周末不开门，老人看病要跑很远，能不能周六上午开半天？",
    "新建的小区还没有通燃气，冬天快到了，住户做饭取暖都不方便，请帮忙催一下。",
    "河边步道的栏杆有好几处松动，小孩经常在那里玩，存在安全隐患。",
    "希望在村里增加一个快递代收点，现在取快递要去镇上，来回一个小时。",
]
CATEGORIES = ["城乡建设", "交通出行", "环境保护", "教育", "医疗卫生", "社会保障", "其他"]


def photo_bytes() -> bytes:
    image = Image.effect_noise((800, 600), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@dataclass
class World:
    stack: Stack
    scene: str
    deputy_openids: list[str]
    tokens: list[str]
    photo: bytes

    @classmethod
    def build(cls, stack: Stack, citizens: int = 300, deputies: int = 3) -> World:
        from server.identity.binding import issue_invite
        from server.models import Deputy, DutyShift, Station, StationMember
        from server.platform.db import db

        every_day = [1, 2, 3, 4, 5, 6, 7]
        with stack.app().app_context():
            station = Station(name="基准测试联络站", address="测试路 1 号")
            db.session.add(station)
            db.session.flush()
            codes = []
            for i in range(deputies):
                expertise = ["城建环保"] if i == 0 else []
                deputy = Deputy(name=f"代表{i}", level="县", expertise=expertise)
                db.session.add(deputy)
                db.session.flush()
                db.session.add(StationMember(station_id=station.id, deputy_id=deputy.id))
                db.session.add(
                    DutyShift(
                        station_id=station.id, deputy_id=deputy.id, kind="weekly", days=every_day
                    )
                )
                codes.append(issue_invite(deputy, by_admin=True).code)
            db.session.commit()
            scene = station.scene
        http = requests.Session()
        api, sandbox = f"{stack.web_url}/api/v1", f"{stack.sandbox_url}/sandbox"

        def login() -> tuple[str, str]:
            openid = http.post(f"{sandbox}/users", json={}).json()["openid"]
            code = http.post(f"{sandbox}/login_code", json={"openid": openid}).json()["code"]
            token = http.post(f"{api}/auth/wechat", json={"code": code}).json()["token"]
            return openid, token

        deputy_openids = []
        for code in codes:
            openid, token = login()
            http.post(
                f"{api}/deputy/bind",
                json={"invite_code": code},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
            http.post(
                f"{sandbox}/consent",
                json={
                    "openid": openid,
                    "template_id": _template(stack, "new_item"),
                    "decision": "accept",
                },
            ).raise_for_status()
            deputy_openids.append(openid)
        tokens = [login()[1] for _ in range(citizens)]
        return cls(stack, scene, deputy_openids, tokens, photo_bytes())

    def submission(self, photo_share: float = 0.2, record: dict | None = None):
        """A task for the load generator: one citizen's submission (photo upload first,
        sometimes). With `record`, remembers tracking number -> start time (end-to-end runs)."""
        api = f"{self.stack.web_url}/api/v1"
        rng = random.Random(7)
        plan = [rng.random() < photo_share for _ in range(1_000_000)]

        async def task(session: aiohttp.ClientSession, index: int) -> int:
            started = time.time()
            token = self.tokens[index % len(self.tokens)]
            headers = {"Authorization": f"Bearer {token}"}
            photos = []
            if plan[index % len(plan)]:
                form = aiohttp.FormData()
                form.add_field("file", self.photo, filename="p.jpg", content_type="image/jpeg")
                async with session.post(f"{api}/uploads", data=form, headers=headers) as response:
                    if response.status != 201:
                        return response.status
                    photos.append((await response.json())["upload_id"])
            body = {
                "scene": self.scene,
                "category": CATEGORIES[index % len(CATEGORIES)],
                "content": SENTENCES[index % len(SENTENCES)] + f"（第{index}条）",
                "photos": photos,
                "anonymous": index % 5 == 0,
            }
            headers["Idempotency-Key"] = uuid.uuid4().hex
            async with session.post(f"{api}/messages", json=body, headers=headers) as response:
                answer = await response.json(content_type=None)
                if record is not None and response.status == 201:
                    record[answer["tracking_no"]] = started
                return response.status

        return task

    def upload(self):
        """A task: one photo upload (decode, re-encode without metadata, store)."""
        api = f"{self.stack.web_url}/api/v1"

        async def task(session: aiohttp.ClientSession, index: int) -> int:
            form = aiohttp.FormData()
            form.add_field("file", self.photo, filename="p.jpg", content_type="image/jpeg")
            headers = {"Authorization": f"Bearer {self.tokens[index % len(self.tokens)]}"}
            async with session.post(f"{api}/uploads", data=form, headers=headers) as response:
                await response.read()
                return response.status

        return task

    def floor(self):
        url = f"{self.stack.web_url}/bench/floor"

        async def task(session: aiohttp.ClientSession, index: int) -> int:
            body = {
                "category": CATEGORIES[index % len(CATEGORIES)],
                "content": SENTENCES[index % len(SENTENCES)],
            }
            async with session.post(url, json=body) as response:
                await response.read()
                return response.status

        return task


def _template(stack: Stack, kind: str) -> str:
    from wechat_sandbox import defaults

    return {"new_item": defaults.TEMPLATE_NEW_ITEM, "reply": defaults.TEMPLATE_REPLY}[kind]
