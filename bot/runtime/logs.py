"""Log hygiene at the entrypoint: warnings from libraries that do not concern Hotline stay out.

discord.py warns at every start that voice needs PyNaCl and davey; Hotline has no voice, so those
two lines are dropped. Only they are: every other warning of discord.py still shows.
"""

from __future__ import annotations

import logging

VOICE_LOGGER = "discord.client"
VOICE_WARNING = "voice will NOT be supported"


class DropVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == VOICE_LOGGER and VOICE_WARNING in record.getMessage())


def quiet_foreign_warnings() -> None:
    """Install the filter on the logger that emits the voice warnings (idempotent)."""
    logger = logging.getLogger(VOICE_LOGGER)
    if not any(isinstance(f, DropVoiceWarnings) for f in logger.filters):
        logger.addFilter(DropVoiceWarnings())


# slack_sdk logs every Web API response body at DEBUG, tokens included (oauth.v2.access answers with
# the new workspace's bot token): these loggers never go below INFO, whatever HOTLINE_LOG_LEVEL says.
TOKEN_LOGGERS = ("slack_sdk.web", "slack_sdk.webhook", "slack_sdk.oauth", "slack_sdk.socket_mode", "slack_bolt.oauth")


def keep_tokens_out_of_logs() -> None:
    for name in TOKEN_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)


# The logger that says a PostgreSQL database could not be opened. A one-shot command (migrate, backup)
# prints that error itself, in its one line; the log line saying the same would make it two.
POOL_LOGGER = "storage.postgres.pool"


def one_line_open_errors() -> None:
    """For a one-shot command: leave a database that cannot be opened to the command's own message,
    unless HOTLINE_LOG_LEVEL asks for DEBUG."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        logging.getLogger(POOL_LOGGER).setLevel(logging.CRITICAL)
