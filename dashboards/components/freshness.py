"""Says where a figure comes from: live from the store (实时), or an analysis as of a publish.

Operational look-ups (stock on hand, a partner's open items, open orders) read the store through
the services and are current the moment a document posts; analyses read ``serving.duckdb`` and
are as of the pipeline's last publish. Every section of a page that mixes the two says which
it is, so nobody mistakes an hour-old aging for the balance now.
"""

from __future__ import annotations

import streamlit as st

from dashboards import serving
from dashboards.components.format import local_time
from dashboards.i18n import t


def live_caption() -> None:
    """Under a live section: read from the store just now."""
    st.caption(t("ui.live.live_note"), help=t("ui.live.live_help"))


def published_caption() -> None:
    """Under an analysis section: as of the last publish (its local time), or nothing published."""
    publish = serving.pipeline_status().publish if serving.is_published() else None
    if publish is None:
        st.caption(t("ui.live.not_published"))
        return
    st.caption(t("ui.live.published_note", when=local_time(publish.published_at)), help=t("ui.live.published_help"))
