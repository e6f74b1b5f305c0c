"""Sign-in: passwords, one-time links, sessions in cookies, rate limits; the users CLI."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from common.errors import NastavnikError
from storage.db import session_scope
from tests.web_helpers import (
    ADMIN_1,
    PASSWORD,
    Portal,
    build_portal,
    csrf_of,
    module_portal,
    signed_in,
)
from web.users import add_user

portal = module_portal("auth", acts_until=None)


def _client(portal: Portal, **kwargs: object) -> TestClient:
    return TestClient(portal.app(**kwargs), raise_server_exceptions=False, follow_redirects=False)  # type: ignore[arg-type]


def test_password_sign_in_sets_an_httponly_samesite_session_cookie_and_sign_out_ends_it(
    portal: Portal,
) -> None:
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    response = client.post(
        "/signin",
        data={
            "email": ADMIN_1.upper(),
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/schools/sosh1",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/schools/sosh1"
    cookie = response.headers["set-cookie"]
    assert "nastavnik_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # http://testserver; on https the cookie is Secure (next test)
    assert client.get("/schools/sosh1").status_code == 200
    page = client.get("/schools/sosh1").text
    client.post("/signout", data={"csrf_token": csrf_of(page)})
    assert client.get("/schools/sosh1").status_code == 303


def test_on_https_the_cookies_are_secure(tmp_path_factory: pytest.TempPathFactory) -> None:
    portal = build_portal(
        tmp_path_factory.mktemp("https"), acts_until=None, base_url="https://portal.example.ru"
    )
    client = TestClient(portal.app(), base_url="https://testserver", follow_redirects=False)
    response = client.get("/signin")
    assert "Secure" in response.headers["set-cookie"]


def test_an_offsite_next_is_ignored(portal: Portal) -> None:
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    response = client.post(
        "/signin",
        data={
            "email": ADMIN_1,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


def test_a_wrong_password_says_so_and_repeated_failures_are_rate_limited(portal: Portal) -> None:
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    for _ in range(5):
        response = client.post(
            "/signin",
            data={"email": "sosh3@x.ru", "password": "wrong-password", "csrf_token": token},
        )
        assert response.status_code == 400 and "Неверный адрес почты или пароль." in response.text
    response = client.post(
        "/signin", data={"email": "sosh3@x.ru", "password": "wrong-password", "csrf_token": token}
    )
    assert response.status_code == 429 and "Слишком много неудачных попыток" in response.text
    empty = client.post("/signin", data={"email": "", "password": "", "csrf_token": token})
    assert empty.status_code == 400 and "Введите адрес электронной почты и пароль." in empty.text


def _last_link(portal: Portal) -> str:
    letters = sorted(
        portal.settings.mail_dir.glob("signin-*.eml"), key=lambda p: p.stat().st_mtime_ns
    )
    message = message_from_bytes(letters[-1].read_bytes(), policy=policy.default)
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert message["Subject"] == "Вход в портал «Наставник»"
    match = re.search(r"http://testserver(/signin/link/\S+)", body)
    assert match, body
    return match.group(1)


def test_a_sign_in_link_works_once_and_a_get_does_not_use_it(portal: Portal) -> None:
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin/link", data={"email": ADMIN_1, "csrf_token": token})
    assert "на него отправлено письмо" in response.text
    link = _last_link(portal)
    confirm = client.get(link)
    assert confirm.status_code == 200 and ADMIN_1 in confirm.text
    assert client.get(link).status_code == 200  # still unused: a mail scanner's GET uses nothing
    used = client.post(link, data={"csrf_token": csrf_of(confirm.text)})
    assert used.status_code == 303 and "nastavnik_session=" in used.headers["set-cookie"]
    other = _client(portal)
    again = other.post(link, data={"csrf_token": csrf_of(other.get("/signin").text)})
    assert again.status_code == 400 and "устарела или уже использована" in again.text


def test_a_sign_in_link_expires_and_unknown_addresses_get_the_same_answer(portal: Portal) -> None:
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    before = set(portal.settings.mail_dir.glob("*.eml"))
    unknown = client.post("/signin/link", data={"email": "nobody@x.ru", "csrf_token": token})
    assert "Если такой адрес зарегистрирован" in unknown.text
    assert set(portal.settings.mail_dir.glob("*.eml")) == before
    client.post("/signin/link", data={"email": ADMIN_1, "csrf_token": token})
    link = _last_link(portal)
    later = _client(portal, now=portal.now + timedelta(minutes=31))
    assert later.get(link).status_code == 400


def test_add_user_checks_role_and_school(portal: Portal) -> None:
    with session_scope(portal.engine) as session:
        with pytest.raises(NastavnikError, match="администратору школы нужна школа"):
            add_user(session=session, email="a@x.ru", role="school_admin", now=portal.now, by="t")
        with pytest.raises(NastavnikError, match="школы «.*» нет"):
            add_user(
                session=session,
                email="a@x.ru",
                role="school_admin",
                school_id="nope",
                now=portal.now,
                by="t",
            )
        with pytest.raises(NastavnikError, match="роли «.*» нет"):
            add_user(session=session, email="a@x.ru", role="admin", now=portal.now, by="t")
        with pytest.raises(NastavnikError, match="видит весь муниципалитет"):
            add_user(
                session=session,
                email="a@x.ru",
                role="viewer",
                school_id="sosh1",
                now=portal.now,
                by="t",
            )
        with pytest.raises(NastavnikError, match="не короче 8"):
            add_user(
                session=session,
                email="a@x.ru",
                role="viewer",
                password="short",
                now=portal.now,
                by="t",
            )


def test_users_add_without_a_password_writes_a_sign_in_letter(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from common.settings import get_settings
    from nastavnik.cli_users import users_app

    monkeypatch.setenv("NASTAVNIK_DB", str(portal.engine.url))
    monkeypatch.setenv("NASTAVNIK_MAIL_DIR", str(portal.settings.mail_dir / "cli"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            users_app,
            [
                "add",
                "kazym@beloyarsky-edu.example.ru",
                "--role",
                "school_admin",
                "--school",
                "kazym",
            ],
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert (
        "пользователь kazym@beloyarsky-edu.example.ru: school_admin, школа kazym" in result.output
    )
    assert list((portal.settings.mail_dir / "cli").glob("signin-*.eml"))
    with signed_in(portal.app(), ADMIN_1) as client:
        assert client.get("/").headers["location"] == "/schools/sosh1"
