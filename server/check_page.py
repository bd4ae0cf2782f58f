"""The employer's check page as HTML: Chinese, phone-sized, no script; built from a ``ReferralView`` only.

Every value is escaped. Nothing here reads the database: what a page can show
is what ``server.services.employer_check.ReferralView`` holds (the position,
the date, the masked surname, the recorded steps), never an ID number, phone
or address.
"""
from __future__ import annotations

from html import escape
from typing import Optional

from server.services.employer_check import Credential, ReferralView
from shared.referrals import CHECK_CODE_LENGTH, CHECK_PATH, NOT_HIRED_REASONS, format_code
from shared.vocab import ReferralStatus, label_zh

_STYLE = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;
background:#f4f6f8;color:#1b1f23;font-size:17px;line-height:1.5}
main{max-width:480px;margin:0 auto;padding:16px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:20px 0 8px}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:12px 0;box-shadow:0 1px 3px #0002}
dl{margin:0;display:grid;grid-template-columns:6em 1fr;row-gap:6px}dt{color:#555}dd{margin:0;font-weight:600}
label{display:block;padding:10px 0;font-size:18px}input[type=radio]{transform:scale(1.4);margin-right:10px}
input[type=date],input[type=text],select{font-size:18px;padding:8px;width:100%;box-sizing:border-box;
border:1px solid #999;border-radius:6px;margin-top:4px}
.sub{margin:4px 0 0 34px}button{font-size:19px;padding:12px;width:100%;border:0;border-radius:8px;
background:#1565c0;color:#fff;margin-top:14px}
.note{color:#555;font-size:15px}.refused{border-left:5px solid #c62828}.done{border-left:5px solid #2e7d32}
ul{padding-left:20px;margin:0}
"""


def page(title: str, body: str) -> str:
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>")


def _hidden(credential: Credential) -> str:
    if credential.token:
        return f'<input type="hidden" name="t" value="{escape(credential.token)}">'
    return f'<input type="hidden" name="c" value="{escape(credential.check)}">'


def _facts(view: ReferralView) -> str:
    position = escape(view.position) + (f"（{escape(view.employer_name)}）" if view.employer_name else "")
    status = escape(label_zh(view.status))
    if view.status_on and view.status != ReferralStatus.referred.value:
        status += f"（{view.status_on.isoformat()}）"
    return (f'<div class="card"><dl><dt>推荐岗位</dt><dd>{position}</dd>'
            f"<dt>推荐日期</dt><dd>{view.referred_on.isoformat()}</dd>"
            f"<dt>求职人</dt><dd>{escape(view.person or '（未填）')}</dd>"
            f"<dt>推荐码</dt><dd>{escape(format_code(view.code))}</dd>"
            f'<dt>当前状态</dt><dd id="status">{status}</dd></dl></div>')


def _steps(view: ReferralView) -> str:
    if not view.steps:
        return ""
    items = "".join(
        f"<li>{step.occurred_on.isoformat()} {escape(label_zh(step.status))}"
        + (f"，{escape(step.note)}" if step.note else "")
        + ("（用人单位确认）" if step.by_employer else "（社区协管员记录）") + "</li>"
        for step in view.steps)
    return f'<div class="card"><h2>已记录的结果</h2><ul>{items}</ul></div>'


def _form(view: ReferralView, credential: Credential) -> str:
    if not view.choices:
        return ('<div class="card done"><p>这张推荐单的结果已确定，谢谢您的反馈。</p>'
                '<p class="note">如有出入，请联系开具推荐单的社区协管员。</p></div>')
    today = view.today.isoformat() if view.today else ""
    options = []
    for status in view.choices:
        options.append(f'<label><input type="radio" name="status" value="{status}" required>'
                       f"{escape(label_zh(status))}</label>")
        if status == ReferralStatus.hired.value:
            options.append(f'<div class="sub"><label for="start_on">入职日期</label>'
                           f'<input type="date" id="start_on" name="start_on" value="{today}"></div>')
        if status == ReferralStatus.not_hired.value:
            reasons = "".join(f'<option value="{key}">{escape(text)}</option>'
                              for key, text in NOT_HIRED_REASONS.items())
            options.append(f'<div class="sub"><label for="reason">未录用原因</label>'
                           f'<select id="reason" name="reason"><option value="">请选择原因</option>{reasons}'
                           "</select></div>")
    return (f'<form method="post" action="{CHECK_PATH}/{escape(view.code)}" class="card">'
            f"<h2>请确认结果</h2>{_hidden(credential)}{''.join(options)}"
            '<button type="submit">提交</button></form>'
            '<p class="note">只需选择结果并提交，无需登录。提交后社区协管员同步即可看到。</p>')


def referral_page(view: ReferralView, credential: Credential, *, message: str = "", refused: bool = False) -> str:
    """The referral: what was recorded, and the form for a later step (a message on top after a submission)."""
    notice = ""
    if message:
        notice = f'<div class="card {"refused" if refused else "done"}" role="alert"><p>{escape(message)}</p></div>'
    return page("就业推荐核对", "<h1>就业推荐核对</h1><p class=\"note\">社区就业服务 · 用人单位确认</p>"
                + notice + _facts(view) + _steps(view) + _form(view, credential))


def entry_page(message: str = "", code: str = "") -> str:
    """Type the referral code and the check code printed on the slip."""
    notice = f'<div class="card refused" role="alert"><p>{escape(message)}</p></div>' if message else ""
    return page("就业推荐核对", (
        "<h1>就业推荐核对</h1><p class=\"note\">请输入推荐单上的推荐码和核对码（也可直接扫描推荐单上的二维码）。</p>"
        f'{notice}<form method="post" action="{CHECK_PATH}" class="card">'
        f'<label for="code">推荐码（8 位）</label><input type="text" id="code" name="code" value="{escape(code)}"'
        ' autocomplete="off" autocapitalize="characters" placeholder="如 7K2M-9QX4" required>'
        f'<label for="c">核对码（{CHECK_CODE_LENGTH} 位）</label><input type="text" id="c" name="c"'
        ' autocomplete="off" autocapitalize="characters" required>'
        '<button type="submit">查看推荐单</button></form>'))


def refusal_page(message: str, *, retry: Optional[str] = None) -> str:
    """A refusal the employer can act on: what is wrong, and where to go from here."""
    link = f'<p><a href="{CHECK_PATH}">重新输入推荐码</a></p>' if retry is None else retry
    return page("就业推荐核对", "<h1>就业推荐核对</h1>"
                f'<div class="card refused" role="alert"><p>{escape(message)}</p>{link}</div>')
