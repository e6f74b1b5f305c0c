"""Sign-in letters: a one-time link to the portal, rendered in Russian and sent at once.

A sign-in link is wanted now, by one person: it does not wait in the outbox for the daily run,
for quiet hours or for a digest, and its token must not be stored in clear where the outbox keeps
what it sends. So the letter is rendered here (templates/signin.txt.j2 and signin.html.j2), built
into MIME by ``notifications.mime.build_message`` and handed to the same transport as the digests
(``notifications.smtp.open_transport``: the SMTP server of NASTAVNIK_SMTP_URL, else an .eml file
in the mail folder). Plain functions; the portal's web/users.py creates the link and calls them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from common.errors import NastavnikError
from common.russian import format_date_ru
from common.settings import Settings
from notifications.mime import OutgoingMessage, build_message
from notifications.render import environment, name_and_patronymic
from notifications.smtp import DeliveryError, open_transport


@dataclass(frozen=True)
class SigninLetter:
    """A rendered sign-in letter: subject, plain text and HTML."""

    subject: str
    text: str
    html: str


def render_signin_letter(
    *,
    link: str,
    signin_page: str,
    valid_until: datetime,
    timezone: str,
    municipality: str,
    person_name: str = "",
    invitation: bool = False,
    access: str = "",
) -> SigninLetter:
    """The letter with a one-time link, in Russian.

    Args:
        link: the one-time sign-in address.
        signin_page: the sign-in page, where a new link can be asked for.
        valid_until: when the link expires (aware); shown in the municipality's time.
        timezone: the municipality's IANA zone.
        municipality: its name, for the signature.
        person_name: «Фамилия Имя Отчество» when known: the greeting uses name and patronymic.
        invitation: a new account (`users add`) rather than a link the person asked for.
        access: what the account may do, for an invitation («как ответственному в МАОУ СОШ № 1»).
    """
    local = valid_until.astimezone(ZoneInfo(timezone))
    addressed = name_and_patronymic(person_name)
    context = {
        "greeting": f"Здравствуйте, {addressed}!" if addressed else "Здравствуйте!",
        "link": link,
        "signin_page": signin_page,
        "until": f"{format_date_ru(local.date())}, {local:%H:%M}",
        "municipality": municipality,
        "invitation": invitation,
        "access": access,
    }
    subject = "Приглашение в портал «Наставник»" if invitation else "Вход в портал «Наставник»"
    context["subject"] = subject
    env = environment()
    return SigninLetter(
        subject=subject,
        text=env.get_template("signin.txt.j2").render(context),
        html=env.get_template("signin.html.j2").render(context),
    )


def signin_message(
    *, letter: SigninLetter, to: str, mail_from: str, now: datetime
) -> OutgoingMessage:
    """The letter as MIME with a fresh Message-ID (``<signin-…@domain>``): each link is new."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "nastavnik"
    return build_message(
        subject=letter.subject,
        text=letter.text,
        html=letter.html,
        mail_from=mail_from,
        to=to,
        reply_to=None,
        message_id=f"<signin-{secrets.token_hex(12)}@{domain}>",
        date_=now,
    )


def send_signin_message(*, settings: Settings, message: OutgoingMessage, to: str) -> str:
    """Send the letter now through the configured transport; returns where it went.

    Raises:
        NastavnikError: the server refused the letter or could not be reached (the reason is
            the server's own; ``where`` names the transport).
    """
    transport = open_transport(settings)
    sender = parseaddr(settings.mail_from)[1] or settings.mail_from
    try:
        transport.send(message, sender=sender, recipients=[to])
    except DeliveryError as error:
        raise NastavnikError(
            code="mail.signin_not_sent", where=transport.description, email=to, detail=error
        ) from None
    finally:
        transport.close()
    if hasattr(transport, "path_for"):
        return str(transport.path_for(message))
    return transport.description
