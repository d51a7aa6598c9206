"""Settings, read once in the entrypoint and handed down. Nothing here runs at import.

The core settings sit at the top; each platform has its own section (`settings.discord`,
`settings.slack`), read from the environment or from the `[discord]` and `[slack]` tables of the
TOML file named by HOTLINE_CONFIG (the environment wins). Secrets never show in a repr.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLACK_API_URL = "https://slack.com/api/"
SLACK_PORT = 3000
# Fields whose value is a secret: shown as <set> or <unset>, never as they are.
SECRETS = frozenset({"token", "bot_token", "app_token", "signing_secret", "client_secret"})


class SettingsError(Exception):
    """A setting is missing or wrong: the process should say so and stop."""


def _masked(obj: object) -> str:
    parts = []
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if f.name in SECRETS:
            parts.append(f"{f.name}=<{'set' if value else 'unset'}>")
        else:
            parts.append(f"{f.name}={str(value) if isinstance(value, Path) else value!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None
    dev_guild: int | None = None  # a guild to sync slash commands to at each start

    def __repr__(self) -> str:
        return _masked(self)

    __str__ = __repr__


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = None  # xoxb-…: one team
    app_token: str | None = None  # xapp-…: Socket Mode
    signing_secret: str | None = None  # HTTP: verifies requests come from Slack
    client_id: str | None = None  # OAuth installation into many teams (with client_secret)
    client_secret: str | None = None
    port: int = SLACK_PORT  # HTTP transport
    api_url: str = SLACK_API_URL

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None or self.client_id is not None

    @property
    def transport(self) -> Literal["socket", "http"] | None:
        """Socket Mode when an app token is set, else HTTP when a signing secret is; None if Slack is off."""
        if not self.enabled:
            return None
        return "socket" if self.app_token else "http"

    def __repr__(self) -> str:
        return _masked(self)

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    db_path: Path
    default_timezone: str = "UTC"
    dormant_days: int = 90
    digest_catchup_hours: float = 12.0
    log_level: str = "INFO"
    feed_interval_minutes: int = 30  # how often each watched feed is polled (backoff stretches it)
    fetch_allow_loopback: bool = False  # tests only: readouts and feeds may be fetched from 127.0.0.1
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)

    def __repr__(self) -> str:
        # A token must never reach a log line, even through a repr of the settings.
        return _masked(self)

    __str__ = __repr__


def load_settings(environ: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Settings from an optional TOML file (HOTLINE_CONFIG) overridden by the environment.

    Environment: HOTLINE_DB, HOTLINE_TIMEZONE, HOTLINE_DORMANT_DAYS, HOTLINE_DIGEST_CATCHUP_HOURS,
    HOTLINE_LOG_LEVEL, HOTLINE_FEED_INTERVAL_MINUTES, HOTLINE_FETCH_ALLOW_LOOPBACK; Discord: DISCORD_TOKEN,
    HOTLINE_DEV_GUILD; Slack: SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, HOTLINE_SLACK_PORT,
    HOTLINE_SLACK_API_URL. TOML tables: [hotline], [discord], [slack].
    """
    env = dict(os.environ if environ is None else environ)
    tables: dict[str, dict[str, object]] = {}
    path = toml_path or (Path(env["HOTLINE_CONFIG"]) if env.get("HOTLINE_CONFIG") else None)
    if path is not None:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read the config file {path}: {exc}") from exc
        for name in ("hotline", "discord", "slack"):
            table = document.get(name, {})
            if not isinstance(table, dict):
                raise SettingsError(f"the config file {path}: [{name}] must be a table")
            tables[name] = table

    def pick(env_name: str, table: str, key: str, default: object) -> object:
        if env.get(env_name, "").strip() != "":
            return env[env_name]
        return tables.get(table, {}).get(key, default)

    def secret(env_name: str, table: str, key: str) -> str | None:
        value = pick(env_name, table, key, None)
        text = str(value).strip() if value is not None else ""
        return text or None

    def as_int(name: str, value: object, low: int, high: int) -> int:
        try:
            number = int(str(value))
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
        return number

    def as_bool(name: str, value: object) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{name} must be true or false, got {value!r}")

    timezone = str(pick("HOTLINE_TIMEZONE", "hotline", "timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of the database
        raise SettingsError(f"HOTLINE_TIMEZONE: unknown IANA time zone {timezone!r}") from None

    catchup = pick("HOTLINE_DIGEST_CATCHUP_HOURS", "hotline", "digest_catchup_hours", 12)
    try:
        catchup_hours = float(str(catchup))
    except ValueError:
        raise SettingsError(f"HOTLINE_DIGEST_CATCHUP_HOURS must be a number, got {catchup!r}") from None

    # The development guild was a [hotline] key before Discord had its own table; both are read.
    guild = pick("HOTLINE_DEV_GUILD", "discord", "dev_guild", tables.get("hotline", {}).get("dev_guild"))
    discord = DiscordSettings(
        token=secret("DISCORD_TOKEN", "discord", "token"),
        dev_guild=as_int("HOTLINE_DEV_GUILD", guild, 1, 2**63 - 1) if guild not in (None, "") else None,
    )
    slack = SlackSettings(
        bot_token=secret("SLACK_BOT_TOKEN", "slack", "bot_token"),
        app_token=secret("SLACK_APP_TOKEN", "slack", "app_token"),
        signing_secret=secret("SLACK_SIGNING_SECRET", "slack", "signing_secret"),
        client_id=secret("SLACK_CLIENT_ID", "slack", "client_id"),
        client_secret=secret("SLACK_CLIENT_SECRET", "slack", "client_secret"),
        port=as_int("HOTLINE_SLACK_PORT", pick("HOTLINE_SLACK_PORT", "slack", "port", SLACK_PORT), 1, 65535),
        api_url=_api_url(str(pick("HOTLINE_SLACK_API_URL", "slack", "api_url", SLACK_API_URL))),
    )
    check_slack(slack)
    return Settings(
        db_path=Path(str(pick("HOTLINE_DB", "hotline", "db", "data/hotline.db"))),
        default_timezone=timezone,
        dormant_days=as_int(
            "HOTLINE_DORMANT_DAYS", pick("HOTLINE_DORMANT_DAYS", "hotline", "dormant_days", 90), 1, 3650
        ),
        digest_catchup_hours=catchup_hours,
        log_level=str(pick("HOTLINE_LOG_LEVEL", "hotline", "log_level", "INFO")).upper(),
        feed_interval_minutes=as_int(
            "HOTLINE_FEED_INTERVAL_MINUTES",
            pick("HOTLINE_FEED_INTERVAL_MINUTES", "hotline", "feed_interval_minutes", 30),
            1,
            10080,
        ),
        fetch_allow_loopback=as_bool(
            "HOTLINE_FETCH_ALLOW_LOOPBACK",
            pick("HOTLINE_FETCH_ALLOW_LOOPBACK", "hotline", "fetch_allow_loopback", False),
        ),
        discord=discord,
        slack=slack,
    )


def _api_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"HOTLINE_SLACK_API_URL must be an http(s) URL like {SLACK_API_URL}, got {value!r}")
    # slack_sdk joins method names onto it: "…/api/" + "chat.postMessage".
    return url if url.endswith("/") else url + "/"


def check_slack(slack: SlackSettings) -> None:
    """The Slack section must describe one way of running: Socket Mode, HTTP, or OAuth over HTTP."""
    if slack.bot_token is not None and not slack.bot_token.startswith("xoxb-"):
        raise SettingsError("SLACK_BOT_TOKEN must be a bot token (it starts with xoxb-); see the app's OAuth page")
    if slack.app_token is not None and not slack.app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN must be an app-level token (it starts with xapp-) with the connections:write scope"
        )
    if (slack.client_id is None) != (slack.client_secret is None):
        raise SettingsError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together: OAuth installation needs both")
    if slack.client_id is not None:
        if slack.signing_secret is None:
            raise SettingsError("Slack OAuth installation runs over HTTP: it needs SLACK_SIGNING_SECRET too")
        if slack.app_token is not None:
            raise SettingsError("Slack OAuth installation runs over HTTP: unset SLACK_APP_TOKEN (Socket Mode)")
        return
    if slack.bot_token is None:
        if slack.app_token is not None:
            raise SettingsError("Slack Socket Mode needs SLACK_BOT_TOKEN as well as SLACK_APP_TOKEN")
        if slack.signing_secret is not None:
            raise SettingsError("Slack over HTTP needs SLACK_BOT_TOKEN as well as SLACK_SIGNING_SECRET")
        return
    if slack.app_token is None and slack.signing_secret is None:
        raise SettingsError(
            "SLACK_BOT_TOKEN is set but Slack has no transport: set SLACK_APP_TOKEN for Socket Mode, "
            "or SLACK_SIGNING_SECRET for HTTP"
        )
