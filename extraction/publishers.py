"""Who published a readout, from its address, and which side a publisher speaks for.

The names are those of the readout annotation (extraction.rules.PUBLISHER_SIDE): a readout fetched from
www.defense.gov is "US DoD", as if the input file had said so. A host not in the table gives None, and the
extraction then takes the side of whoever the contact sentence reports as acting.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from extraction.rules import PUBLISHER_SIDE

# host (or a parent domain of it) -> publisher
PUBLISHER_HOSTS: Final[dict[str, str]] = {
    "defense.gov": "US DoD",
    "state.gov": "US State",
    "whitehouse.gov": "White House",
    "treasury.gov": "US Treasury",
    "home.treasury.gov": "US Treasury",
    "commerce.gov": "US Commerce",
    "ustr.gov": "USTR",
    "fmprc.gov.cn": "PRC MFA",
    "mfa.gov.cn": "PRC MFA",
    "mod.gov.cn": "PRC MND",
    "mofcom.gov.cn": "PRC MOFCOM",
    "chinamil.com.cn": "China Military Online",
    "xinhuanet.com": "Xinhua",
    "news.cn": "Xinhua",
    "cgtn.com": "CGTN",
    "chinadaily.com.cn": "China Daily",
    "people.com.cn": "People's Daily",
}


def publisher_of(url: str | None) -> str | None:
    """The publisher a readout's URL belongs to, or None for a host the table does not know."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").casefold()
    except ValueError:
        return None
    while host:
        if host in PUBLISHER_HOSTS:
            return PUBLISHER_HOSTS[host]
        _, _, host = host.partition(".")
    return None


def side_of_publisher(publisher: str | None) -> str | None:
    """ "us" or "cn" for a publisher the annotation knows, else None."""
    return PUBLISHER_SIDE.get(publisher.strip().casefold()) if publisher else None
