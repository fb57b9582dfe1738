"""The login page's security (AppTest of the whole app against a real store): the lockout message
in the user's language, the forced password change before any other page, the session cookie
written after login and deleted at logout, and the admin's password reset page."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from dashboard_support import PASSWORD, texts
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from operational.db import read_only, unit_of_work
from operational.models import AppUser, LoginEvent, LoginSession
from operational.services import auth
from operational.services.errors import AuthError


def _login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").set_value(username)
    at.text_input(key="login_password").set_value(password)
    return at.button[0].click().run()


def _cookie_scripts(at: AppTest) -> list[str]:
    return [h.value for h in at.html if "document.cookie" in h.value]


def test_repeated_failures_lock_the_name_with_a_message_in_the_users_language(app_for, company):
    at = app_for()
    for _ in range(5):
        _login(at, "purchasing", "wrong-password")
        assert [e.value for e in at.error] == ["用户名或密码错误"]
    _login(at, "purchasing", PASSWORD)  # the right password, too late
    assert [e.value for e in at.error] == ["登录失败次数过多，已暂时锁定，请在 15 分钟后再试"]
    assert "user" not in at.session_state
    # An unknown name gets the very same answers (nothing tells whether a user exists).
    at = app_for(language="en")
    for _ in range(5):
        _login(at, "no-such-user", "wrong-password")
    _login(at, "no-such-user", PASSWORD)
    assert [e.value for e in at.error] == ["too many failed logins: locked for now, try again in 15 minutes"]
    with read_only(company.engine) as s:
        outcomes = [(e.username, e.outcome) for e in s.execute(select(LoginEvent).order_by(LoginEvent.id)).scalars()]
    assert outcomes == [("purchasing", "failure")] * 5 + [("purchasing", "locked")] + \
        [("no-such-user", "failure")] * 5 + [("no-such-user", "locked")]


def test_the_demo_password_outside_the_demo_opens_only_the_change_form(app_for, company):
    with unit_of_work(company.engine) as s:
        auth.create_user(s, "zhang", auth.DEMO_PASSWORD, "sales", "张三", iterations=1000)
    at = _login(app_for(), "zhang", auth.DEMO_PASSWORD)
    assert not at.exception
    assert at.title[0].value == "修改密码"
    assert "继续使用前请先修改密码" in texts(at)
    assert at.session_state["user"].must_change_password
    with pytest.raises(ValueError):  # no other page is registered until the password changed
        at.switch_page("views/sales_order.py")

    def change(current: str, new: str, confirm: str) -> AppTest:
        at.text_input(key="change_password.current_password").set_value(current)
        at.text_input(key="change_password.new_password").set_value(new)
        at.text_input(key="change_password.confirm_password").set_value(confirm)
        return at.button(key="FormSubmitter:change_password-修改密码").click().run()

    assert [e.value for e in change(auth.DEMO_PASSWORD, "zhang-2026!", "zhang-2026?").error] == ["两次输入的新密码不一致"]
    assert [e.value for e in change(auth.DEMO_PASSWORD, auth.DEMO_PASSWORD, auth.DEMO_PASSWORD).error] == [
        "zhang：不能使用演示密码"]
    assert [e.value for e in change("wrong", "zhang-2026!", "zhang-2026!").error] == ["当前密码不正确"]
    change(auth.DEMO_PASSWORD, "zhang-2026!", "zhang-2026!")
    assert not at.exception and not at.error
    assert not at.session_state["user"].must_change_password
    assert "密码已修改" in texts(at)
    at.switch_page("views/sales_order.py").run()
    assert at.title[0].value == "新建销售订单"
    with read_only(company.engine) as s:
        user = s.execute(select(AppUser).where(AppUser.username == "zhang")).scalar_one()
        assert not user.must_change_password and auth.verify_password("zhang-2026!", user.password_hash)


def test_login_writes_the_session_cookie_and_logout_revokes_and_deletes_it(app_for, company):
    at = _login(app_for(), "purchasing", PASSWORD)
    token = at.session_state["user"].token
    assert auth.resume_session(token).username == "purchasing"
    [script] = _cookie_scripts(at)
    assert f'"jxc_session={token}; Max-Age=43200; Path=/; SameSite=Strict"' in script or \
        f'"jxc_session={token}; Max-Age=43199; Path=/; SameSite=Strict"' in script
    at.run()
    assert _cookie_scripts(at) == []  # written once, not on every run
    at.button(key="logout").click().run()
    assert _cookie_scripts(at) == ['<script>document.cookie = "jxc_session=; Max-Age=0; Path=/; SameSite=Strict" + '
                                   '(location.protocol === "https:" ? "; Secure" : "");</script>']
    assert auth.resume_session(token) is None  # the old cookie no longer logs anybody in
    with read_only(company.engine) as s:
        assert s.execute(select(LoginSession.revoked_at)).scalar_one() is not None


def test_an_admin_resets_a_password_on_the_user_page(app_for, company):
    at = app_for("admin", page="views/user_admin.py")
    assert not at.exception
    assert at.title[0].value == "用户管理"
    assert "purchasing" in at.dataframe[0].value["用户名"].tolist()
    at.selectbox(key="user_admin.reset.user_id").set_value(company.users["purchasing"].id)
    at.button(key="FormSubmitter:user_admin.reset-重置密码").click().run()
    assert "已重置 purchasing 的密码，临时密码如下（只显示这一次）：" in texts(at)
    temporary = at.code[0].value
    assert len(temporary) == 12
    events = at.dataframe[1].value
    assert events.iloc[0][["用户名", "结果", "说明"]].tolist() == ["purchasing", "管理员重置密码", "由 admin 重置"]
    # Other roles do not get the page.
    with pytest.raises(ValueError):
        app_for("manager").switch_page("views/user_admin.py")
    # The old password is gone; the temporary one leads to the change form.
    at = _login(app_for(), "purchasing", PASSWORD)
    assert [e.value for e in at.error] == ["用户名或密码错误"]
    at = _login(app_for(), "purchasing", temporary)
    assert at.title[0].value == "修改密码"


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_login_pages_show_no_raw_catalog_key(app_for, company, language):
    from test_catalog import RAW_KEY, _visible_strings

    for username, password in (("purchasing", "wrong-password"), ("nobody", "x"), ("sales", PASSWORD)):
        with pytest.raises(AuthError) if password != PASSWORD else nullcontext():
            auth.login(username, password)
    with unit_of_work(company.engine) as s:
        auth.reset_password(s, s.get(AppUser, company.users["admin"].id), company.users["finance"].id)
    for page in ("views/user_admin.py", "views/change_password.py"):
        at = app_for("admin", page=page, language=language)
        assert not at.exception, page
        raw = [text for text in _visible_strings(at) if RAW_KEY.search(text)]
        assert not raw, (page, raw)
    at = app_for("admin", page="views/user_admin.py", language=language)
    details = at.dataframe[1].value.iloc[:, 4].tolist()
    expected = {"zh_CN": ["由 admin 重置", "", "用户不存在", "密码错误"],
                "en": ["reset by admin", "", "no such user", "wrong password"]}[language]
    assert details == expected

