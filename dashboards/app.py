"""JXC dashboards: ``streamlit run dashboards/app.py`` from the repository root.

Login first; then the sidebar shows the pages the user's role may open, grouped by area,
with a language switch (简体中文 default, English) and a logout button.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards.components.error_report import run_page
from dashboards.components.safe_text import message
from dashboards.i18n import language_selector, t
from dashboards.navigation import PAGES, SECTIONS, visible_pages
from dashboards.session import current_user, sign_out

# A local file: an icon name (":material/...:") makes the browser fetch the icon from a font CDN.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"
st.set_page_config(page_title="JXC", page_icon=str(FAVICON), layout="wide")


def main() -> None:
    language_selector()
    user = current_user()
    if user is None:
        # Every page's URL leads to the login form, so a bookmarked page opens after login.
        login = st.Page("views/login.py", title=t("ui.page.login"), icon=":material/login:", url_path="login",
                        default=True)
        placeholders = [st.Page("views/login.py", title=t("ui.page.login"), url_path=spec.key, visibility="hidden")
                        for spec in PAGES]
        run_page(st.navigation([login, *placeholders], position="hidden").run)
        return

    by_section: dict[str, list[st.Page]] = {}
    for spec in visible_pages(user.role):
        page = st.Page(spec.path, title=t(f"ui.page.{spec.key}"), icon=spec.icon, url_path=spec.key)
        by_section.setdefault(spec.section, []).append(page)
    navigation = {t(f"ui.section.{s}"): by_section[s] for s in SECTIONS if s in by_section}

    with st.sidebar:
        st.caption(message("ui.signed_in_as", name=user.display_name, role=t(f"ui.role.{user.role}")))
        st.button(t("ui.logout"), key="logout", on_click=sign_out, icon=":material/logout:")
    run_page(st.navigation(navigation).run)  # an unexpected error: short message + id, details in the log


main()
