"""A fake Slack for the test suite: Web API, response_url, Socket Mode and signed HTTP requests."""

from tests.slack.fake.interactions import ACK_WAIT, HttpKnobs, Sender, sign
from tests.slack.fake.records import Ack, ApiCall, Interaction, Message, ResponsePost, Transport
from tests.slack.fake.server import FakeSlack
from tests.slack.fake.world import DEFAULT_SCOPES, FakeChannel, FakeTeam, FakeUser, FakeUsergroup

__all__ = [
    "ACK_WAIT",
    "DEFAULT_SCOPES",
    "Ack",
    "ApiCall",
    "FakeChannel",
    "FakeSlack",
    "FakeTeam",
    "FakeUser",
    "FakeUsergroup",
    "HttpKnobs",
    "Interaction",
    "Message",
    "ResponsePost",
    "Sender",
    "Transport",
    "sign",
]
