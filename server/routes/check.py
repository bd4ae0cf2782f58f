"""The employer's check page (outside the API, no login): open a referral slip by QR code or typed codes, confirm.

``GET /r/<code>?t=<token>`` is what the slip's QR code holds; ``GET /r`` asks
for the printed code and check code (``POST /r``); ``POST /r/<code>`` records
the employer's answer. Every answer is an HTML page in Chinese, a refusal too
(4xx with the reason, never a 500 for anything the employer typed).
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from server.check_page import entry_page, referral_page, refusal_page
from server.services import employer_check as check
from shared.models import utc_now
from shared.referrals import CHECK_PATH

PREFIX = ""
router = APIRouter(prefix=CHECK_PATH, include_in_schema=False)
log = logging.getLogger("doorstep.server")
MAX_FIELD_CHARS = 100
FORM_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=NO_STORE)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form's fields (first value each, cut to a bounded length); None when it is not a form."""
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != FORM_TYPE:
        return None
    try:
        text = (await request.body()).decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, strict_parsing=False, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0][:MAX_FIELD_CHARS] for name, values in fields.items() if values}


async def _run(request: Request, work, refused_page=None) -> HTMLResponse:
    """Run the service in a worker thread on its own connection; a refusal becomes its Chinese page."""
    engine, settings = request.app.state.engine, request.app.state.settings

    def call():
        with engine.connect() as conn:
            return work(conn, settings)
    try:
        return await run_in_threadpool(call)
    except check.CheckRefused as refused:
        if refused.view is not None and refused_page is not None:
            return _html(refused_page(refused), refused.status)
        return _html(refusal_page(refused.message), refused.status)
    except (OperationalError, PoolTimeout) as error:
        log.warning("check page: database busy (%s)", type(error).__name__)
        return _html(refusal_page("系统繁忙，请稍后刷新重试。"), 503)


@router.get("")
def entry() -> HTMLResponse:
    return _html(entry_page())


@router.post("")
async def open_typed(request: Request) -> HTMLResponse:
    form = await _form(request)
    if form is None:
        return _html(entry_page("请填写推荐码和核对码后提交。"), 400)
    credential = check.Credential(code=form.get("code", ""), check=form.get("c", ""))
    if not credential.check.strip():
        return _html(entry_page("请填写核对码（推荐码旁的 6 位字母数字）。", credential.code), 400)

    def work(conn, settings):
        view = check.open_referral(conn, settings, credential, _address(request), utc_now())
        return _html(referral_page(view, check.Credential(view.code, check=credential.check)))
    return await _run(request, work)


@router.get("/{code}")
async def open_scanned(request: Request, code: str, t: str = "") -> HTMLResponse:
    credential = check.Credential(code=code[:MAX_FIELD_CHARS], token=t[:MAX_FIELD_CHARS])
    if not credential.token.strip():
        return _html(entry_page("请输入推荐单上的核对码。", code[:MAX_FIELD_CHARS]), 200)

    def work(conn, settings):
        view = check.open_referral(conn, settings, credential, _address(request), utc_now())
        return _html(referral_page(view, credential))
    return await _run(request, work)


@router.post("/{code}")
async def confirm(request: Request, code: str) -> HTMLResponse:
    form = await _form(request)
    if form is None:
        return _html(refusal_page("提交的内容无法识别，请返回重新填写。"), 400)
    credential = check.Credential(code=code[:MAX_FIELD_CHARS], token=form.get("t", ""), check=form.get("c", ""))
    answer = check.Answer(status=form.get("status", ""), start_on=form.get("start_on", ""),
                          reason=form.get("reason", ""))

    def work(conn, settings):
        view = check.confirm(conn, settings, credential, answer, _address(request), utc_now())
        return _html(referral_page(view, credential, message="已提交，谢谢！社区协管员同步后即可看到这一结果。"))

    def again(refused: check.CheckRefused) -> str:
        return referral_page(refused.view, credential, message=refused.message, refused=True)
    return await _run(request, work, again)


@router.get("/{code}/{rest:path}")
def unknown_page(code: str, rest: str) -> HTMLResponse:
    """An address under /r that is no slip's (a mistyped or cut link): the entry form, in Chinese."""
    return _html(entry_page("这个网址不完整：请重新扫描推荐单上的二维码，或输入推荐码和核对码。"), 404)
