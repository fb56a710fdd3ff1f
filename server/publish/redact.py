"""Redaction of what a citizen wrote before anything is published (双公开).

Regular expressions, not a library, and on purpose: the maintained Chinese NLP packages that
extract phone numbers or ID numbers (jionlp and the like) bring tens of megabytes of
dictionaries for what is a handful of patterns here, know nothing of 「我叫…」 or of
house numbers, and would still need our own rules for what must NOT be touched (tracking
numbers, dates, amounts). Each rule below is one row of `RULES`, applied in order (longer
number shapes first, so an ID number is never half-taken as a phone number); the number rules keep
digits that are part of a longer run of digits (or, except for mobiles, of letters: a parcel
number such as SF1234567890123) alone, which is what keeps dates, amounts and tracking numbers
whole. Where the two pull apart, privacy wins: 11 digits after letters are taken as a mobile.

`redact(text, names=...)` answers the redacted text and what was taken out (`Span`), for the
side-by-side view staff approve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# What each kind becomes on a public page.
REPLACEMENTS: dict[str, str] = {
    "id_number": "〔身份证号〕",
    "bank_card": "〔银行卡号〕",
    "mobile": "〔电话〕",
    "landline": "〔电话〕",
    "plate": "〔车牌号〕",
    "house": "〔门牌号〕",
    "name": "某某",
}
KIND_LABELS: dict[str, str] = {
    "id_number": "身份证号",
    "bank_card": "银行卡号",
    "mobile": "手机号",
    "landline": "座机号",
    "plate": "车牌号",
    "house": "门牌号",
    "name": "姓名",
}

# Not part of a longer run of digits or Latin letters (tracking numbers, parcel numbers).
_L = r"(?<![0-9A-Za-z])"
_R = r"(?![0-9A-Za-z])"
_SEP = r"[ \-\u2010-\u2015]?"  # a space or any dash between digit groups

# The most common surnames (about nine in ten people carry one of these), single and compound:
# a name after 「我是」 or before 先生/女士 must start with one, so 「我是金竹社区居民」 stays.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧"
    "闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池麻苑迟邝"
)
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木"
_SURNAME = f"(?:{_COMPOUND}|[{SURNAMES}])"
_HAN = r"[\u4e00-\u9fff]"
# Where a written name ends: punctuation, a space, the end, or the words that follow a name.
_NAME_END = (
    r"(?=$|[^\u4e00-\u9fff]|电话|手机|联系|住|家住|今年|是|在|的|和|与|向|想|要|反映|反应|"
    r"投诉|咨询|求助|建议|居民|业主|先生|女士|老人|大爷|阿姨|师傅|同志|本人|一家|家里)"
)
_TITLE = "先生|女士|小姐|阿姨|大爷|大妈|大姐|大哥|师傅|奶奶|爷爷|老师|同志"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"


@dataclass(frozen=True)
class Span:
    kind: str
    original: str
    replacement: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Redacted:
    text: str
    spans: tuple[Span, ...]


def _id_checksum_ok(number: str) -> bool:
    """GB 11643-1999's check digit (mod 11-2): 18 digits that are not an ID number stay a
    candidate for a bank card rather than being called an ID."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# (kind, pattern, group to replace or None for the whole match, check on the match or None)
RULES: tuple[tuple[str, re.Pattern[str], str | None, object], ...] = (
    # 18-digit ID numbers, the last may be X; written in one run or grouped 6-8-4.
    (
        "id_number",
        re.compile(
            _L + r"\d{6}" + _SEP + r"(?:19|20)\d{2}[01]\d[0-3]\d" + _SEP + r"\d{3}[0-9Xx]" + _R
        ),
        None,
        lambda m: _id_checksum_ok(_digits(m.group(0)[:-1]) + m.group(0)[-1]),
    ),
    # Bank cards: 16 to 19 digits, in one run or in groups of four.
    (
        "bank_card",
        re.compile(_L + r"(?:\d{16,19}|\d{4}(?:[ \-]\d{4}){3}(?:[ \-]?\d{1,3})?)" + _R),
        None,
        lambda m: 16 <= len(_digits(m.group(0))) <= 19,
    ),
    # Mobiles: 1[3-9] and nine more, grouped 3-4-4 with spaces or dashes, +86 / 0086 / (86).
    (
        "mobile",
        # Only digits bound a mobile: letters before it (Tel13812345678) must not save it;
        # a longer run of digits (a tracking number) does.
        re.compile(
            r"(?<!\d)(?:(?:\+|00|＋)?\(?86\)?"
            + _SEP
            + r")?1[3-9]\d"
            + _SEP
            + r"\d{4}"
            + _SEP
            + r"\d{4}(?!\d)"
        ),
        None,
        None,
    ),
    # Landlines: an area code 0xx / 0xxx, then 7 or 8 digits, with a dash, a space or
    # brackets between (a bare run of digits is more often a tracking number); optional 转 ext.
    (
        "landline",
        re.compile(
            _L
            + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[ \-\u2010-\u2015])\s?[2-9]\d{2,3}[ \-]?\d{4}"
            + r"(?:\s?(?:转|-)\s?\d{1,5})?"
            + _R
        ),
        None,
        None,
    ),
    # A 7- or 8-digit local number right after 电话/座机/固话 (the area code left out).
    (
        "landline",
        re.compile(
            r"(?:电话|座机|固话|联系方式)(?:号码|号)?[是为:：\s]*(?P<v>[2-9]\d{2,3}-?\d{4})" + _R
        ),
        "v",
        None,
    ),
    # Car plates: a province, a letter, then five (or six, new energy) letters or digits.
    (
        "plate",
        re.compile(
            rf"[{_PROVINCES}][A-HJ-NP-Za-hj-np-z][·•\s]?[A-HJ-NP-Z0-9]{{5,6}}(?![0-9A-Za-z])"
        ),
        None,
        lambda m: any(c.isdigit() for c in m.group(0)),
    ),
    # House numbers: …号 after a road, lane or village name or before 楼/栋/单元/室, with any
    # 栋/幢/单元/楼/室 that follow; or the 栋-单元-室 chain alone; or 门牌(号) and what follows.
    (
        "house",
        re.compile(
            r"(?:(?<=[路街巷弄道里村组区苑园城院])S\d+(?:-\d+)?S号(?:S\d+S(?:号楼|栋|幢|座|单元|楼|层|室|号|户))*"
            r"|(?<![0-9A-Za-z])\d+(?:-\d+)?S号S(?:楼|院)(?:S\d+S(?:栋|幢|座|单元|楼|层|室|号|户))*"
            r"|(?<![0-9A-Za-z])\d+S(?:栋|幢|座)(?:S\d+S(?:单元|楼|层|室|号|户))+"
            r"|(?<![0-9A-Za-z])\d+S单元(?:S\d+S(?:楼|层|室|号|户))*"
            r"|(?<![0-9A-Za-z])\d{3,4}S(?:室|房)"
            r"|门牌号?[是为:：\s]*[0-9A-Za-z\-号栋幢单元楼层室]+)".replace("S", "[ \u3000]?")
        ),
        None,
        None,
    ),
    # A name the citizen wrote after 我叫, 姓名, 联系人, 本人, 我是 (the last two: only a
    # surname-led name, so 「我是金竹社区居民」 stays).
    (
        "name",
        re.compile(
            r"(?:我叫|名叫|叫做|姓名|联系人|联络人|签名|落款)[是为:：\s]*(?P<v>"
            + _HAN
            + r"{2,4}?)"
            + _NAME_END
        ),
        "v",
        None,
    ),
    # 某先生 forms: a full name before a title (请周海燕女士 → 请某女士), when what comes
    # before it is no Chinese or a word that leads to a person (请, 的, 给, 找 …) — so a word's
    # last character is never taken for a surname.
    (
        "name",
        re.compile(
            r"(?:(?<![\u4e00-\u9fff])|(?<=[请的给找和与向叫是位问知系告])|(?<=转告))(?P<v>"
            + _SURNAME
            + _HAN
            + r"{1,2})(?="
            + _TITLE
            + r")"
        ),
        "v",
        None,
    ),
    # … and the surname alone: 张先生 → 某先生.
    ("name", re.compile(r"(?P<v>" + _SURNAME + r")(?=" + _TITLE + r")"), "v", None),
    (
        "name",
        re.compile(
            r"(?:我是|本人|我姓名是)[:：\s]*(?P<v>" + _SURNAME + _HAN + r"{1,2}?)" + _NAME_END
        ),
        "v",
        lambda m: not m.group("v").endswith(("社", "区", "村", "街", "路", "楼", "市")),
    ),
)


def redact(text: str, names: Iterable[str] = ()) -> Redacted:
    """`text` with every personal detail replaced; `names`: the citizen's own recorded names,
    taken out wherever they appear."""
    if not text:
        return Redacted(text or "", ())
    spans: list[Span] = []
    out = text
    for name in sorted(
        {n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True
    ):
        if name in out:
            spans.extend(Span("name", name, REPLACEMENTS["name"]) for _ in range(out.count(name)))
            out = out.replace(name, REPLACEMENTS["name"])
    for kind, pattern, group, check in RULES:
        out = _apply(out, kind, pattern, group, check, spans)
    return Redacted(out, tuple(spans))


def _apply(text, kind, pattern, group, check, spans) -> str:
    replacement = REPLACEMENTS[kind]
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if check is not None and not check(match):
            continue
        start, end = match.span(group) if group else match.span()
        if start < last:
            continue
        original = text[start:end]
        # 张先生 → 某先生: the surname alone becomes 某.
        value = "某" if kind == "name" and _is_title_form(text, end) else replacement
        pieces.append(text[last:start])
        pieces.append(value)
        spans.append(Span(kind, original, value))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


_TITLES = (
    "先生",
    "女士",
    "小姐",
    "阿姨",
    "大爷",
    "大妈",
    "大姐",
    "大哥",
    "师傅",
    "奶奶",
    "爷爷",
    "老师",
    "同志",
)


def _is_title_form(text: str, end: int) -> bool:
    return text.startswith(_TITLES, end)


def redact_fields(fields: dict[str, str], names: Iterable[str] = ()) -> dict[str, Redacted]:
    names = tuple(names)
    return {key: redact(value or "", names) for key, value in fields.items()}
