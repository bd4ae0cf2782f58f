"""Builds the app's CJK font (mobile/assets/fonts/DoorstepSans.otf) from Debian's Noto Sans CJK SC.

A developer tool, not run by the app: `python -m mobile.font_subset [source.ttc]`
(needs fontTools, a test dependency, and `apt-get install fonts-noto-cjk`).
Keeps GB2312 (6,763 hanzi and its symbols), ASCII, Latin-1, the CJK and
full-width punctuation, every character of the app's sources and of the demo
data's name and address lists, and some frequent name characters outside
GB2312. The family is renamed, as the SIL Open Font License asks of a
modified version; the license text ships beside the font (OFL.txt).
"""
from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).parent / "assets" / "fonts" / "DoorstepSans.otf"
FAMILY = "Doorstep Sans"
# Frequent in given names but not in GB2312 (GB2312 predates many of them).
EXTRA_NAME_CHARS = "堃喆珺玥琇婕犇淼垚鑫骞昊晗炜祎璟瑄琰瑾煜烨昱焱翀彧铖锴赟飏頔珈琬琪珮瑗玙璐菁萱芃芊茜葳蕙蔓"


def gb2312_chars() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def source_chars(root: Path) -> set[str]:
    """Every non-ASCII character in the project's Python sources (labels, vocabularies)."""
    chars: set[str] = set()
    for package in ("mobile", "shared", "doorstep", "server"):
        for path in (root / package).rglob("*.py"):
            chars.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F)
    return chars


def faker_chars() -> set[str]:
    """Characters of Faker's zh_CN names and addresses, which the demo data draws from."""
    try:
        from faker.providers.address import zh_CN as address
        from faker.providers.person import zh_CN as person
    except ImportError:
        return set()
    chars: set[str] = set()
    for module in (person, address):
        for value in vars(module.Provider).values():
            items = value if isinstance(value, (list, tuple)) else getattr(value, "keys", lambda: ())()
            for item in items:
                if isinstance(item, str):
                    chars.update(item)
    return chars


def wanted_codepoints(root: Path) -> set[int]:
    chars = gb2312_chars() | source_chars(root) | faker_chars() | set(EXTRA_NAME_CHARS)
    points = {ord(ch) for ch in chars}
    points |= set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    points |= set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    return points


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    font = next(f for f in TTCollection(str(source)).fonts if f["name"].getDebugName(4) == "Noto Sans CJK SC")
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["VORG", "vhea", "vmtx"]  # horizontal text only
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted_codepoints(Path(__file__).parent.parent)))
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6):
            names.setName("DoorstepSans-Regular", record.nameID, record.platformID, record.platEncID, record.langID)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")
