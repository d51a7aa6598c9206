"""Settings: read from the environment (and a TOML file), checked, and never showing the token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from commands.platform import PLAIN
from config.settings import SettingsError, hide_password, load_settings


def test_defaults() -> None:
    s = load_settings({})
    assert s.db_path == Path("data/hotline.db") and s.discord.token is None and s.default_timezone == "UTC"
    assert s.dormant_days == 90 and s.digest_catchup_hours == 12.0


def test_feed_settings_are_read_once_with_loopback_off_by_default(tmp_path: Path) -> None:
    assert load_settings({}).feed_interval_minutes == 30 and load_settings({}).fetch_allow_loopback is False
    s = load_settings({"HOTLINE_FEED_INTERVAL_MINUTES": "5", "HOTLINE_FETCH_ALLOW_LOOPBACK": "true"})
    assert s.feed_interval_minutes == 5 and s.fetch_allow_loopback is True
    config = tmp_path / "hotline.toml"
    config.write_text("[hotline]\nfeed_interval_minutes = 60\nfetch_allow_loopback = true\n")
    s = load_settings({"HOTLINE_CONFIG": str(config)})
    assert s.feed_interval_minutes == 60 and s.fetch_allow_loopback is True


def test_chart_settings_reach_the_runtimes_drawing_process(tmp_path: Path) -> None:
    from bot.runtime.service import Runtime

    s = load_settings({})
    assert s.chart_workers == 1 and s.chart_timeout_seconds == 10.0
    config = tmp_path / "hotline.toml"
    config.write_text("[hotline]\nchart_workers = 3\nchart_timeout_seconds = 4\n")
    s = load_settings({"HOTLINE_CONFIG": str(config), "HOTLINE_CHART_TIMEOUT_SECONDS": "2.5"})
    assert s.chart_workers == 3 and s.chart_timeout_seconds == 2.5
    runtime = Runtime(s, None, None)  # type: ignore[arg-type]  # nothing started: only its parts are read
    assert runtime.drawer.workers == 3 and runtime.drawer.timeout == 2.5 and runtime.drawer.pids() == []
    assert runtime.delivery.drawer is runtime.drawer and runtime.runner(PLAIN).drawer is runtime.drawer


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
        ({"HOTLINE_FEED_INTERVAL_MINUTES": "0"}, "HOTLINE_FEED_INTERVAL_MINUTES must be between 1 and 10080"),
        ({"HOTLINE_FEED_INTERVAL_MINUTES": "often"}, "HOTLINE_FEED_INTERVAL_MINUTES must be a whole number"),
        ({"HOTLINE_FETCH_ALLOW_LOOPBACK": "maybe"}, "HOTLINE_FETCH_ALLOW_LOOPBACK must be true or false"),
        ({"HOTLINE_CHART_WORKERS": "0"}, "HOTLINE_CHART_WORKERS must be between 1 and 8"),
        ({"HOTLINE_CHART_WORKERS": "many"}, "HOTLINE_CHART_WORKERS must be a whole number"),
        ({"HOTLINE_CHART_TIMEOUT_SECONDS": "soon"}, "HOTLINE_CHART_TIMEOUT_SECONDS must be a number"),
        ({"HOTLINE_CHART_TIMEOUT_SECONDS": "60"}, "HOTLINE_CHART_TIMEOUT_SECONDS must be between 1 and 15, got 60"),
    ],
)
def test_bad_settings_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(env)


def test_the_token_never_shows_in_repr_or_str() -> None:
    s = load_settings({"DISCORD_TOKEN": "MTIz.hush-hush.token"})
    assert s.discord.token == "MTIz.hush-hush.token"
    assert "hush-hush" not in repr(s) and "hush-hush" not in str(s) and "token=<set>" in repr(s)


def test_platform_sections_come_from_their_toml_tables_and_the_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text(
        '[discord]\ntoken = "file-token"\ndev_guild = 42\n'
        '[slack]\nbot_token = "xoxb-file"\nsigning_secret = "file-signing"\nport = 3100\n'
        'api_url = "http://127.0.0.1:9/api"\n'
    )
    s = load_settings({"HOTLINE_CONFIG": str(config), "HOTLINE_SLACK_PORT": "3200"})
    assert s.discord.token == "file-token" and s.discord.dev_guild == 42
    assert s.slack.bot_token == "xoxb-file" and s.slack.signing_secret == "file-signing"
    assert s.slack.port == 3200 and s.slack.api_url == "http://127.0.0.1:9/api/"
    assert s.slack.transport == "http" and s.slack.enabled


def test_slack_defaults_and_socket_mode() -> None:
    off = load_settings({})
    assert not off.slack.enabled and off.slack.transport is None
    assert off.slack.api_url == "https://slack.com/api/" and off.slack.port == 3000
    s = load_settings({"SLACK_BOT_TOKEN": "xoxb-1-abc", "SLACK_APP_TOKEN": "xapp-1-def"})
    assert s.slack.transport == "socket" and s.slack.bot_token == "xoxb-1-abc" and s.slack.app_token == "xapp-1-def"
    oauth = load_settings({"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "shh", "SLACK_SIGNING_SECRET": "sig"})
    assert oauth.slack.enabled and oauth.slack.transport == "http" and oauth.slack.bot_token is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user", "SLACK_APP_TOKEN": "xapp-1"}, "starts with xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "starts with xapp-"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "Socket Mode needs SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "sig"}, "HTTP needs SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "no transport"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "sig"}, "go together"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, "needs SLACK_SIGNING_SECRET"),
        (
            {
                "SLACK_CLIENT_ID": "1.2",
                "SLACK_CLIENT_SECRET": "s",
                "SLACK_SIGNING_SECRET": "x",
                "SLACK_APP_TOKEN": "xapp-1",
            },
            "unset SLACK_APP_TOKEN",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "HOTLINE_SLACK_PORT": "0"}, "between 1 and 65535"),
        ({"HOTLINE_SLACK_API_URL": "ftp://slack.example/api/"}, "must be an http(s) URL"),
        ({"HOTLINE_SLACK_API_URL": "not a url"}, "must be an http(s) URL"),
    ],
)
def test_bad_slack_settings_are_refused_clearly(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_settings(env)


def test_a_platform_table_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('slack = "yes"\n')
    with pytest.raises(SettingsError, match=r"\[slack\] must be a table"):
        load_settings({"HOTLINE_CONFIG": str(config)})


def test_no_secret_of_any_platform_shows_in_repr() -> None:
    secrets = {
        "DISCORD_TOKEN": "disc-XYZZY1",
        "SLACK_BOT_TOKEN": "xoxb-XYZZY2",
        "SLACK_APP_TOKEN": "xapp-XYZZY3",
        "SLACK_SIGNING_SECRET": "XYZZY4",
    }
    s = load_settings(secrets)
    for text in (repr(s), str(s), repr(s.slack), repr(s.discord)):
        assert "XYZZY" not in text, text
    assert "bot_token=<set>" in repr(s) and "client_secret=<unset>" in repr(s)


def test_a_database_password_is_hidden_wherever_the_url_carries_it() -> None:
    assert hide_password("postgresql://hotline:s3cret@db:5432/hotline") == "postgresql://hotline:***@db:5432/hotline"
    assert (
        hide_password("postgresql://hotline@db/hotline?sslmode=require&password=s3cret&x=1")
        == "postgresql://hotline@db/hotline?sslmode=require&password=***&x=1"
    )
    assert hide_password("postgresql://db/hotline?PASSWORD=s3cret") == "postgresql://db/hotline?PASSWORD=***"
    assert hide_password("data/hotline.db") == "data/hotline.db"
    settings = load_settings({"HOTLINE_DB": "postgresql://u@db/h?password=s3cret"})
    assert "s3cret" not in settings.shown_location and "s3cret" not in repr(settings)
