"""How Slack looks to commands/: the words for editors, the reference syntax, how commands are typed.

Slack sends `/hotline` text with should_escape on (see manifest.json), so a channel typed as
#briefings arrives as `<#C0123|briefings>` and a user group as `<!subteam^S0123|@analysts>`; the
patterns read the id out of both (the `|name` part is optional: a client may leave it out). Kept
apart from the app so that tests and tools can name Slack's description without loading slack-bolt.
"""

from __future__ import annotations

from commands.platform import PlatformInfo

SLACK = PlatformInfo(
    "slack",
    editors="the team's admins and owners",
    role_word="user group",
    channel_pattern=r"<#([CG][A-Z0-9]{2,30})(?:\|[^>]*)?>",
    role_pattern=r"<!subteam\^(S[A-Z0-9]{2,30})(?:\|[^>]*)?>",
    root_command="hotline",
    top_level=("lastcall",),
    typed_options=True,
)
