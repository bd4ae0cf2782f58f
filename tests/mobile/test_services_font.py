"""The app's font covers every character the app can show: its own labels, vocabularies, occupations, field names."""
from __future__ import annotations

import ast
from pathlib import Path

from fontTools.ttLib import TTFont

from mobile.app import ASSETS_DIR, FONT_ASSET
from shared.occupations import occupations
from shared.validation import FIELD_LABELS_ZH
from shared.vocab import LABELS_ZH

ROOT = Path(__file__).resolve().parents[2]


def shown_strings() -> set[str]:
    """String constants of the app's code (docstrings aside), and the label tables it displays."""
    texts: set[str] = set(LABELS_ZH.values()) | set(FIELD_LABELS_ZH.values())
    texts |= {o.name for o in occupations()}
    for path in (ROOT / "mobile").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr)}
        texts |= {node.value for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}
    return texts


def test_the_app_font_has_a_glyph_for_every_character_the_app_shows():
    font = TTFont(ASSETS_DIR / FONT_ASSET)
    cmap = font.getBestCmap()
    missing = sorted({ch for text in shown_strings() for ch in text if ord(ch) > 0x7F and ord(ch) not in cmap})
    assert missing == [], f"rebuild the font with `python -m mobile.font_subset`: {''.join(missing)}"
    assert font["name"].getDebugName(1) == "Doorstep Sans"
    assert (ASSETS_DIR / "fonts" / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1
