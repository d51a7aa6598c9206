"""Settings, read once in the entrypoint and handed down. Nothing here runs at import.

The core settings sit at the top; each platform has its own section (`settings.discord`,
`settings.slack`), read from the environment or from the `[discord]` and `[slack]` tables of the
TOML file named by HOTLINE_CONFIG (the environment wins). Secrets never show in a repr.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SLACK_API_URL = "https://slack.com/api/"
SLACK_PORT = 3000
# Discord's own ceiling is far above any Hotline deployment; this only catches a typo.
MAX_SHARDS = 4096
# Long enough for one delivery's bounded attempts (commands.delivery.DigestDelivery.longest_hold).
MIN_LEASE_MINUTES = 5.0
# Each drawing process holds some 100 MB; a handful covers a digest hour's charts.
MAX_CHART_WORKERS = 8
# A drawing and a worker's start must fit in a scheduled digest's 30 s bound on composing it
# (commands.delivery.DigestDelivery.compose_timeout), or a stuck chart would fail the whole digest.
MAX_CHART_TIMEOUT = 15.0
# Fields whose value is a secret: shown as <set> or <unset>, never as they are.
SECRETS = frozenset({"token", "bot_token", "app_token", "signing_secret", "client_secret"})


def _is_postgres(url: str) -> bool:
    # As storage/postgres/pool.py's is_postgres_url, which the factory uses; settings import no backend.
    scheme, sep, _ = url.partition("://")
    return bool(sep) and scheme.lower() in ("postgresql", "postgres")


def _listen_url(listen: str, db_url: str | None) -> str | None:
    """HOTLINE_DB_LISTEN, checked: a PostgreSQL URL, and only beside a PostgreSQL HOTLINE_DB."""
    if not listen:
        return None
    if not _is_postgres(listen):
        raise SettingsError(f"HOTLINE_DB_LISTEN must be a postgresql:// URL, got {hide_password(listen)!r}")
    if db_url is None or not _is_postgres(db_url):
        raise SettingsError("HOTLINE_DB_LISTEN is for a PostgreSQL store: HOTLINE_DB is not a postgresql:// URL")
    return listen


class SettingsError(Exception):
    """A setting is missing or wrong: the process should say so and stop."""


PASSWORD_IN_URL = re.compile(r"(:/+[^/:@]*:)[^@/]*@")
# A password may also be given as a parameter: postgresql://user@host/db?password=…
PASSWORD_PARAMETER = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def hide_password(location: str) -> str:
    """A store location (a SQLite path or a database URL) as it may be printed: any password hidden."""
    return PASSWORD_PARAMETER.sub(r"\1***", PASSWORD_IN_URL.sub(r"\1***@", location))


def _masked(obj: object) -> str:
    parts = []
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if f.name in SECRETS:
            parts.append(f"{f.name}=<{'set' if value else 'unset'}>")
        else:
            shown = str(value) if isinstance(value, Path) else repr(value)
            # A database URL may carry a password (postgresql://user:password@host/db).
            shown = hide_password(shown)
            parts.append(f"{f.name}={shown}")
    return f"{type(obj).__name__}({', '.join(parts)})"


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = None
    dev_guild: int | None = None  # a guild to sync slash commands to at each start
    # Gateway shards this process runs, out of shard_count in all; both None: one process, every guild.
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None

    def shard_of(self, guild_id: int) -> int | None:
        """The shard Discord sends a guild's events to (its documented rule), or None without sharding."""
        return None if self.shard_count is None else (guild_id >> 22) % self.shard_count

    def serves(self, guild_id: int) -> bool:
        """Whether this process runs the shard of the guild (always, without sharding)."""
        shard = self.shard_of(guild_id)
        return shard is None or self.shard_ids is None or shard in self.shard_ids

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
    # HOTLINE_DB as given, when it is a URL (postgresql://…): a Path would fold its "//".
    db_url: str | None = None
    # HOTLINE_DB_LISTEN: where the change feed's LISTEN connects, when HOTLINE_DB goes through a
    # transaction-mode pooler that would swallow notifications; None: HOTLINE_DB.
    db_listen_url: str | None = None
    default_timezone: str = "UTC"
    dormant_days: int = 90
    digest_catchup_hours: float = 12.0
    # A digest claim older than this, never finished, is taken to belong to a dead process.
    digest_lease_minutes: float = 10.0
    log_level: str = "INFO"
    feed_interval_minutes: int = 30  # how often each watched feed is polled (backoff stretches it)
    fetch_allow_loopback: bool = False  # tests only: readouts and feeds may be fetched from 127.0.0.1
    http_port: int | None = None  # /healthz and /metrics; None: no HTTP server (0: any free port)
    http_host: str = "127.0.0.1"
    # The bots' drawing processes (charts/process.py): how many at most, and how long one drawing may take
    # before its process is replaced. Under the digest's 30 s bound on composing, with a worker's start.
    chart_workers: int = 1
    chart_timeout_seconds: float = 10.0
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    slack: SlackSettings = field(default_factory=SlackSettings)

    @property
    def store_location(self) -> str:
        """What storage.factory.open_store opens: the PostgreSQL URL, or the SQLite file's path."""
        return self.db_url or str(self.db_path)

    @property
    def shown_location(self) -> str:
        """The store's location as it may be printed: a URL's password hidden."""
        return hide_password(self.store_location)

    def __repr__(self) -> str:
        # A token must never reach a log line, even through a repr of the settings.
        return _masked(self)

    __str__ = __repr__


def load_settings(environ: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Settings from an optional TOML file (HOTLINE_CONFIG) overridden by the environment.

    Environment: HOTLINE_DB, HOTLINE_DB_LISTEN, HOTLINE_TIMEZONE, HOTLINE_DORMANT_DAYS, HOTLINE_DIGEST_CATCHUP_HOURS,
    HOTLINE_DIGEST_LEASE_MINUTES, HOTLINE_LOG_LEVEL, HOTLINE_HTTP_PORT, HOTLINE_HTTP_HOST,
    HOTLINE_FEED_INTERVAL_MINUTES, HOTLINE_FETCH_ALLOW_LOOPBACK, HOTLINE_CHART_WORKERS,
    HOTLINE_CHART_TIMEOUT_SECONDS; Discord: DISCORD_TOKEN, HOTLINE_DEV_GUILD,
    HOTLINE_DISCORD_SHARDS, HOTLINE_DISCORD_SHARD_COUNT; Slack: SLACK_BOT_TOKEN,
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

    def as_float(name: str, value: object, low: float | None = None, high: float | None = None) -> float:
        try:
            number = float(str(value))
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {value!r}") from None
        if low is not None and high is not None and not low <= number <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {number:g}")
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

    catchup_hours = as_float(
        "HOTLINE_DIGEST_CATCHUP_HOURS", pick("HOTLINE_DIGEST_CATCHUP_HOURS", "hotline", "digest_catchup_hours", 12)
    )

    # The development guild was a [hotline] key before Discord had its own table; both are read.
    guild = pick("HOTLINE_DEV_GUILD", "discord", "dev_guild", tables.get("hotline", {}).get("dev_guild"))
    # Shorter than one delivery's worst case (its bounded retries), a live holder could be overtaken.
    lease_minutes = as_float(
        "HOTLINE_DIGEST_LEASE_MINUTES",
        pick("HOTLINE_DIGEST_LEASE_MINUTES", "hotline", "digest_lease_minutes", 10),
        MIN_LEASE_MINUTES,
        24 * 60,
    )
    chart_timeout_seconds = as_float(
        "HOTLINE_CHART_TIMEOUT_SECONDS",
        pick("HOTLINE_CHART_TIMEOUT_SECONDS", "hotline", "chart_timeout_seconds", 10),
        1,
        MAX_CHART_TIMEOUT,
    )

    shards, shard_count = _shards(
        pick("HOTLINE_DISCORD_SHARDS", "discord", "shards", None),
        pick("HOTLINE_DISCORD_SHARD_COUNT", "discord", "shard_count", None),
    )
    discord = DiscordSettings(
        token=secret("DISCORD_TOKEN", "discord", "token"),
        dev_guild=as_int("HOTLINE_DEV_GUILD", guild, 1, 2**63 - 1) if guild not in (None, "") else None,
        shard_ids=shards,
        shard_count=shard_count,
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
    db = str(pick("HOTLINE_DB", "hotline", "db", "data/hotline.db"))
    db_url = db if "://" in db else None
    return Settings(
        db_path=Path(db),
        db_url=db_url,
        db_listen_url=_listen_url(str(pick("HOTLINE_DB_LISTEN", "hotline", "db_listen", "")).strip(), db_url),
        default_timezone=timezone,
        dormant_days=as_int(
            "HOTLINE_DORMANT_DAYS", pick("HOTLINE_DORMANT_DAYS", "hotline", "dormant_days", 90), 1, 3650
        ),
        digest_catchup_hours=catchup_hours,
        digest_lease_minutes=lease_minutes,
        http_port=(
            as_int("HOTLINE_HTTP_PORT", port, 0, 65535)
            if (port := pick("HOTLINE_HTTP_PORT", "hotline", "http_port", None)) not in (None, "")
            else None
        ),
        http_host=str(pick("HOTLINE_HTTP_HOST", "hotline", "http_host", "127.0.0.1")).strip(),
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
        chart_workers=as_int(
            "HOTLINE_CHART_WORKERS", pick("HOTLINE_CHART_WORKERS", "hotline", "chart_workers", 1), 1, MAX_CHART_WORKERS
        ),
        chart_timeout_seconds=chart_timeout_seconds,
        discord=discord,
        slack=slack,
    )


def _shards(ids: object, count: object) -> tuple[tuple[int, ...] | None, int | None]:
    """HOTLINE_DISCORD_SHARDS ("0,1", or a TOML list) and HOTLINE_DISCORD_SHARD_COUNT: both or neither."""
    if ids in (None, "") and count in (None, ""):
        return None, None
    if ids in (None, "") or count in (None, ""):
        raise SettingsError(
            "HOTLINE_DISCORD_SHARDS and HOTLINE_DISCORD_SHARD_COUNT go together: the shards this process runs "
            "(e.g. 0,1) out of how many in all (e.g. 4)"
        )
    try:
        total = int(str(count))
    except ValueError:
        raise SettingsError(f"HOTLINE_DISCORD_SHARD_COUNT must be a whole number, got {count!r}") from None
    if not 1 <= total <= MAX_SHARDS:
        raise SettingsError(f"HOTLINE_DISCORD_SHARD_COUNT must be between 1 and {MAX_SHARDS}, got {total}")
    items = [str(x).strip() for x in ids] if isinstance(ids, list) else str(ids).split(",")
    try:
        chosen = tuple(int(x) for x in items)
    except ValueError:
        raise SettingsError(f"HOTLINE_DISCORD_SHARDS must be shard numbers separated by commas, got {ids!r}") from None
    if not chosen:
        raise SettingsError("HOTLINE_DISCORD_SHARDS names no shard")
    outside = [x for x in chosen if not 0 <= x < total]
    if outside:
        raise SettingsError(
            f"HOTLINE_DISCORD_SHARDS: shard {outside[0]} does not exist with HOTLINE_DISCORD_SHARD_COUNT={total} "
            f"(shards are numbered 0 to {total - 1})"
        )
    if len(set(chosen)) != len(chosen):
        twice = next(x for x in chosen if chosen.count(x) > 1)
        raise SettingsError(f"HOTLINE_DISCORD_SHARDS names shard {twice} twice")
    return tuple(sorted(chosen)), total


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
