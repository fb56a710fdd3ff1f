"""Error pages in Chinese inside the dashboard's layout (the API keeps its JSON errors)."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import HTTPException

from server.admin import bp

MESSAGES = {
    400: "提交的内容无效，请返回重试",
    403: "没有权限查看或修改此内容",
    404: "找不到该内容，或您没有权限查看",
    405: "不支持该操作",
    422: "提交的内容有误，请检查后重试",
    429: "操作太频繁，请稍后再试",
}
CSRF_MESSAGE = "页面已过期或安全校验失败，请刷新页面后重新提交"


@bp.errorhandler(HTTPException)
def admin_http_error(error: HTTPException):
    code = error.code or 500
    message = CSRF_MESSAGE if error.description == "csrf" else MESSAGES.get(code, "出错了")
    return render_template("admin/error.html", code=code, message=message), code
