"""JXC dashboards: ``streamlit run dashboards/app.py`` from the repository root.

Login first (a session cookie keeps it across a reload); a user who must change the password
(the demo password outside the demo, or a temporary one from an admin) sees only that form; then
the sidebar shows the pages the user's role may open, grouped by area, with a language switch
(简体中文 default, English) and a logout button.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from dashboards.components import phone
from dashboards.components.error_report import run_page
from dashboards.components.safe_text import message
from dashboards.i18n import language_selector, t
from dashboards.navigation import PAGES, SECTIONS, visible_pages
from dashboards.session import current_user, resume_from_cookie, sign_out, write_cookie

# A local file: an icon name (":material/...:") makes the browser fetch the icon from a font CDN.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
# Streamlit's own menu ("Get help", "Report a bug", "About", "Print", ...) is English and cannot be
# translated: with client.toolbarMode = "minimal" (.streamlit/config.toml) and no menu items it is
# not shown at all, and neither is the Deploy button (docs/dashboards.md, "Streamlit's own words").
st.set_page_config(page_title="JXC", page_icon=str(FAVICON), layout="wide",
                   menu_items={"Get help": None, "Report a bug": None, "About": None})


def _run(page: StreamlitPage) -> None:
    """The browser tab says which page this is, in the UI language ("经营概览 · JXC 进销存")."""
    st.set_page_config(page_title=t("ui.edges_rest.tab_title", page=page.title))
    run_page(page.run)  # an unexpected error: short message + id, details in the log


def _only(path: str, key: str, title: str, icon: str) -> None:
    """Run one page whatever the URL, so a bookmarked page opens once this one is done."""
    first = st.Page(path, title=title, icon=icon, url_path=key, default=True)
    placeholders = [st.Page(path, title=title, url_path=spec.key, visibility="hidden") for spec in PAGES
                    if spec.key != key]
    _run(st.navigation([first, *placeholders], position="hidden"))


def main() -> None:
    phone.inject_css()  # one style sheet for every page: one column and touch targets on a phone
    user = current_user() or resume_from_cookie()
    language_selector()
    write_cookie()
    if user is None:
        _only("views/login.py", "login", t("ui.page.login"), ":material/login:")
        return

    with st.sidebar:
        st.caption(message("ui.signed_in_as", name=user.display_name, role=t(f"ui.role.{user.role}")))
        st.button(t("ui.logout"), key="logout", on_click=sign_out, icon=":material/logout:")
    if user.must_change_password:
        _only("views/change_password.py", "change_password", t("ui.change_password.title"), ":material/password:")
        return

    by_section: dict[str, list[st.Page]] = {}
    for spec in visible_pages(user.role):
        page = st.Page(spec.path, title=t(f"ui.page.{spec.key}"), icon=spec.icon, url_path=spec.key)
        by_section.setdefault(spec.section, []).append(page)
    navigation = {t(f"ui.section.{s}"): by_section[s] for s in SECTIONS if s in by_section}
    # expanded: every page the role may open stays listed; collapsed, Streamlit hides all but the
    # first few behind "View more", and a buyer could no longer find 采购单据 in the sidebar.
    _run(st.navigation(navigation, expanded=True))


main()
