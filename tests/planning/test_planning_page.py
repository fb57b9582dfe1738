"""The planning page (AppTest of the whole app against a real store and a published plan): a buyer
selects a suggestion and creates a draft purchase order found in the store; the suggestion then
leaves the list; a demand adjustment lands in the store; an analyst reads without the actions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from plan_support import MARTS, build_plan_company, replan, write_forecast
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY, CurrentUser
from operational.db import unit_of_work
from operational.models import DemandAdjustment, PlanDocumentLink, PurchaseOrder, StockBalance, StockTransfer
from operational.services import auth, replenishment, transfers
from orchestration.serving_file import PublishInfo, build_serving_file

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"


def _users(engine) -> dict[str, CurrentUser]:  # noqa: ANN001
    with unit_of_work(engine) as s:
        out = {}
        for role in ("purchasing", "analyst"):
            user = auth.create_user(s, f"{role}1", "secret-pw", role, display_name=role, iterations=1000)
            out[role] = CurrentUser(user.id, user.username, user.display_name, user.role)
        return out


def _app(user: CurrentUser) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[USER_KEY] = user
    at.run()
    at.switch_page("views/planning.py").run()
    assert not at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "caption", "info", "success", "error", "markdown")
             for e in getattr(at, kind)]
    return "\n".join(parts)


def test_a_buyer_turns_a_suggestion_into_a_draft_order_and_adjusts_demand(store_engine, data_dir):
    c = build_plan_company(store_engine)
    users = _users(store_engine)
    today = date.today()
    monday = today - timedelta(days=today.weekday())
    warehouse = data_dir / "warehouse.duckdb"
    write_forecast(warehouse, c, start=monday)
    replan(c, warehouse, today=today)
    build_serving_file(warehouse, data_dir / "serving.duckdb", MARTS,
                       PublishInfo(datetime(2026, 12, 7), "run", "job", "w"), [])

    at = _app(users["purchasing"])
    frames = [f.value for f in at.dataframe]
    suggestions = next(f for f in frames if "原因" in f.columns)
    assert list(suggestions["原因"]) == ["第1周缺货；调出仓富余550；安全库存0", "第3周缺货；提前期14天；安全库存24"]
    pick = at.multiselect(key="plan.create.pick")
    assert pick.options == ["调拨 P002 薯片70g：广州仓 → 上海主仓 100袋",
                            "采购 P001 矿泉水550ml：杭州清泉饮品有限公司 → 上海主仓 225瓶"]
    pick.set_value([f"purchase:{c.water}:{c.wh1}"]).run()
    at.button(key="plan.create.go").click().run()
    assert not at.exception
    assert [s.value for s in at.success][0].startswith("已生成1张草稿单据：PO")
    with unit_of_work(store_engine) as s:
        (order,) = s.execute(select(PurchaseOrder)).scalars().all()
        assert (order.status, order.supplier_id, order.warehouse_id) == ("draft", c.supplier, c.wh1)
        assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines] == [(c.water, 225, Decimal("1.50"))]
        (link,) = s.execute(select(PlanDocumentLink)).scalars().all()
        assert (link.purchase_order_id, link.created_by) == (order.id, users["purchasing"].id)
    # The open order's suggestion is no longer offered (until the next plan, which does not make it).
    assert at.multiselect(key="plan.create.pick").options == ["调拨 P002 薯片70g：广州仓 → 上海主仓 100袋"]
    assert "另有1条建议已生成单据，单据完成前不再显示" in _texts(at)

    # A demand adjustment for the next plan.
    at.selectbox(key="plan.adj.item").set_value((c.water, c.wh1))
    at.selectbox(key="plan.adj.week").set_value(monday + timedelta(weeks=1))
    at.radio(key="plan.adj.mode").set_value("delta")
    at.text_input(key="plan.adj.qty").set_value("30")
    at.text_input(key="plan.adj.reason").set_value("双十二促销").run()
    at.button(key="plan.adj.save").click().run()
    assert not at.exception
    with unit_of_work(store_engine) as s:
        (adj,) = s.execute(select(DemandAdjustment)).scalars().all()
        assert (adj.product_id, adj.warehouse_id, adj.week_start, adj.mode, adj.quantity, adj.reason, adj.created_by) \
            == (c.water, c.wh1, monday + timedelta(weeks=1), "delta", 30, "双十二促销", users["purchasing"].id)

    # An empty reason is refused next to its field, nothing written.
    at.text_input(key="plan.adj.qty").set_value("5")
    at.text_input(key="plan.adj.reason").set_value("").run()
    at.button(key="plan.adj.save").click().run()
    assert "调整原因不能为空" in [e.value for e in at.error][0]

    # Target service levels per ABC class, for the next plan.
    at.text_input(key="plan.levels.A").set_value("0.97").run()
    at.button(key="plan.levels.save").click().run()
    assert not at.exception and "已保存服务水平，下次计划生效" in _texts(at)
    with unit_of_work(store_engine) as s:
        assert replenishment.service_levels(s) == {"A": Decimal("0.97"), "B": Decimal("0.95"), "C": Decimal("0.95")}

    analyst = _app(users["analyst"])
    assert not analyst.multiselect and not [b for b in analyst.button if b.key == "plan.create.go"]  # read only
    shown = next(f.value for f in analyst.dataframe if "原因" in f.value.columns)
    assert list(shown["原因"]) == ["第1周缺货；调出仓富余550；安全库存0"]  # the ordered one is gone
    english = AppTest.from_file(str(APP), default_timeout=30)
    english.session_state[USER_KEY] = users["analyst"]
    english.session_state["language"] = "en"
    english.run()
    english.switch_page("views/planning.py").run()
    shown = next(f.value for f in english.dataframe if "Reason" in f.value.columns)
    assert list(shown["Reason"]) == ["runs out in week 1; source has 550 beyond its need; safety stock 0"]


def test_a_draft_transfer_from_the_plan_is_shipped_on_the_transfer_page(store_engine, data_dir):
    c = build_plan_company(store_engine)
    with unit_of_work(store_engine) as s:
        user = auth.create_user(s, "wh1", "secret-pw", "warehouse", display_name="仓管", iterations=1000)
        keeper = CurrentUser(user.id, user.username, user.display_name, user.role)
        draft = transfers.create_draft_transfer(s, c.wh2, c.wh1, date.today(), [transfers.TransferLineInput(c.chips, 100)])
        doc_no, draft_id = draft.doc_no, draft.id
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[USER_KEY] = keeper
    at.run()
    at.switch_page("views/stock_transfer.py").run()
    at.selectbox(key="trd.transfer").set_value(draft_id).run()
    assert any("P002 薯片70g 100 袋" in str(m.value) for m in at.markdown)
    at.button(key="trd.ship").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"调拨单{doc_no}已发出，货物在途"]
    with unit_of_work(store_engine) as s:
        doc = s.get(StockTransfer, draft_id)
        assert doc.status == "in_transit"
        balances = dict(s.execute(select(StockBalance.warehouse_id, StockBalance.quantity)
                                  .where(StockBalance.product_id == c.chips)).all())
        assert balances[c.wh2] == 500  # 600 − 100 left for the transit warehouse
