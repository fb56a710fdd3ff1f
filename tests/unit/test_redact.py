"""The redaction table (server/publish/redact.py): what is taken out of a citizen's text before
it is published, and what must stay exactly as written."""

from __future__ import annotations

import pytest

from server.publish.redact import redact

PHONE = "〔电话〕"
ID = "〔身份证号〕"
CARD = "〔银行卡号〕"
PLATE = "〔车牌号〕"
HOUSE = "〔门牌号〕"

TAKEN_OUT = [
    # mobiles
    ("我的电话13812345678，请回电", f"我的电话{PHONE}，请回电"),
    ("手机 138 1234 5678 随时打", f"手机 {PHONE} 随时打"),
    ("联系方式：138-1234-5678", f"联系方式：{PHONE}"),
    ("+86 139 0000 1111 是我儿子的", f"{PHONE} 是我儿子的"),
    ("+8615985112233", PHONE),
    ("(86)18685112233有事打", f"{PHONE}有事打"),
    ("电话是17708511234。", f"电话是{PHONE}。"),
    ("Tel:13812345678", f"Tel:{PHONE}"),
    ("微信号wx13812345678", f"微信号wx{PHONE}"),
    # landlines
    ("座机0851-85123456", f"座机{PHONE}"),
    ("打（0851）85123456找我", f"打{PHONE}找我"),
    ("010 6512 3456 转 8021", PHONE),
    ("家里电话5812345，白天有人", f"家里电话{PHONE}，白天有人"),
    # ID numbers
    ("身份证号11010519491231002X，", f"身份证号{ID}，"),
    ("身份证 110105194912310011 已丢", f"身份证 {ID} 已丢"),
    ("证件号11010519491231002x", f"证件号{ID}"),
    # bank cards
    ("补贴打到6222021234567890123里", f"补贴打到{CARD}里"),
    ("卡号 6222 0212 3456 7890", f"卡号 {CARD}"),
    ("卡号6217-0012-3456-7890-123", f"卡号{CARD}"),
    # car plates
    ("车牌贵A12345的车天天堵门", f"车牌{PLATE}的车天天堵门"),
    ("新能源车粤BD12345乱停", f"新能源车{PLATE}乱停"),
    ("京A·C8888占了消防通道", f"{PLATE}占了消防通道"),
    # names the citizen wrote
    ("我叫张三，住金竹社区", "我叫某某，住金竹社区"),
    ("我叫欧阳娜娜电话多少都行", "我叫某某电话多少都行"),
    ("联系人：李秀英", "联系人：某某"),
    ("姓名 王小明；事由：漏水", "姓名 某某；事由：漏水"),
    ("我是刘德华，金竹社区居民", "我是某某，金竹社区居民"),
    ("楼下的张先生和李女士都反映过", "楼下的某先生和某女士都反映过"),
    ("请联系黄阿姨", "请联系某阿姨"),
    ("请周海燕女士留意", "请某女士留意"),
    ("社区主任李女士说", "社区主任某女士说"),
    # house numbers
    ("住金竹西路18号3栋2单元501室", f"住金竹西路{HOUSE}"),
    ("花溪区清溪路8-2号楼下", f"花溪区清溪路{HOUSE}楼下"),
    ("小区5栋2单元漏水", f"小区{HOUSE}漏水"),
    ("我家1202室天花板掉灰", f"我家{HOUSE}天花板掉灰"),
    ("门牌号：A12-3 附近", f"{HOUSE} 附近"),
    ("3号楼2单元门口", f"{HOUSE}门口"),
    ("住金竹西路 46 号 2 栋 3 单元 402 室，", f"住金竹西路{HOUSE}，"),
    # several at once
    (
        "我叫陈明，电话13912345678，身份证520102198001011235，住中山路12号",
        None,
    ),
]


@pytest.mark.parametrize(("text", "expected"), TAKEN_OUT)
def test_personal_details_are_taken_out(text, expected):
    result = redact(text)
    if expected is not None:
        assert result.text == expected
    assert result.spans, "nothing was recorded as taken out"
    for span in result.spans:
        assert span.original not in result.text or span.kind == "name"


def test_several_details_at_once():
    text = "我叫陈明，电话13912345678，身份证110105194912310011，住中山路12号"
    result = redact(text)
    assert result.text == f"我叫某某，电话{PHONE}，身份证{ID}，住中山路{HOUSE}"
    assert {s.kind for s in result.spans} == {"name", "mobile", "id_number", "house"}


def test_the_citizens_recorded_name_is_taken_out_wherever_it_appears():
    result = redact("麻烦转告赵大海本人，赵大海家的下水道堵了", names=["赵大海"])
    assert result.text == "麻烦转告某某本人，某某家的下水道堵了"
    assert "赵大海" not in result.text


UNTOUCHED = [
    "2026年12月1日下午3点来过",
    "12月18号开始停水",
    "12 月 18 号开始停水",
    "2026-12-01 14:30 反映的",
    "补偿款12000元，每月1500.50元",
    "拖欠工资3,200,000元",
    "查询编号26120112345678还没人回",
    "快递单号SF1234567890123丢了",
    "中通快递75312345678901",
    "拨打12345热线没用",
    "金竹西路和中山路路口的红绿灯坏了",
    "我是金竹社区居民",
    "我是一名退休教师",
    "金竹社区3个小区共1200户",
    "王建国代表上次接待时说会跟进",
    "第3次反映了，已经等了15个工作日",
    "体温37.5度，血压140/90",
    "这位先生说得对",
    "和老师们一起反映",
    "面积89.5平方米，单价9800元",
    "2026年第3季度",
    "车速60公里每小时",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_what_is_not_personal_stays_as_written(text):
    result = redact(text)
    assert result.text == text
    assert result.spans == ()


def test_an_18_digit_number_that_is_no_id_is_still_taken_out_as_a_card():
    # Fails the ID check digit, but 18 digits in one run is a bank card's length.
    result = redact("号码110105194912310022")
    assert result.text == f"号码{CARD}"


def test_empty_text():
    assert redact("").text == "" and redact("").spans == ()
