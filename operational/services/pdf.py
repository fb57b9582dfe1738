"""Shared PDF helpers: the CJK font every JXC PDF writes Chinese with, amount formatting and the
grid style of tables. The customer statement (``statements``), the printed documents
(``print_layout``) and the managers' reports (``reports.render``) all use them, so a font or
number-format change happens here once.

The font (``cjk_font_name``) is a TrueType CJK font found on the machine and **embedded** in every
PDF as a subset (only the glyphs the document uses), so the PDF shows its Chinese on any viewer or
printer, with or without Asian fonts. It is looked for, in this order:

1. the file named by the setting ``JXC_PDF_FONT`` (a ``.ttf``/``.ttc``, optionally ``#<index>`` for
   a font of a collection other than the first);
2. known TrueType CJK fonts (WenQuanYi Zen Hei first, the Debian package ``fonts-wqy-zenhei``) in
   the usual font folders (``FONT_DIRS``);
3. fontconfig's Chinese fonts (``fc-match -s :lang=zh-cn``), TrueType outlines only.

reportlab embeds TrueType (``glyf``) outlines only, not CFF/PostScript ones, so the Noto Sans CJK
``.otf``/``.ttc`` most Linux desktops have cannot be used. When nothing usable is found the PDF
falls back to reportlab's built-in CID font STSong-Light, which is *referenced* by name and not
embedded (the viewer supplies the glyphs: Acrobat's Asian font pack, or the CJK font poppler,
Chrome and CUPS substitute); a warning is logged once and printing never fails. docs/printing.md
has the details.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from operational.settings import get_settings

log = logging.getLogger("jxc.pdf")

EMBEDDED_FONT = "JXC-CJK"  # the reportlab name of the TrueType font found (another one: JXC-CJK-2, ...)
FALLBACK_FONT = "STSong-Light"  # reportlab's built-in Adobe-GB1 CID font: referenced, never embedded

# Known TrueType CJK fonts, best first, as (file name, font index in the collection). WenQuanYi Zen
# Hei is what the tests install (scripts/test-prereqs.sh); the others are the usual alternatives on
# Linux (Debian/Ubuntu package in the comment) and Windows.
KNOWN_FONTS: tuple[tuple[str, int], ...] = (
    ("wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei: WenQuanYi Zen Hei, GPL-2 with the font embedding exception
    ("wqy-microhei.ttc", 0),  # fonts-wqy-microhei: Apache-2.0 or GPL-3 with the font exception
    ("DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback: Apache-2.0
    ("uming.ttc", 0),  # fonts-arphic-uming: AR PL UMing, Arphic Public License
    ("ukai.ttc", 0),  # fonts-arphic-ukai
    ("msyh.ttc", 0),  # Windows: Microsoft YaHei
    ("simhei.ttf", 0),  # Windows: SimHei
    ("simsun.ttc", 0),  # Windows: SimSun
)
_HOME = Path(os.path.expanduser("~"))  # never raises, unlike Path.home() for a service without HOME
FONT_DIRS: list[Path] = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
                         _HOME / ".local/share/fonts", _HOME / ".fonts",
                         Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts", Path("/Library/Fonts")]
FC_MATCH: str | None = "fc-match"  # fontconfig's command; None: do not ask fontconfig

FONT_SUFFIXES = (".ttf", ".ttc")
MAX_FONT_BYTES = 64 * 1024 * 1024  # reportlab reads the whole file; CJK fonts are 5 to 25 MB
MAX_SETTING_LENGTH = 4096
MAX_FONT_INDEX = 63
# A font must draw all of these to be used: the words and signs every JXC document prints.
PROBE = "送货单对账合计金额大写人民币元角分补打页第¥0123456789.,:-（）：，"
# Characters the app writes that some CJK fonts lack, and what reads the same.
SUBSTITUTES = {"\u2212": "-", "\u2011": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " "}


@dataclass(frozen=True)
class CjkFont:
    """The CJK font of JXC's PDFs: its reportlab name and, when embedded, the file it comes from."""

    name: str
    path: Path | None = None  # None: the fallback STSong-Light, referenced and not embedded
    index: int = 0  # the font's index in a .ttc collection
    glyphs: frozenset[int] = field(default=frozenset(), repr=False, compare=False)  # code points it draws

    @property
    def embedded(self) -> bool:
        return self.path is not None


_lock = threading.Lock()
_chosen: tuple[str, CjkFont] | None = None  # (the setting's value, the font registered for it)
_registered: dict[tuple[str, int], str] = {}  # (file, index) → the reportlab name it is registered under


def cjk_font_name() -> str:
    """The reportlab font name every JXC PDF writes Chinese (and everything else) with: the
    embedded TrueType CJK font, or STSong-Light when the machine has none. Registers the font with
    reportlab on first use (once per process, about 0.3 s for a 16 MB collection)."""
    return cjk_font_info().name


def cjk_font_info() -> CjkFont:
    """The CJK font in use (see the module docstring for where it is looked for), registered."""
    global _chosen
    setting = get_settings().pdf_font
    with _lock:  # Streamlit serves sessions on threads: find and register the font once
        if _chosen is None or _chosen[0] != setting:
            _chosen = (setting, _find_and_register(setting))
        return _chosen[1]


def reset_cjk_font() -> None:
    """Forget the font found, so the next PDF looks again (tests, after changing the font folders)."""
    global _chosen
    with _lock:
        _chosen = None


def drawable(text: str, font: CjkFont | None = None) -> str:
    """``text`` with the characters the embedded font cannot draw replaced by ones that read the
    same (U+2212 minus → '-', narrow spaces → ' '): a TrueType font draws a box for a missing
    glyph. Unchanged under the fallback STSong-Light, where the viewer draws them. Pass ``font``
    (``cjk_font_info()``) when drawing many texts: looking it up reads the settings each time."""
    font = font or cjk_font_info()
    if not font.embedded or all(ord(c) in font.glyphs for c in text):
        return text
    return "".join(c if ord(c) in font.glyphs else SUBSTITUTES.get(c, c) for c in text)


def _find_and_register(setting: str) -> CjkFont:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for path, index, source in _candidates(setting):
        font = _load(path, index, source)
        if font is not None:
            log.info("PDF font: %s (index %d, %s), embedded as a subset", path, index, source)
            return font
    log.warning("no TrueType CJK font found (JXC_PDF_FONT unset or unusable, none of %s in %s, none from "
                "fontconfig); PDFs reference %s without embedding it, so a viewer without Chinese fonts "
                "shows blanks. Install fonts-wqy-zenhei or set JXC_PDF_FONT (docs/printing.md).",
                ", ".join(name for name, _ in KNOWN_FONTS), ", ".join(map(str, FONT_DIRS)), FALLBACK_FONT)
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return CjkFont(FALLBACK_FONT)


def _candidates(setting: str) -> Iterator[tuple[Path, int, str]]:
    """(file, index in the collection, where it came from), best first, found lazily."""
    configured = _configured_font(setting)
    if configured is not None:
        yield (*configured, "JXC_PDF_FONT")
    found: dict[str, Path] = {}
    wanted = {name.lower() for name, _ in KNOWN_FONTS}
    for folder in FONT_DIRS:
        if not folder.is_dir():
            continue
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.lower() in wanted:
                    found.setdefault(name.lower(), Path(root) / name)
    for name, index in KNOWN_FONTS:
        if name.lower() in found:
            yield found[name.lower()], index, "known font"
    yield from _fontconfig_fonts()


def _configured_font(setting: str) -> tuple[Path, int] | None:
    """The setting JXC_PDF_FONT as (file, index), or None (unset, or unusable: a warning says why)."""
    if not setting:
        return None

    def refuse(reason: str) -> None:
        log.warning("JXC_PDF_FONT=%r ignored: %s", setting[:200], reason)

    if len(setting) > MAX_SETTING_LENGTH:
        return refuse(f"longer than {MAX_SETTING_LENGTH} characters")
    raw, index = setting, 0
    head, sep, tail = setting.rpartition("#")
    if sep and tail.isdigit():
        raw, index = head, int(tail)
        if index > MAX_FONT_INDEX:
            return refuse(f"font index {index} is more than {MAX_FONT_INDEX}")
    path = Path(raw).expanduser()
    if path.suffix.lower() not in FONT_SUFFIXES:
        return refuse("not a .ttf or .ttc file (reportlab embeds TrueType outlines only; an .otf is CFF)")
    if not path.is_file():
        return refuse("no such file")
    return path, index


def _fontconfig_fonts() -> Iterator[tuple[Path, int, str]]:
    """fontconfig's fonts for Simplified Chinese, its preferred first, TrueType outlines only."""
    command = shutil.which(FC_MATCH) if FC_MATCH else None
    if command is None:
        return
    try:
        listing = subprocess.run([command, "-s", ":lang=zh-cn", "-f", r"%{fontformat}\t%{index}\t%{lang}\t%{file}\n"],
                                 capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("fontconfig could not list the Chinese fonts: %s", exc)
        return
    for line in listing.splitlines():
        parts = line.split("\t", 3)
        if len(parts) != 4 or parts[0] != "TrueType" or "zh-cn" not in parts[2].split("|"):
            continue
        if parts[1].isdigit() and int(parts[1]) <= MAX_FONT_INDEX and Path(parts[3]).suffix.lower() in FONT_SUFFIXES:
            yield Path(parts[3]), int(parts[1]), "fontconfig"


def _load(path: Path, index: int, source: str) -> CjkFont | None:
    """The font at ``path``, registered, if reportlab can embed it and it draws ``PROBE``; else None
    (logged). reportlab keeps the first font registered under a name, so each file gets its own."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    key = (str(path.resolve()), index)
    name = _registered.get(key) or (EMBEDDED_FONT if not _registered else f"{EMBEDDED_FONT}-{len(_registered) + 1}")
    try:
        if key in _registered:
            font = pdfmetrics.getFont(name)
        elif path.stat().st_size > MAX_FONT_BYTES:
            raise ValueError(f"larger than {MAX_FONT_BYTES // 2**20} MiB")
        else:
            font = TTFont(name, str(path), subfontIndex=index)
    except Exception as exc:  # noqa: BLE001 - an unusable file (CFF outlines, no embedding allowed, bad index): next
        log.warning("PDF font %s (index %d, %s) not usable: %s", path, index, source, exc)
        return None
    glyphs = frozenset(font.face.charToGlyph)
    missing = "".join(c for c in PROBE if ord(c) not in glyphs)
    if missing:
        log.warning("PDF font %s (index %d, %s) not used: it cannot draw %r", path, index, source, missing)
        return None
    if key not in _registered:
        pdfmetrics.registerFont(font)
        _registered[key] = name
    return CjkFont(name, path, index, glyphs)

def money(value: Decimal | None, *, blank_zero: bool = False) -> str:
    """1234.5 → '1,234.50'; None (and 0 with ``blank_zero``) → ''."""
    if value is None or (blank_zero and not value):
        return ""
    return f"{value:,.2f}"


def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 12.5000 → '12.5', 24.0000 → '24'; None → ''."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def fit_text(text: str, width: float, font: str, size: float) -> str:
    """``text`` cut (with '…') so that it is at most ``width`` points wide in ``font`` at ``size``."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def grid_style(font: str, size: float = 9, *, right_from: int = 3) -> object:
    """The table style of JXC PDFs: one font, a light grid, a tinted header row, numbers right-aligned
    from column ``right_from`` on."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
                       ("ALIGN", (right_from, 0), (-1, -1), "RIGHT"),
                       ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7"))])
