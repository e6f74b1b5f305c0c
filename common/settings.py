"""The one settings object: environment variables with the NASTAVNIK_ prefix."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """nastavnik's settings; each field is an environment variable ``NASTAVNIK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="NASTAVNIK_", extra="ignore")

    db: str = Field(
        default="sqlite:///nastavnik.db",
        description="SQLAlchemy URL of nastavnik's database (SQLite file by default, postgresql+psycopg://… for many users).",
    )
    roadmaps_dir: Path | None = Field(
        default=None,
        description="An extra folder of roadmap definitions (*.yaml) besides the built-in ones.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of the portal, used in links in letters.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="smtp://user:password@host:port (STARTTLS) or smtps://…; when unset, letters go to the mail folder.",
    )
    mail_from: str = Field(default="nastavnik@localhost", description="From address of letters.")
    mail_dir: Path = Field(
        default=Path("mail"),
        description="Folder for .eml letters when no SMTP server is configured.",
    )
    templates_dir: Path | None = Field(
        default=None,
        description="A folder of the municipality's own .docx templates that override the built-in ones.",
    )
    documents_dir: Path = Field(
        default=Path("files"),
        description="Where generated documents and uploaded scans are stored (outside the web root).",
    )
    secret_key: str = Field(
        default="",
        description="Key that signs sessions, CSRF tokens and sign-in links. Leave unset: "
        "`nastavnik init` generates one per database and the portal reads it from there; set it "
        "only to override that key (at least 32 characters).",
    )
    keep_calendar_dates: bool = Field(
        default=False,
        description="Keep a deadline that falls on a day off on that day; by default it moves to the "
        "next working day (ГК РФ ст. 193).",
    )
    digest_full_list_schools: int = Field(
        default=50,
        ge=0,
        description="A letter to the coordinator, the head or a unit lists every school's steps "
        "when it concerns at most this many schools; above it, the schools are summarised: totals "
        "by kind and by territory, the schools most behind and links to the portal's matrix and "
        "its XLSX export for the full list.",
    )
    digest_top_schools: int = Field(
        default=20,
        ge=1,
        description="How many of the schools most behind a summarised letter names, each with its "
        "worst steps.",
    )
    now: datetime | None = Field(
        default=None,
        description="A simulated moment (ISO, with its offset) the portal starts at and runs on from; "
        "set by `nastavnik serve --now` to show a past or future day; a daily-tick run without its "
        "`now` parameter ticks at it (for trying a deployment). Unset: the real clock.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment."""
    return Settings()


def settings_reference() -> str:
    """The settings as a Markdown table (docs/deployment.md carries it; a test keeps it current)."""
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "—" if default in (None, "") else f"`{default}`"
        lines.append(f"| `NASTAVNIK_{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"
