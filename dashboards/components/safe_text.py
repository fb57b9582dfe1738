"""Text a user typed, shown as text: never rendered as Markdown or HTML.

Most Streamlit elements (``st.markdown``, ``st.caption``, ``st.success``/``st.error``,
``st.subheader``, metric/expander/tab/radio labels, ...) render their string as Markdown. A
supplier named ``[点我](http://evil.example)`` would be a live link there, and
``![](http://evil.example/x.png)`` a remote image fetched by every viewer's browser. So every
user-supplied value that goes into such an element passes through ``text`` (or, for catalog
messages with parameters, ``message``, which escapes the parameters and leaves the catalog's own
formatting alone).

Backslash escapes stop Markdown syntax (links, images, emphasis, code, HTML, headings, lists,
tables, LaTeX, Streamlit's ``:red[...]`` directives). They do not stop GFM's *literal* autolinks
(``http://…``, ``www.…``, ``a@b.example``) or emoji/icon shortcodes (``:smile:``), which the
renderer finds in the text after parsing; those patterns are broken with an invisible WORD
JOINER (U+2060), so the text still reads the same but is not turned into a link or an icon.
Line breaks become spaces: user text is shown inline, where a new line could start a heading
or a list.
"""

from __future__ import annotations

import re
from typing import Any

from dashboards.i18n import t

WORD_JOINER = "\u2060"

# ASCII characters with a Markdown (or HTML, LaTeX, GFM table) meaning anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#~|$&!{}])")
# At the start of the text only: list markers, ordered-list numbers, setext/thematic lines, quotes.
_LEADING = re.compile(r"^(\s*)([-+=](?!\d)|\d+(?=[.)](?:\s|$)))")
# What the post-parse autolink and shortcode passes look for.
_URL_COLON = re.compile(r":(?=[A-Za-z/])")  # http://, mailto:, :shortcode: (not 09:05)
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_AT = re.compile(r"@")


def text(value: Any) -> str:
    """``value`` as a string that a Markdown element shows literally."""
    if value is None:
        return ""
    s = " ".join(str(value).splitlines())
    s = _SPECIAL.sub(r"\\\1", s)
    s = _URL_COLON.sub(":" + WORD_JOINER, s)
    s = _WWW.sub(r"\1" + WORD_JOINER, s)
    s = _AT.sub(WORD_JOINER + "@", s)
    match = _LEADING.match(s)
    if match:
        s = f"{match.group(1)}\\{s[match.end(1):]}" if match.group(2) in "-+=" else \
            f"{match.group(1)}{match.group(2)}\\{s[match.end(2):]}"
    return s


def message(key: str, **params: Any) -> str:
    """The catalog text for ``key`` with every string parameter escaped by ``text``. Numbers,
    dates and amounts formatted by the catalog are passed through unchanged."""
    return t(key, **{name: text(v) if isinstance(v, str) else v for name, v in params.items()})
