"""One-time sign-in links by e-mail through the real letter machinery: aiosmtpd on loopback.

`users add` without a password and the sign-in page's «Прислать ссылку» send a Russian letter over
SMTP; the link read from the received letter signs in once, a second use and an expired link are
refused, and a mail server that refuses the letter is reported without a traceback. On SQLite and,
when NASTAVNIK_TEST_PG_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from common.settings import get_settings
from nastavnik.cli_users import users_app
from storage.db import session_scope
from storage.models import User
from tests.smtp_server import Received, Sink, SmtpServer
from tests.web_helpers import ADMIN_1, Portal, build_portal, csrf_of, database_url


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(Sink()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def portal(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[Portal]:
    workdir = tmp_path_factory.mktemp(f"signin-{request.param}")
    with database_url(request.param, workdir) as url:
        built = build_portal(workdir, url=url, acts_until=None)
        built.settings = built.settings.model_copy(
            update={
                "smtp_url": smtp.url,
                "mail_from": "Портал «Наставник» <portal@beloyarsky-edu.example.ru>",
            }
        )
        yield built
        built.engine.dispose()


def _client(portal: Portal, **kwargs: object) -> TestClient:
    return TestClient(portal.app(**kwargs), raise_server_exceptions=False, follow_redirects=False)  # type: ignore[arg-type]


def _letter_to(smtp: SmtpServer, address: str, before: int) -> Received:
    letters = smtp.sink.to(address)
    assert len(letters) == before + 1, (
        f"expected one new letter to {address}, got {len(letters) - before}"
    )
    return letters[-1]


def _link(letter: Received) -> str:
    match = re.search(r"http://testserver(/signin/link/[A-Za-z0-9_-]+)\s", letter.text)
    assert match, letter.text
    assert f'href="http://testserver{match.group(1)}"' in letter.html
    return match.group(1)


def _sign_in_with(client: TestClient, link: str) -> object:
    confirm = client.get(link)
    assert confirm.status_code == 200, confirm.text
    return client.post(link, data={"csrf_token": csrf_of(confirm.text)})


def _run_cli(portal: Portal, monkeypatch: pytest.MonkeyPatch, *args: str) -> object:
    monkeypatch.setenv("NASTAVNIK_DB", str(portal.engine.url.render_as_string(hide_password=False)))
    monkeypatch.setenv("NASTAVNIK_BASE_URL", portal.settings.base_url)
    monkeypatch.setenv("NASTAVNIK_SMTP_URL", portal.settings.smtp_url or "")
    monkeypatch.setenv("NASTAVNIK_MAIL_FROM", portal.settings.mail_from)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(users_app, list(args))
    finally:
        get_settings.cache_clear()


def test_users_add_without_a_password_sends_an_invitation_that_signs_in_once(
    portal: Portal, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = "kazym@beloyarsky-edu.example.ru"
    before = len(smtp.sink.to(address))
    result = _run_cli(
        portal,
        monkeypatch,
        "add",
        address,
        "--role",
        "school_admin",
        "--school",
        "kazym",
        "--name",
        "Молданова Татьяна Алексеевна",
        "--now",
        "2022-05-20T09:00",
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"ссылка для входа отправлена: smtp://127.0.0.1:{smtp.port}" in result.output  # type: ignore[attr-defined]
    letter = _letter_to(smtp, address, before)
    assert letter.header("Subject") == "Приглашение в портал «Наставник»"
    assert letter.mail_from == "portal@beloyarsky-edu.example.ru"
    text = letter.text
    assert text.startswith("Здравствуйте, Татьяна Алексеевна!")
    assert (
        "Вам открыт доступ к порталу внедрения целевой модели наставничества (Белоярский район) "
        "как ответственному в МАОУ СОШ с. Казым." in text
    )
    assert (
        "Ссылка действует до 20 мая 2022 г., 09:30 (по местному времени) и только один раз." in text
    )
    link = _link(letter)
    first = _client(portal)
    used = _sign_in_with(first, link)
    assert used.status_code == 303  # type: ignore[attr-defined]
    assert "nastavnik_session=" in used.headers["set-cookie"]  # type: ignore[attr-defined]
    assert first.get("/").headers["location"] == "/schools/kazym"
    again = _client(portal)
    refused = again.get(link)
    assert refused.status_code == 400 and "устарела или уже использована" in refused.text
    token = csrf_of(again.get("/signin").text)
    assert again.post(link, data={"csrf_token": token}).status_code == 400


def test_the_sign_in_page_sends_a_link_by_smtp_that_expires(
    portal: Portal, smtp: SmtpServer
) -> None:
    before = len(smtp.sink.to(ADMIN_1))
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin/link", data={"email": ADMIN_1, "csrf_token": token})
    assert response.status_code == 200 and "на него отправлено письмо" in response.text
    letter = _letter_to(smtp, ADMIN_1, before)
    assert letter.header("Subject") == "Вход в портал «Наставник»"
    assert "Вы запросили вход в портал" in letter.text
    link = _link(letter)
    later = _client(portal, now=portal.now + timedelta(minutes=31))
    expired = later.get(link)
    assert expired.status_code == 400 and "устарела или уже использована" in expired.text
    stale = later.post(link, data={"csrf_token": csrf_of(later.get("/signin").text)})
    assert stale.status_code == 400
    in_time = _client(portal, now=portal.now + timedelta(minutes=29))
    assert _sign_in_with(in_time, link).status_code == 303  # type: ignore[attr-defined]


def test_an_unknown_address_gets_the_same_answer_and_no_letter(
    portal: Portal, smtp: SmtpServer
) -> None:
    before = len(smtp.sink.received)
    client = _client(portal)
    token = csrf_of(client.get("/signin").text)
    response = client.post("/signin/link", data={"email": "nobody@example.ru", "csrf_token": token})
    assert response.status_code == 200 and "Если такой адрес зарегистрирован" in response.text
    assert len(smtp.sink.received) == before


def test_a_refused_letter_is_explained_on_the_page_and_by_the_cli(
    portal: Portal, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = "lykhma@beloyarsky-edu.example.ru"
    smtp.sink.refuse[address] = "550 5.1.1 No such mailbox"
    try:
        result = _run_cli(
            portal, monkeypatch, "add", address, "--role", "school_admin", "--school", "lykhma"
        )
        assert result.exit_code == 1  # type: ignore[attr-defined]
        output = result.output  # type: ignore[attr-defined]
        assert "адрес получателя не существует или отклонён" in output
        assert "[сервер: 550 5.1.1 No such mailbox]" in output and "Traceback" not in output
        assert f"nastavnik users link {address}" in output
        with session_scope(portal.engine) as session:
            assert (
                session.exec(select(User).where(User.email == address)).one().school_id == "lykhma"
            )
        client = _client(portal)
        token = csrf_of(client.get("/signin").text)
        response = client.post("/signin/link", data={"email": address, "csrf_token": token})
        assert response.status_code == 503
        assert "Письмо со ссылкой сейчас не удалось отправить" in response.text
    finally:
        smtp.sink.refuse.pop(address, None)
    resent = _run_cli(portal, monkeypatch, "link", address)
    assert resent.exit_code == 0, resent.output  # type: ignore[attr-defined]
    assert smtp.sink.to(address)


def test_without_smtp_the_letter_goes_to_the_mail_folder(portal: Portal) -> None:
    folder_portal = replace(portal, settings=portal.settings.model_copy(update={"smtp_url": None}))
    client = _client(folder_portal)
    token = csrf_of(client.get("/signin").text)
    before = set(folder_portal.settings.mail_dir.glob("signin-*.eml"))
    client.post("/signin/link", data={"email": ADMIN_1, "csrf_token": token})
    written = set(folder_portal.settings.mail_dir.glob("signin-*.eml")) - before
    assert len(written) == 1
    assert "Subject: =?utf-8?" in next(iter(written)).read_text(encoding="ascii")
