"""Cash and bank (资金管理): accounts with their balances (and opening a new one), an account's
ledger with filters and drill-down to the source document, transfers between accounts, the daily
cash position and the 13-week cash forecast. Finance enters; managers read."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import serving, serving_finance
from dashboards.components import charts, form_state
from dashboards.components.date_field import date_field
from dashboards.components.expense_form import acting_user, claim_view
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import money, show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only, unit_of_work
from operational.models import ACCOUNT_KINDS, CASH_ENTRY_KINDS
from operational.services import auth, cash, expenses_queries, idempotency
from operational.services.errors import DomainError

ACC, LEDGER, MOVE = "cash.acc", "cash.ledger", "cash.move"
ENTRY_ROLES = cash.TRANSFER_ROLES  # who opens accounts and moves money between them
ACCOUNT_COLUMNS = ("account_code", "account_name", "account_kind", "bank_name", "account_no", "currency",
                   "account_balance", "last_entry_date", "allow_overdraft", "is_active")
LEDGER_COLUMNS = ("entry_date", "entry_kind", "doc_no", "counterparty", "amount_in", "amount_out", "balance_after",
                  "memo", "user_name")
POSITION_COLUMNS = ("date_day", "account_code", "account_name", "opening_balance", "amount_in", "amount_out",
                    "closing_balance", "entries")

require_page("cash")
st.title(t("ui.page.cash"))



@form_state.guarded(ACC)
def _open_account() -> None:
    form_state.clear(ACC)
    state = st.session_state
    try:
        with unit_of_work() as session:
            user = acting_user(session)
            auth.require_role(user, *ENTRY_ROLES)
            account = cash.create_account(
                session, state.get(f"{ACC}.code"), state.get(f"{ACC}.name"), kind=state.get(f"{ACC}.kind"),
                bank_name=state.get(f"{ACC}.bank_name") or None, account_no=state.get(f"{ACC}.account_no") or None,
                allow_overdraft=bool(state.get(f"{ACC}.overdraft")), opening_balance=state.get(f"{ACC}.opening") or 0,
                opened_on=state.get(f"{ACC}.opened_on"), user=user)
            label = f"{account.code} {account.name}"
    except DomainError as err:
        form_state.record_error(ACC, err)
        return
    form_state.reset_inputs(ACC)
    form_state.record_success(ACC, t("ui.cash.account_opened", account=label))


@form_state.guarded(MOVE)
def _transfer(token: str | None = None) -> None:
    form_state.clear(MOVE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            # The outgoing ledger row stands for the transfer (its pair shares the document number).
            out = idempotency.once(session, token, lambda: cash.transfer(
                session, state.get(f"{MOVE}.from"), state.get(f"{MOVE}.to"), state.get(f"{MOVE}.amount"),
                state.get(f"{MOVE}.date"), user=acting_user(session), memo=state.get(f"{MOVE}.memo") or None)[0]).document
            doc_no, amount = out.doc_no, -out.amount
    except DomainError as err:
        form_state.record_error(MOVE, err)
        return
    form_state.reset_inputs(MOVE)
    form_state.record_success(MOVE, t("ui.cash.transferred", doc_no=doc_no, amount=money(amount)))


with read_only() as session:
    me = acting_user(session)
    accounts = expenses_queries.account_rows(session)
    may_enter = me.role == "admin" or me.role in ENTRY_ROLES
account_labels = {a["account_id"]: f"{a['account_code']} {a['account_name']}" for a in accounts}
names = ["accounts", "ledger"] + (["transfer"] if may_enter else []) + ["position", "forecast"]
tabs = dict(zip(names, st.tabs([t(f"ui.cash.tab.{n}") for n in names]), strict=True))

with tabs["accounts"]:
    form_state.flash(ACC)
    if accounts:
        frame = pd.DataFrame(accounts)
        frame["account_balance"] = frame["account_balance"].astype(float)
        frame["account_kind"] = translate_values(frame["account_kind"], "cash.kind")
        st.metric(t("ui.cash.total_balance"), money(sum(a["account_balance"] for a in accounts)))
        shown = with_headers(frame, ACCOUNT_COLUMNS)
        show_table(shown, money=("account_balance",))
        export_buttons(shown, "cash_accounts", f"{ACC}.export")
    else:
        st.info(t("ui.cash.no_accounts"))
    if may_enter:
        with st.expander(t("ui.cash.open_account"), expanded=not accounts):
            cols = st.columns(3)
            cols[0].text_input(t("field.code"), key=f"{ACC}.code")
            cols[1].text_input(t("field.name"), key=f"{ACC}.name")
            cols[2].selectbox(t("field.account_kind"), ACCOUNT_KINDS, key=f"{ACC}.kind",
                              format_func=lambda k: t(f"cash.kind.{k}"))
            cols = st.columns(3)
            cols[0].text_input(t("ui.col.bank_name"), key=f"{ACC}.bank_name")
            cols[1].text_input(t("ui.col.account_no"), key=f"{ACC}.account_no")
            cols[2].checkbox(t("ui.col.allow_overdraft"), key=f"{ACC}.overdraft")
            cols = st.columns(3)
            cols[0].text_input(t("field.opening_balance"), key=f"{ACC}.opening")
            date_field(t("ui.cash.opened_on"), value="today", key=f"{ACC}.opened_on", where=cols[1])
            form_state.other_errors(ACC, ())
            st.button(t("ui.cash.open"), key=f"{ACC}.save", type="primary", on_click=_open_account)

with tabs["ledger"]:
    if not accounts:
        st.info(t("ui.cash.no_accounts"))
    else:
        cols = st.columns([2, 2, 2, 2])
        account_id = cols[0].selectbox(t("field.account_id"), list(account_labels), key=f"{LEDGER}.account",
                                       format_func=lambda i: account_labels.get(i, str(i)))
        picked = date_field(t("ui.filter.date_range"), value=(), key=f"{LEDGER}.dates", where=cols[1])
        kinds = cols[2].multiselect(t("field.cash_entry_kind"), CASH_ENTRY_KINDS, key=f"{LEDGER}.kinds",
                                    format_func=lambda k: t(f"cash.entry.{k}"), placeholder=t("ui.edges_rest.all"))
        search = cols[3].text_input(t("ui.documents.search"), key=f"{LEDGER}.search")
        start = end = None
        if isinstance(picked, tuple | list) and picked:
            start, end = picked[0], picked[-1]
        with read_only() as session:
            rows = expenses_queries.ledger_rows(session, account_id, start=start, end=end, kinds=tuple(kinds) or None,
                                                search=search)
        if not rows:
            st.info(t("ui.documents.empty"))
        else:
            frame = pd.DataFrame(rows).rename(columns={"kind": "entry_kind"})
            for column in ("amount_in", "amount_out", "balance_after"):
                frame[column] = frame[column].astype(float)
            frame["entry_kind"] = translate_values(frame["entry_kind"], "cash.entry")
            cols = st.columns(3)
            cols[0].metric(t("ui.col.amount_in"), money(sum(r["amount_in"] for r in rows)))
            cols[1].metric(t("ui.col.amount_out"), money(sum(r["amount_out"] for r in rows)))
            cols[2].metric(t("ui.cash.balance_after_last"), money(rows[0]["balance_after"]))
            shown = with_headers(frame, LEDGER_COLUMNS)
            show_table(shown, money=("amount_in", "amount_out",
                                                                             "balance_after",))
            export_buttons(shown, f"cash_ledger_{account_labels[account_id].split()[0]}", f"{LEDGER}.export")
            documents = {r["doc_no"]: r["doc_type"] for r in rows if r["doc_no"]}
            doc_no = st.selectbox(t("ui.cash.drill"), list(documents), index=None, key=f"{LEDGER}.doc",
                                  placeholder=t("ui.drill.placeholder"))
            if doc_no is not None:
                with read_only() as session:
                    claim_id = expenses_queries.claim_id_by_doc_no(session, doc_no) \
                        if documents[doc_no] == "expense_claim" else None
                    legs = expenses_queries.transfer_legs(session, doc_no) \
                        if documents[doc_no] == "cash_transfer" else []
                if claim_id is not None:
                    claim_view(claim_id, f"{LEDGER}.claim")
                elif legs:
                    legs_frame = pd.DataFrame(legs).rename(columns={"kind": "entry_kind"})
                    legs_frame["amount"] = legs_frame["amount"].astype(float)
                    legs_frame["entry_kind"] = translate_values(legs_frame["entry_kind"], "cash.entry")
                    st.subheader(doc_no)
                    shown = with_headers(legs_frame, ("account_code", "account_name", "entry_date", "entry_kind",
                                                      "amount", "memo"))
                    show_table(shown, money=("amount",))
                    export_buttons(shown, doc_no, f"{LEDGER}.legs_export")
                else:
                    detail = with_headers(frame[frame["doc_no"] == doc_no], LEDGER_COLUMNS)
                    st.caption(t("ui.cash.other_document", doc_type=t(f"ui.cash.doc_type.{documents[doc_no]}")))
                    show_table(detail)
                    export_buttons(detail, doc_no, f"{LEDGER}.doc_export")

if "transfer" in tabs:
    with tabs["transfer"]:
        form_state.flash(MOVE)
        choices = {a["account_id"]: f"{a['account_code']} {a['account_name']}（{money(a['account_balance'])}）"
                   for a in accounts if a["is_active"]}
        cols = st.columns(2)
        for col, name, field in ((cols[0], "from", "account_id"), (cols[1], "to", "to_account_id")):
            with col:
                st.selectbox(t(f"ui.cash.{name}"), list(choices), key=f"{MOVE}.{name}", index=None,
                             format_func=lambda i: choices.get(i, str(i)), placeholder=t("ui.order.choose"))
                form_state.field_error(MOVE, field)
        cols = st.columns(3)
        with cols[0]:
            st.text_input(t("field.amount"), key=f"{MOVE}.amount")
            form_state.field_error(MOVE, "amount")
        date_field(t("ui.cash.transfer_date"), value="today", key=f"{MOVE}.date", where=cols[1])
        cols[2].text_input(t("ui.cash.memo"), key=f"{MOVE}.memo")
        form_state.other_errors(MOVE, ("account_id", "to_account_id", "amount"))
        st.button(t("ui.cash.transfer"), key=f"{MOVE}.post", type="primary", on_click=_transfer, args=(form_state.token(MOVE),))

with tabs["position"]:
    options = serving_finance.options() if serving.is_published() else None
    if options is None or options.first_day is None:
        no_data_message()
    else:
        cols = st.columns([2, 1])
        start_default = max(options.first_day, options.last_day - timedelta(days=89))
        picked = date_field(t("ui.filter.date_range"), value=(start_default, options.last_day),
                                    min_value=options.first_day, max_value=options.last_day, key="cash.pos.dates", where=cols[0])
        account_id = cols[1].selectbox(t("field.account_id"), [None, *options.accounts], key="cash.pos.account",
                                       format_func=lambda i: t("ui.cash.all_accounts") if i is None
                                       else options.accounts.get(i, str(i)))
        start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else \
            (start_default, options.last_day)
        position = serving_finance.cash_position(start, end, account_id)
        if position.empty:
            st.caption(t("ui.chart.empty"))
        else:
            last = position[position["date_day"] == position["date_day"].max()]
            st.metric(t("ui.cash.closing_on", day=str(pd.Timestamp(end).date())),
                      money(last["closing_balance"].sum()))
            chart = position.assign(closing_balance=position["closing_balance"].astype(float))
            charts.show(chart, lambda df: px.line(
                df, x="date_day", y="closing_balance", color="account_code", title=t("ui.cash.position_chart"),
                labels={"date_day": t("ui.col.date_day"), "closing_balance": t("ui.col.closing_balance"),
                        "account_code": t("ui.col.account_code")}).update_layout(height=320), key="cash.pos.chart")
            for column in ("opening_balance", "amount_in", "amount_out", "closing_balance"):
                position[column] = position[column].astype(float)
            shown = with_headers(position.sort_values(["date_day", "account_code"], ascending=[False, True]),
                                 POSITION_COLUMNS)
            show_table(shown, money=("opening_balance", "amount_in",
                                                                             "amount_out", "closing_balance",))
            export_buttons(shown, "cash_position_daily", "cash.pos.export")

with tabs["forecast"]:
    forecast = serving_finance.cash_forecast() if serving.is_published() else pd.DataFrame()
    if forecast.empty:
        no_data_message()
    else:
        st.caption(t("ui.cash.forecast_from", day=str(pd.Timestamp(forecast["forecast_date"].iloc[0]).date()),
                     amount=money(forecast["starting_cash"].iloc[0])))
        weeks = forecast.drop_duplicates("week_no")[["week_no", "week_start", "week_end", "week_opening_balance",
                                                    "week_net_flow", "week_closing_balance"]]
        flows = forecast.pivot_table(index="week_no", columns="source", values="amount", aggfunc="sum",
                                     observed=False).astype(float)
        table = weeks.set_index("week_no").join(flows).reset_index()
        for column in ("week_opening_balance", "week_net_flow", "week_closing_balance"):
            table[column] = table[column].astype(float)
        sources = [c for c in ("ar_instalments", "open_sales_orders", "ap_instalments", "open_purchase_orders",
                               "approved_claims") if c in table.columns]
        charts.show(table, lambda df: charts.balance_and_changes(
            df.assign(week_no=df["week_no"].astype(str)), "week_no", "week_net_flow", "week_closing_balance",
            "ui.cash.forecast_chart"), key="cash.fc.chart")
        shown = with_headers(table, ("week_no", "week_start", "week_end", "week_opening_balance", *sources,
                                     "week_net_flow", "week_closing_balance"))
        show_table(shown, money=("week_opening_balance", *sources, "week_net_flow", "week_closing_balance",))
        export_buttons(shown, "cash_forecast_13w", "cash.fc.export")
