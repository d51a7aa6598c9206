"""A fake Discord (REST and gateway on 127.0.0.1) for end-to-end tests of the real discord.py client."""

from tests.discord.fake.interactions import Shown
from tests.discord.fake.server import FakeDiscord, FakeInteraction
from tests.discord.fake.world import FakeChannel, FakeGuild, FakeRole, FakeUser

__all__ = ["FakeChannel", "FakeDiscord", "FakeGuild", "FakeInteraction", "FakeRole", "FakeUser", "Shown"]
