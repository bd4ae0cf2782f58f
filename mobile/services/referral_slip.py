"""The referral slip the resident photographs: who, where, whom to call, the short code and its QR code.

The QR image is a PNG made here from ``qrcode``'s module matrix (zlib and
struct only), so the phone needs no imaging library; ``ft.Image(src=png)``
shows the bytes.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from shared.referrals import check_code, format_code, slip_url

QR_SCALE = 8  # pixels per module
QR_BORDER = 4  # quiet zone, in modules (the QR standard's minimum)


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_BORDER)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_of_matrix(matrix: list[list[bool]], scale: int = QR_SCALE) -> bytes:
    """An 8-bit greyscale PNG of a module matrix, each module ``scale`` pixels square."""
    size = len(matrix) * scale
    lines = []
    for row in matrix:
        pixels = b"".join((b"\x00" if dark else b"\xff") * scale for dark in row)
        lines.extend([b"\x00" + pixels] * scale)  # filter byte 0 (none) before each line
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # width, height, depth 8, greyscale
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
            + _chunk(b"IEND", b""))


def qr_png(text: str, scale: int = QR_SCALE) -> bytes:
    return png_of_matrix(qr_matrix(text), scale)


@dataclass(frozen=True)
class Slip:
    code: str  # "7K2M9QX4": the referral code printed on the slip
    resident_name: str
    vacancy_title: str
    employer_name: str
    address: str
    contact: str
    wage: str
    referred_on: Optional[date]
    coordinator: str
    qr_png: bytes
    url: str = ""  # what the QR code holds: the server's check page with the check token ("" = the code alone)
    check_code: str = ""  # typed on that page with the code when there is no camera

    @property
    def entry_url(self) -> str:
        """Where the employer types the code and the check code: the check page without the token."""
        return self.url.split("?", 1)[0].rsplit("/", 1)[0] if self.url else ""

    @property
    def code_display(self) -> str:
        return format_code(self.code)

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs printed on the slip, in order."""
        return [
            ("求职人", self.resident_name or "（未填姓名）"),
            ("推荐岗位", self.vacancy_title),
            ("用人单位", self.employer_name or "（未填单位）"),
            ("地址", self.address or "（未填）"),
            ("联系人", self.contact or "（未填）"),
            ("工资", self.wage),
            ("推荐日期", self.referred_on.isoformat() if self.referred_on else ""),
            ("推荐人", self.coordinator),
        ]


def contact_text(employer: dict[str, Any] | None) -> str:
    employer = employer or {}
    return " ".join(p for p in (employer.get("contact_name") or "", employer.get("contact_phone") or "") if p)


def build_slip(referral: dict[str, Any], resident: dict[str, Any] | None, vacancy: dict[str, Any] | None,
               employer: dict[str, Any] | None, *, wage: str, referred_on: Optional[date], coordinator: str,
               base_url: str = "") -> Slip:
    """The slip of a referral; its QR code opens the server's check page (``slip_url``) when the referral has a
    check token and the phone knows the server's address, else it holds the code alone."""
    vacancy = vacancy or {}
    token = referral.get("check_token") or ""
    url = slip_url(base_url, referral["code"], token) if token and base_url else ""
    address = vacancy.get("location") or (employer or {}).get("address") or ""
    return Slip(
        code=referral["code"], resident_name=(resident or {}).get("name") or "",
        vacancy_title=vacancy.get("title") or "", employer_name=(employer or {}).get("name") or "",
        address=address, contact=contact_text(employer), wage=wage, referred_on=referred_on,
        coordinator=coordinator, qr_png=qr_png(url or referral["code"]), url=url,
        check_code=check_code(token) if token else "",
    )
