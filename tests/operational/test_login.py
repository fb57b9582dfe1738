"""Login rules (operational.services.auth) on SQLite and PostgreSQL: lockout per user name and per
client (and its end), the audit trail, the same hashing work for unknown users, the forced
password change, an admin's reset, and signed sessions that expire and are revoked."""

from __future__ import annotations

import hashlib
import logging
import os
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from operational.db import read_only, unit_of_work
from operational.models import AppUser, LoginEvent, LoginSession, utcnow
from operational.services import auth
from operational.services.errors import AuthError, ValidationError

PASSWORD = "right-horse-9"
T0 = datetime(2026, 12, 7, 9, 0, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, data_dir: Path) -> Engine:
    """A migrated store on either backend with three users; the session secret in data_dir."""
    engine = request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine")
    with unit_of_work(engine) as s:
        auth.create_user(s, "alice", PASSWORD, "sales", "爱丽丝", iterations=1000)
        auth.create_user(s, "bob", PASSWORD, "finance", "鲍勃", iterations=1000)
        auth.create_user(s, "root", PASSWORD, "admin", "管理员", iterations=1000)
    return engine


def _fail(engine: Engine, username: str, at: datetime, client: str = "10.0.0.1", password: str = "wrong-guess") -> str:
    with pytest.raises(AuthError) as err:
        auth.login(username, password, client, engine=engine, now=at)
    return err.value.message()


def _events(engine: Engine) -> list[tuple[str, int | None, str, str, str | None]]:
    with read_only(engine) as s:
        return [(e.username, e.user_id, e.client, e.outcome, e.detail)
                for e in s.execute(select(LoginEvent).order_by(LoginEvent.id)).scalars()]


def _user_id(engine: Engine, username: str) -> int:
    with read_only(engine) as s:
        return s.execute(select(AppUser.id).where(AppUser.username == username)).scalar_one()


def test_five_failures_lock_the_user_name_for_fifteen_minutes_known_or_not(engine):
    for i in range(5):
        assert _fail(engine, "alice", T0 + timedelta(seconds=i)) == "用户名或密码错误"
        assert _fail(engine, "nobody", T0 + timedelta(seconds=i)) == "用户名或密码错误"
    # Locked now: even the right password is refused, and unknown and known names read the same.
    locked = _fail(engine, "alice", T0 + timedelta(minutes=1), password=PASSWORD)
    assert locked == "登录失败次数过多，已暂时锁定，请在 15 分钟后再试"
    assert _fail(engine, "nobody", T0 + timedelta(minutes=1)) == locked
    with pytest.raises(AuthError) as err:
        auth.login("alice", PASSWORD, "10.0.0.1", engine=engine, now=T0 + timedelta(minutes=10, seconds=4))
    assert err.value.message("en") == "too many failed logins: locked for now, try again in 5 minutes"
    # The lock is on the name, not the client: bob logs in from the same address.
    assert auth.login("bob", PASSWORD, "10.0.0.1", engine=engine, now=T0 + timedelta(minutes=1)).username == "bob"
    # Refused attempts while locked do not extend the lock: 15 minutes after the 5th failure it is over.
    user = auth.login("alice", PASSWORD, "10.0.0.1", engine=engine, now=T0 + timedelta(minutes=15, seconds=5))
    assert (user.username, user.role, user.display_name) == ("alice", "sales", "爱丽丝")


def test_failures_spread_wider_than_the_window_do_not_lock_and_a_success_starts_afresh(engine):
    for i in range(4):
        _fail(engine, "alice", T0 + timedelta(minutes=4 * i))  # 0, 4, 8, 12 min
    _fail(engine, "alice", T0 + timedelta(minutes=16))  # 5 failures, but never 5 inside 15 minutes
    auth.login("alice", PASSWORD, "10.0.0.1", engine=engine, now=T0 + timedelta(minutes=17))
    for i in range(4):
        _fail(engine, "alice", T0 + timedelta(minutes=18, seconds=i))
    # 8 failures in 15 minutes, but only 4 since the success: not locked.
    auth.login("alice", PASSWORD, "10.0.0.1", engine=engine, now=T0 + timedelta(minutes=19))


def test_one_client_is_locked_after_its_limit_across_user_names(engine, monkeypatch):
    monkeypatch.setenv("JXC_LOGIN_MAX_FAILURES_PER_CLIENT", "3")
    for i, name in enumerate(("alice", "bob", "carol")):
        _fail(engine, name, T0 + timedelta(seconds=i), client="192.0.2.7")
    # Logging in to one's own account from there is refused too, and does not reset the count.
    assert _fail(engine, "bob", T0 + timedelta(minutes=2), client="192.0.2.7",
                 password=PASSWORD) == "登录失败次数过多，已暂时锁定，请在 14 分钟后再试"
    assert auth.login("bob", PASSWORD, "192.0.2.8", engine=engine, now=T0 + timedelta(minutes=2)).username == "bob"
    assert auth.login("bob", PASSWORD, "192.0.2.7", engine=engine, now=T0 + timedelta(minutes=15, seconds=3))
    assert [e[3:] for e in _events(engine) if e[2] == "192.0.2.7"] == [
        ("failure", "wrong_password"), ("failure", "wrong_password"), ("failure", "unknown_user"),
        ("locked", "client_locked"), ("success", None)]


def test_every_attempt_leaves_an_audit_row_and_a_log_line(engine, caplog):
    caplog.set_level(logging.INFO, logger="jxc.auth")
    alice = _user_id(engine, "alice")
    _fail(engine, " alice ", T0, client="198.51.100.4")
    _fail(engine, "x" * 300, T0, client="198.51.100.4")
    session = auth.login("alice", PASSWORD, "198.51.100.4", engine=engine, now=T0)
    auth.logout(session.token, engine=engine)
    with unit_of_work(engine) as s:
        s.get(AppUser, _user_id(engine, "bob")).is_active = False
    _fail(engine, "bob", T0, client="198.51.100.5", password=PASSWORD)
    bob = _user_id(engine, "bob")
    assert _events(engine) == [
        ("alice", alice, "198.51.100.4", "failure", "wrong_password"),
        ("x" * 100, None, "198.51.100.4", "failure", "unknown_user"),
        ("alice", alice, "198.51.100.4", "success", None),
        ("alice", alice, "198.51.100.4", "logout", None),
        ("bob", bob, "198.51.100.5", "failure", "inactive"),
    ]
    lines = [r.getMessage() for r in caplog.records if r.name == "jxc.auth"]
    assert lines[0] == f"login failure: user='alice' user_id={alice} client=198.51.100.4 detail=wrong_password"
    assert len(lines) == 5 and lines[2].startswith("login success: user='alice'")


def test_unknown_and_inactive_users_cost_the_same_hashing_as_a_wrong_password(engine, monkeypatch):
    calls: list[int] = []
    real = auth._pbkdf2

    def counting(password: str, salt: bytes, iterations: int) -> bytes:
        calls.append(iterations)
        return real(password, salt, iterations)

    monkeypatch.setattr(auth, "_pbkdf2", counting)
    _fail(engine, "alice", T0)
    _fail(engine, "no-such-user", T0)
    with unit_of_work(engine) as s:
        s.get(AppUser, _user_id(engine, "bob")).is_active = False
    _fail(engine, "bob", T0, password=PASSWORD)
    # One PBKDF2 per attempt; the unknown name at the default cost (alice's hash uses 1,000 rounds).
    assert calls == [1000, 200_000, 1000]


def test_an_unknown_user_is_not_answered_faster_than_a_wrong_password(store_engine, data_dir):
    with unit_of_work(store_engine) as s:
        auth.create_user(s, "carol", PASSWORD, "sales")  # the default cost, like every real user
    def timed(username: str) -> float:
        # The CPU time of this thread (the hash runs in it), not the wall clock: the other test
        # processes of `make test` share the CPUs and would make a wall-clock ratio a coin toss.
        started = time.thread_time()
        _fail(store_engine, username, T0, client=f"203.0.113.{len(username)}")
        return time.thread_time() - started

    timed("warm-up")
    known = statistics.median(timed("carol") for _ in range(3))
    unknown = statistics.median(timed("no-such-name") for _ in range(3))
    # Without the dummy hash an unknown name answered in ~5 ms against ~200 ms: a tolerant bound.
    assert unknown > 0.6 * known, (unknown, known)


def test_the_demo_password_must_be_changed_outside_the_demo(engine, monkeypatch):
    with unit_of_work(engine) as s:
        auth.create_user(s, "demo", auth.DEMO_PASSWORD, "sales", iterations=1000)
    # A store not generated by the demo: the login works but the password must change first.
    first = auth.login("demo", auth.DEMO_PASSWORD, engine=engine)
    assert first.must_change_password
    assert auth.resume_session(first.token, engine=engine).must_change_password  # a reload keeps it
    assert _events(engine)[-1][3:] == ("success", "demo_password")
    other = auth.login("demo", auth.DEMO_PASSWORD, engine=engine)
    demo_id = _user_id(engine, "demo")
    cases = [("wrong-current", "new-password-1", "当前密码", "当前密码不正确"),
             (auth.DEMO_PASSWORD, "short", "新密码", "demo：密码至少需要8个字符"),
             (auth.DEMO_PASSWORD, auth.DEMO_PASSWORD, "新密码", "demo：不能使用演示密码"),
             (auth.DEMO_PASSWORD, "DEMO", "新密码", "demo：密码至少需要8个字符")]
    for current, new, _label, message in cases:
        with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
            auth.change_password(s, demo_id, current, new, keep_token=first.token)
        assert err.value.message() == message
    with unit_of_work(engine) as s:
        auth.change_password(s, demo_id, auth.DEMO_PASSWORD, "Demo-Fixed-2026", keep_token=first.token)
    assert not auth.resume_session(first.token, engine=engine).must_change_password
    assert auth.resume_session(other.token, engine=engine) is None  # the other browser is logged out
    assert not auth.login("demo", "Demo-Fixed-2026", engine=engine).must_change_password
    _fail(engine, "demo", utcnow(), password=auth.DEMO_PASSWORD)

    # In the demo (a store the demo generated) the demo password stays usable ...
    with unit_of_work(engine) as s:
        auth.mark_demo_store(s)
        auth.create_user(s, "demo2", auth.DEMO_PASSWORD, "sales", iterations=1000)
    assert not auth.login("demo2", auth.DEMO_PASSWORD, engine=engine).must_change_password
    # ... unless the operator says this demo store is used for real.
    monkeypatch.setenv("JXC_DEMO_MODE", "0")
    assert auth.login("demo2", auth.DEMO_PASSWORD, engine=engine).must_change_password


def test_an_admin_resets_a_password_to_a_temporary_one_that_must_be_changed(engine):
    alice_id, root_id = _user_id(engine, "alice"), _user_id(engine, "root")
    alice_session = auth.login("alice", PASSWORD, engine=engine)
    for i in range(5):
        _fail(engine, "alice", utcnow() - timedelta(seconds=10 - i))
    with pytest.raises(AuthError) as err, unit_of_work(engine) as s:
        auth.reset_password(s, s.get(AppUser, _user_id(engine, "bob")), alice_id)
    assert err.value.message() == "当前角色无权执行此操作"
    with unit_of_work(engine) as s:
        temporary = auth.reset_password(s, s.get(AppUser, root_id), alice_id)
    assert len(temporary) == 12
    assert auth.resume_session(alice_session.token, engine=engine) is None  # her sessions ended
    _fail(engine, "alice", utcnow(), password=PASSWORD)  # the old password is gone
    # The reset lifted the lockout; the temporary password opens only the change form.
    user = auth.login("alice", temporary, engine=engine)
    assert user.must_change_password
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        auth.change_password(s, alice_id, temporary, temporary, keep_token=user.token)
    assert err.value.message("en") == "alice: the new password must differ from the current one"
    with unit_of_work(engine) as s:
        auth.change_password(s, alice_id, temporary, "alice-new-pass", keep_token=user.token)
    assert not auth.resume_session(user.token, engine=engine).must_change_password
    with read_only(engine) as s:
        rows = auth.list_users(s, s.get(AppUser, root_id))
        assert [(r.username, r.must_change_password) for r in rows] == [
            ("alice", False), ("bob", False), ("root", False)]
        assert rows[0].last_login_at is not None and rows[1].last_login_at is None
        events = auth.login_events(s, s.get(AppUser, root_id), limit=3)
        assert [(e.outcome, e.detail) for e in events] == [
            ("password_changed", None), ("success", "must_change_password"), ("failure", "wrong_password")]
        with pytest.raises(AuthError):
            auth.list_users(s, s.get(AppUser, alice_id))
    assert ("alice", alice_id, "127.0.0.1", "password_reset", "by:root") in _events(engine)


def test_session_tokens_are_signed_expire_and_end_at_logout(engine, data_dir):
    now = utcnow()
    user = auth.login("alice", PASSWORD, "10.1.1.1", engine=engine, now=now)
    assert user.expires_at == now + timedelta(hours=12)
    resumed = auth.resume_session(user.token, engine=engine)
    assert (resumed.username, resumed.role, resumed.token) == ("alice", "sales", user.token)
    assert auth.resume_session(user.token, engine=engine, now=now + timedelta(hours=12, seconds=1)) is None
    session_id, expiry, signature = user.token.split(".")
    later = str(int(expiry) + 86400)
    assert auth.resume_session(f"{session_id}.{later}.{signature}", engine=engine) is None  # expiry is signed
    assert auth.resume_session(f"{session_id}.{expiry}.{signature[:-2]}xx", engine=engine) is None
    for junk in (None, "", "a.b", "x" * 500, "a.1.b"):
        assert auth.resume_session(junk, engine=engine) is None
    # The secret is the data dir's, readable by its owner only; another secret rejects the token.
    secret = data_dir / auth.SECRET_FILE
    assert os.stat(secret).st_mode & 0o777 == 0o600
    with read_only(engine) as s:  # the store keeps only a hash of the session id
        row = s.execute(select(LoginSession)).scalar_one()
        assert row.token_hash == hashlib.sha256(session_id.encode()).hexdigest() != session_id
        assert row.client == "10.1.1.1" and row.revoked_at is None
    auth.logout(user.token, engine=engine)
    assert auth.resume_session(user.token, engine=engine) is None
    auth.logout(user.token, engine=engine)  # twice is harmless
    assert [e[3] for e in _events(engine)] == ["success", "logout"]


def test_a_token_signed_with_another_secret_is_refused(engine, tmp_path):
    user = auth.login("alice", PASSWORD, engine=engine)
    payload = user.token.rsplit(".", 1)[0]
    import base64
    import hmac

    other = auth.secret_key(tmp_path / "elsewhere")
    assert other != auth.secret_key()
    forged = base64.urlsafe_b64encode(hmac.new(other, payload.encode(), hashlib.sha256).digest()).rstrip(b"=")
    assert auth.resume_session(f"{payload}.{forged.decode()}", engine=engine) is None


def test_client_address_trusts_forwarded_for_only_behind_configured_proxies():
    assert auth.client_address(None) == "127.0.0.1"
    assert auth.client_address("192.0.2.1", "6.6.6.6") == "192.0.2.1"
    assert auth.client_address("10.0.0.2", "6.6.6.6, 192.0.2.9", trusted_proxies=1) == "192.0.2.9"
    assert auth.client_address("10.0.0.2", "192.0.2.9, 10.0.0.3", trusted_proxies=2) == "192.0.2.9"


def test_the_demo_marks_its_store_so_its_users_keep_the_demo_password(store_engine, monkeypatch):
    from datetime import date

    from operational.demo import generate, passes

    monkeypatch.setattr(passes, "PASSES", [])  # the company and its users are enough here
    generate(store_engine, scale=0.02, seed=42, end_date=date(2026, 3, 31), days=5)
    with read_only(store_engine) as s:
        assert auth.is_demo_store(s)
    assert not auth.login("admin", auth.DEMO_PASSWORD, engine=store_engine).must_change_password
    monkeypatch.setenv("JXC_DEMO_MODE", "0")
    assert auth.login("admin", auth.DEMO_PASSWORD, engine=store_engine).must_change_password


def test_login_records_stay_out_of_the_warehouse():
    from ingestion.schema import raw_table_specs

    tables = set(raw_table_specs())
    assert "app_user" in tables
    assert not {"login_event", "login_session", "store_setting"} & tables


def _old_history(engine: Engine) -> None:
    """Events 400, 366 and 364 days before T0, a session that expired 380 days before, one revoked
    370 days before and one that ended 10 days before."""
    alice = _user_id(engine, "alice")
    with unit_of_work(engine) as s:
        for days, outcome in ((400, "failure"), (366, "success"), (364, "success")):
            s.add(LoginEvent(occurred_at=T0 - timedelta(days=days), username="alice", user_id=alice,
                             client="10.0.0.9", outcome=outcome))
        # Not hex digits: a real session's hash (SHA-256 hex) never starts with one of them.
        for name, created, expires, revoked in (("x", 381, 380, None), ("y", 375, -5, 370), ("z", 11, 10, None)):
            s.add(LoginSession(token_hash=name * 64, user_id=alice, client="10.0.0.9",
                               created_at=T0 - timedelta(days=created), expires_at=T0 - timedelta(days=expires),
                               revoked_at=None if revoked is None else T0 - timedelta(days=revoked)))


def _event_ages(engine: Engine) -> list[int]:
    with read_only(engine) as s:
        return sorted((T0 - e.occurred_at).days for e in s.execute(select(LoginEvent)).scalars())


def _session_hashes(engine: Engine) -> list[str]:
    with read_only(engine) as s:
        return sorted(h[0] for h in s.execute(select(LoginSession.token_hash)).scalars())


def test_a_login_prunes_login_history_older_than_a_year(engine):
    _old_history(engine)
    _fail(engine, "alice", T0)  # a failure prunes nothing: a flood of guesses deletes no history
    assert _event_ages(engine) == [0, 364, 366, 400]
    auth.login("alice", PASSWORD, "10.0.0.1", engine=engine, now=T0)
    # Kept: 365 days (JXC_KEEP_LOGIN_DAYS): the event of 364 days ago, today's failure and success.
    assert _event_ages(engine) == [0, 0, 364]
    # Sessions: "x" expired 380 days ago, "y" was revoked 370 days ago (its expiry is in the future);
    # "z" ended 10 days ago and today's new session stays.
    hashes = _session_hashes(engine)
    assert "x" not in hashes and "y" not in hashes and "z" in hashes and len(hashes) == 2


def test_jxc_keep_login_days_and_the_prune_service(engine, monkeypatch):
    _old_history(engine)
    monkeypatch.setenv("JXC_KEEP_LOGIN_DAYS", "30")
    with unit_of_work(engine) as s:
        report = auth.prune_login_history(s, now=T0)
    assert (report.cutoff, report.events, report.sessions) == (T0 - timedelta(days=30), 3, 2)
    assert _event_ages(engine) == [] and _session_hashes(engine) == ["z"]
    # Never less than the failures the lockout counts: "0" means the minimum of 1 day.
    monkeypatch.setenv("JXC_KEEP_LOGIN_DAYS", "0")
    assert auth.login_history_cutoff(now=T0) == T0 - timedelta(days=1)


def test_jxc_prune_prunes_the_login_history(store_engine, dagster_home, monkeypatch):
    from typer.testing import CliRunner

    from orchestration.cli import app

    with unit_of_work(store_engine) as s:
        auth.create_user(s, "alice", PASSWORD, "sales", "爱丽丝", iterations=1000)
    now = utcnow()
    with unit_of_work(store_engine) as s:
        for days in (500, 200, 1):
            s.add(LoginEvent(occurred_at=now - timedelta(days=days), username="alice", client="10.0.0.9",
                             outcome="failure"))
    monkeypatch.setenv("JXC_KEEP_LOGIN_DAYS", "100")
    result = CliRunner().invoke(app, ["prune"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "deleted 2 login events and 0 ended sessions older than 100 days" in result.output
    with read_only(store_engine) as s:
        assert [round((now - e.occurred_at).days) for e in s.execute(select(LoginEvent)).scalars()] == [1]
