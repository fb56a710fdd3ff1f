"""What the audit log's actions mean to a person (the rows are written by server/models/audit.py
`audit()`, in the caller's transaction).

Every action needs a label here and every keyword its words in server/admin/audit_view.py:
the log is read by a supervisor, not a programmer (tests/admin/test_audit.py checks both).
"""

from __future__ import annotations

ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "station_created": "新建联络站",
    "station_updated": "修改联络站",
    "member_added": "添加驻站代表",
    "member_removed": "移除驻站代表",
    "deputy_created": "新建代表",
    "deputy_updated": "修改代表",
    "invite_created": "生成邀请码",
    "deputy_rebound": "代表更换绑定微信",
    "phone_viewed": "查看联系电话",
    "shift_created": "新增值班规则",
    "reception_published": "发布接待预告",
    "reception_cancelled": "取消接待日",
    "shift_updated": "修改值班规则",
    "shift_deleted": "删除值班规则",
    "register_exported": "导出登记簿",
    "poster_downloaded": "下载海报",
    "job_retried": "重试任务",
    "user_created": "新建账号",
    "user_updated": "修改账号",
    "calendar_day_added": "录入节假日/调休",
    "calendar_day_removed": "删除节假日/调休",
    "calendar_pasted": "粘贴录入节假日安排",
    # What staff do on one item (its timeline has the same as Event rows).
    "item_viewed": "查看事项",
    "photo_viewed": "查看照片",
    "item_reassigned": "改派代表",
    "item_rejected": "不予受理",
    "item_closed": "办结",
    "item_replied": "联络站答复",
    "notice_retried": "重新发送通知",
    "walk_in_created": "来访登记",
    # 等保 2.0: one's own account, the security administrator's work, the audit log itself.
    "password_changed": "修改本人密码",
    "totp_enrolled": "绑定动态口令",
    "totp_reset": "重置动态口令",
    "login_unlocked": "解除登录锁定",
    "audit_exported": "导出操作记录",
    "unit_created": "新建承办单位",
    "unit_updated": "修改承办单位",
    "unit_key_issued": "签发单位接口密钥",
    "unit_key_revoked": "停用单位接口密钥",
    "item_transferred": "转交承办单位",
    "unit_signed": "承办单位签收",
    "unit_answered": "承办单位答复",
    "unit_returned": "承办单位退回",
    "item_supervised": "督办",
    "item_merged": "合并重复反映",
    "revisit_recorded": "记录回访结果",
}
# Actions that change an item: what a supervisor reviews ("who refused what, and why").
ITEM_ACTIONS = (
    "item_reassigned",
    "item_rejected",
    "item_closed",
    "item_replied",
    "notice_retried",
    "walk_in_created",
    "item_transferred",
    "unit_signed",
    "unit_answered",
    "unit_returned",
    "item_supervised",
    "item_merged",
    "revisit_recorded",
)
