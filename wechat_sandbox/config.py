"""The sandbox's settings: defaults.py, overridden per app by `create_sandbox_app(settings)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wechat_sandbox import defaults
from wechat_sandbox.datatypes import DATA_TYPES

TEMPLATE_KINDS = ("one_time", "long_term")

# Setting name -> (attribute, default). Every name is also accepted in lower case.
_SETTINGS: dict[str, tuple[str, Any]] = {
    "APPID": ("appid", defaults.APPID),
    "SECRET": ("secret", defaults.SECRET),
    "TEMPLATES": ("templates", defaults.TEMPLATES),
    "PAGES": ("pages", defaults.PAGES),
    "PUBLIC_NAME": ("public_name", defaults.PUBLIC_NAME),
    "ORIGINAL_ID": ("original_id", defaults.ORIGINAL_ID),
    "DEFAULT_CODE_PAGE": ("default_code_page", defaults.DEFAULT_CODE_PAGE),
    "SEC_RISKY_WORDS": ("risky_words", defaults.SEC_RISKY_WORDS),
    "SEC_REVIEW_WORDS": ("review_words", defaults.SEC_REVIEW_WORDS),
    "OA_APPID": ("oa_appid", defaults.OA_APPID),
    "OA_SECRET": ("oa_secret", defaults.OA_SECRET),
    "OA_ORIGINAL_ID": ("oa_original_id", defaults.OA_ORIGINAL_ID),
    "OA_TEMPLATES": ("oa_templates", defaults.OA_TEMPLATES),
    "OA_DAILY_QUOTA": ("oa_daily_quota", defaults.OA_DAILY_QUOTA),
    # Lifetimes in seconds, WeChat's values; tests shorten them instead of waiting.
    "TOKEN_TTL": ("token_ttl", 7200.0),
    "CODE_TTL": ("code_ttl", 300.0),
    "PHONE_CODE_TTL": ("phone_code_ttl", 300.0),
    "ACTIVE_TTL": ("active_ttl", 7200.0),
    # Seconds one push to the app may take before it counts as failed.
    "PUSH_TIMEOUT": ("push_timeout", 3.0),
}


@dataclass(frozen=True)
class SandboxConfig:
    appid: str
    secret: str
    templates: dict
    pages: tuple
    public_name: str
    original_id: str
    default_code_page: str
    risky_words: tuple
    review_words: tuple
    oa_appid: str
    oa_secret: str
    oa_original_id: str
    oa_templates: dict
    oa_daily_quota: int
    token_ttl: float
    code_ttl: float
    phone_code_ttl: float
    active_ttl: float
    push_timeout: float

    @classmethod
    def from_settings(cls, settings: dict | None = None) -> SandboxConfig:
        values = {attr: default for attr, default in _SETTINGS.values()}
        for name, value in (settings or {}).items():
            key = name.upper()
            if key not in _SETTINGS:
                # A typo in a test's settings should fail loudly, not be ignored.
                raise ValueError(f"unknown sandbox setting: {name}")
            values[_SETTINGS[key][0]] = value
        values["pages"] = tuple(values["pages"])
        values["risky_words"] = tuple(values["risky_words"])
        values["review_words"] = tuple(values["review_words"])
        _check_templates(values["templates"])
        return cls(**values)


def _check_templates(templates: dict) -> None:
    for template_id, template in templates.items():
        if template.get("kind") not in TEMPLATE_KINDS:
            raise ValueError(f"template {template_id}: kind must be one of {TEMPLATE_KINDS}")
        for key, data_type in template.get("fields", {}).items():
            if data_type not in DATA_TYPES:
                raise ValueError(
                    f"template {template_id}: field {key} has unknown type {data_type}"
                )
