"""Settings, read once in the entrypoint and handed down. Nothing here runs at import."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(Exception):
    """A setting is missing or wrong: the process should say so and stop."""


@dataclass(frozen=True)
class Settings:
    db_path: Path
    discord_token: str | None = None
    dev_guild: int | None = None
    default_timezone: str = "UTC"
    dormant_days: int = 90
    digest_catchup_hours: float = 12.0
    log_level: str = "INFO"

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a repr of the settings.
        token = "set" if self.discord_token else "unset"
        return (
            f"Settings(db_path={str(self.db_path)!r}, discord_token=<{token}>, dev_guild={self.dev_guild}, "
            f"default_timezone={self.default_timezone!r}, dormant_days={self.dormant_days}, "
            f"digest_catchup_hours={self.digest_catchup_hours}, log_level={self.log_level!r})"
        )

    __str__ = __repr__


def load_settings(environ: Mapping[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Settings from an optional TOML file (HOTLINE_CONFIG) overridden by the environment.

    Environment: DISCORD_TOKEN, HOTLINE_DB, HOTLINE_DEV_GUILD, HOTLINE_TIMEZONE,
    HOTLINE_DORMANT_DAYS, HOTLINE_DIGEST_CATCHUP_HOURS, HOTLINE_LOG_LEVEL.
    """
    env = dict(os.environ if environ is None else environ)
    file_values: dict[str, object] = {}
    path = toml_path or (Path(env["HOTLINE_CONFIG"]) if env.get("HOTLINE_CONFIG") else None)
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8")).get("hotline", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"cannot read the config file {path}: {exc}") from exc

    def pick(env_name: str, key: str, default: object) -> object:
        if env.get(env_name, "") != "":
            return env[env_name]
        return file_values.get(key, default)

    def as_int(name: str, value: object, low: int, high: int) -> int:
        try:
            number = int(str(value))
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {number}")
        return number

    timezone = str(pick("HOTLINE_TIMEZONE", "timezone", "UTC"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of the database
        raise SettingsError(f"HOTLINE_TIMEZONE: unknown IANA time zone {timezone!r}") from None

    guild = pick("HOTLINE_DEV_GUILD", "dev_guild", None)
    catchup = pick("HOTLINE_DIGEST_CATCHUP_HOURS", "digest_catchup_hours", 12)
    try:
        catchup_hours = float(str(catchup))
    except ValueError:
        raise SettingsError(f"HOTLINE_DIGEST_CATCHUP_HOURS must be a number, got {catchup!r}") from None
    token = env.get("DISCORD_TOKEN") or None
    return Settings(
        db_path=Path(str(pick("HOTLINE_DB", "db", "data/hotline.db"))),
        discord_token=token.strip() if token else None,
        dev_guild=as_int("HOTLINE_DEV_GUILD", guild, 1, 2**63 - 1) if guild not in (None, "") else None,
        default_timezone=timezone,
        dormant_days=as_int("HOTLINE_DORMANT_DAYS", pick("HOTLINE_DORMANT_DAYS", "dormant_days", 90), 1, 3650),
        digest_catchup_hours=catchup_hours,
        log_level=str(pick("HOTLINE_LOG_LEVEL", "log_level", "INFO")).upper(),
    )
