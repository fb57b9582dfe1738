"""The users page issues and revokes REST API tokens: the secret is shown once, works against the
real API app, and stops working when revoked on the page."""

from __future__ import annotations

from dashboard_support import texts
from fastapi.testclient import TestClient

from api.app import create_app


def test_an_admin_issues_and_revokes_an_api_token(app_for, company):
    at = app_for("admin", page="views/user_admin.py")
    assert not at.exception
    at.selectbox(key="user_admin.token.user_id").set_value(company.users["warehouse"].id)
    at.text_input(key="user_admin.token.name").set_value("扫码枪")
    at.button(key="FormSubmitter:user_admin.token-签发令牌").click().run()
    assert not at.exception
    assert "已签发令牌，请立即复制保存（只显示这一次）：" in texts(at)
    secret = at.code[-1].value
    assert secret.startswith("jxc_")
    tokens = at.dataframe[2].value
    assert tokens.iloc[0][["用户名", "用途", "令牌前缀"]].tolist() == ["warehouse", "扫码枪", secret[:12] + "…"]
    with TestClient(create_app(company.engine)) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.json()["username"] == "warehouse"
        at.run()  # a rerun does not show the secret again
        assert secret not in [c.value for c in at.code]
        at.button(key="FormSubmitter:user_admin.revoke-吊销令牌").click().run()
        shown = secret[:12].replace("_", "\\_")  # the message is shown as text (Markdown escaped)
        assert f"已吊销令牌 {shown}…" in texts(at)
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # an empty purpose is a field error, nothing issued
    at.text_input(key="user_admin.token.name").set_value("")
    at.button(key="FormSubmitter:user_admin.token-签发令牌").click().run()
    assert "令牌用途不能为空" in texts(at)
    assert len(at.dataframe[2].value) == 1
