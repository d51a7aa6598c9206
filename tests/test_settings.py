"""Settings: read from the environment (and a TOML file), checked, and never showing the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import SettingsError, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert s.db_path == Path("data/hotline.db") and s.discord.token is None and s.default_timezone == "UTC"
    assert s.dormant_days == 90 and s.digest_catchup_hours == 12.0


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('[hotline]\ndb = "from-file.db"\ntimezone = "Europe/Berlin"\ndormant_days = 30\n')
    s = load_settings({"HOTLINE_CONFIG": str(config), "HOTLINE_TIMEZONE": "Asia/Shanghai"})
    assert s.db_path == Path("from-file.db") and s.default_timezone == "Asia/Shanghai" and s.dormant_days == 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HOTLINE_TIMEZONE": "Mars/Base"}, "unknown IANA time zone"),
        ({"HOTLINE_DORMANT_DAYS": "soon"}, "HOTLINE_DORMANT_DAYS must be a whole number"),
        ({"HOTLINE_DORMANT_DAYS": "0"}, "between 1 and 3650"),
        ({"HOTLINE_DEV_GUILD": "abc"}, "HOTLINE_DEV_GUILD must be a whole number"),
        ({"HOTLINE_DIGEST_CATCHUP_HOURS": "x"}, "must be a number"),
        ({"HOTLINE_CONFIG": "/nonexistent/hotline.toml"}, "cannot read the config file"),
    ],
)
def test_bad_settings_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_the_token_never_shows_in_repr_or_str() -> None:
    s = load_settings({"DISCORD_TOKEN": "MTIz.hush-hush.token"})
    assert s.discord.token == "MTIz.hush-hush.token"
    assert "hush-hush" not in repr(s) and "hush-hush" not in str(s) and "token=<set>" in repr(s)
