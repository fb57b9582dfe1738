"""The audit log page (审计日志): admins only; a change made on another page appears with the
logged-in user as its author; the filters and the paging narrow the table."""

from __future__ import annotations

import pytest

from operational.db import read_only
from operational.models import AuditLog


def _table(at):  # noqa: ANN001, ANN202
    return at.dataframe[0].value


def test_the_audit_log_shows_who_changed_what_and_filters(app_for, company):
    # A change through a page: the admin resets purchasing's password on 用户管理.
    at = app_for("admin", page="views/user_admin.py")
    at.selectbox(key="user_admin.reset.user_id").set_value(company.users["purchasing"].id)
    at.button(key="FormSubmitter:user_admin.reset-重置密码").click().run()
    with read_only(company.engine) as s:
        row = s.query(AuditLog).filter_by(table_name="app_user", action="update").one()
        assert (row.username, row.channel, row.record_id) == ("admin", "web", str(company.users["purchasing"].id))
        assert '"must_change_password": true' in row.new_values and '"password_hash": "***"' in row.new_values

    at = app_for("admin", page="views/audit_log.py")
    assert not at.exception
    assert at.title[0].value == "审计日志"
    everything = _table(at)
    assert len(everything) == min(50, len(everything))
    at.selectbox(key="audit_log.table").set_value("app_user").run()
    at.selectbox(key="audit_log.action").set_value("update").run()
    table = _table(at)
    assert table[["用户", "来源", "操作", "数据表", "记录"]].values.tolist() == [
        ["admin", "网页", "修改", "app_user", str(company.users["purchasing"].id)]]
    assert "共 1 条，第 1/1 页" in [c.value for c in at.caption]
    at.text_input(key="audit_log.user").set_value("nobody").run()
    assert [i.value for i in at.info] == ["没有符合条件的记录"]
    # A date range the wrong way round is refused with the field names, not a traceback.
    import datetime as dt
    at.text_input(key="audit_log.user").set_value("").run()
    at.date_input(key="audit_log.from").set_value(dt.date.today()).run()
    at.date_input(key="audit_log.to").set_value(dt.date.today() - dt.timedelta(days=1)).run()
    assert [e.value for e in at.error] == ["结束日期不能早于开始日期"]
    assert not at.exception


def test_paging_and_export(app_for, company):
    from operational.db import unit_of_work
    from operational.models import Supplier
    from operational.services import masterdata as md

    with unit_of_work(company.engine) as s:
        supplier = s.query(Supplier.id).first()[0]
    for n in range(60):  # sixty changes, one transaction each
        with unit_of_work(company.engine) as s:
            md.set_supplier_status(s, supplier, "on_hold" if n % 2 == 0 else "active")
    at = app_for("admin", page="views/audit_log.py")
    with read_only(company.engine) as s:
        total = s.query(AuditLog).count()
    assert total > 60
    assert len(_table(at)) == 50
    at.number_input(key="audit_log.page").set_value(2).run()
    pages = -(-total // 50)
    assert f"共 {total} 条，第 2/{pages} 页" in [c.value for c in at.caption]
    assert len(_table(at)) == min(50, total - 50)
    assert len(at.get("download_button")) == 2  # CSV and Excel of the shown page (formula-safe writers)


@pytest.mark.parametrize("role", ["manager", "purchasing", "finance", "analyst"])
def test_other_roles_cannot_open_the_audit_log(app_for, role):
    with pytest.raises(ValueError):  # not registered with st.navigation for them
        app_for(role).switch_page("views/audit_log.py")
