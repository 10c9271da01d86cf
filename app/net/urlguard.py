"""Outbound URLs (webhooks, and group-chat robots later): https, and never into our own
network, so a subscriber cannot make the server call its database, the cloud metadata
service or anything else behind the firewall (SSRF).

`check(url)` is the rule at the moment a URL is saved: a 422 naming the field. `post(url)`
is the only way to call one: it resolves the name, checks every address, then connects
to the checked address itself (the Host header and TLS name stay the URL's), so a DNS
answer that changes between the check and the connection (rebinding) reaches nothing.
Redirects are not followed and proxies from the environment are not used.
"""

import ipaddress
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from app.config import get_settings
from app.errors import ValidationFailed
from app.i18n import _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_URL_LENGTH = 2000
# A host whose last label is a number is an IPv4 address in some legacy form (the WHATWG
# URL rule): 2130706433, 0x7f.1, 0177.0.0.1 all mean 127.0.0.1.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")

NOT_A_WEB_ADDRESS = _("Give a web address such as https://receiver.example.gov.cn/hook, "
                      "without a user name or password.")
HTTPS_ONLY = _("Use an https address: plain http is not allowed.")
INTERNAL_ADDRESS = _("The address {host} leads into a private or reserved network "
                     "({address}); give a public https address.")
UNKNOWN_HOST = _("The host {host} could not be found; check the address.")


class UrlRefused(ValidationFailed):
    """A URL the product will not call; a 422 naming `field` where a user gave it."""

    def __init__(self, message: str, *, field: str = "url", **params: Any) -> None:
        super().__init__(message, field=field, **params)


@dataclass(frozen=True)
class Policy:
    """What may be called: https to public addresses, plus what the settings open up
    (OUTBOUND_ALLOW_HTTP, OUTBOUND_ALLOWED_NETWORKS; meant for tests and local receivers)."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls) -> "Policy":
        settings = get_settings()
        return cls(allow_http=settings.outbound_allow_http,
                   allowed_networks=tuple(settings.outbound_allowed_networks))

    def allows(self, address: IPAddress) -> bool:
        if any(address in network for network in self.allowed_networks
               if network.version == address.version):
            return True
        if address.version == 6:
            assert isinstance(address, ipaddress.IPv6Address)
            if address.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
                return self.allows(address.ipv4_mapped)
            if address.sixtofour is not None and not self.allows(address.sixtofour):
                return False
            if address.is_site_local:
                return False
        return address.is_global and not (
            address.is_private or address.is_loopback or address.is_link_local
            or address.is_multicast or address.is_unspecified or address.is_reserved)


@dataclass(frozen=True)
class Target:
    """A URL that passed the check, with the addresses it may be reached at."""

    url: httpx.URL
    addresses: tuple[IPAddress, ...]
    host_is_name: bool


def lookup(host: str, port: int) -> list[str]:
    """The addresses a name resolves to (tests replace this to play DNS)."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_ignored, sockaddr in answers]


def _parse(url: str, policy: Policy, field: str) -> httpx.URL:
    text = url.strip()
    try:
        parsed = httpx.URL(text)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UrlRefused(NOT_A_WEB_ADDRESS, field=field) from None
    if len(text) > MAX_URL_LENGTH or parsed.scheme not in ("http", "https") \
            or not parsed.host or parsed.userinfo:
        raise UrlRefused(NOT_A_WEB_ADDRESS, field=field)
    if parsed.scheme == "http" and not policy.allow_http:
        raise UrlRefused(HTTPS_ONLY, field=field)
    return parsed


def _literal_address(host: str, field: str) -> IPAddress | None:
    """The address a host names by itself, in any of the forms resolvers accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    bare = host.rstrip(".")
    if not _NUMERIC_LABEL.fullmatch(bare.rsplit(".", 1)[-1]):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        raise UrlRefused(NOT_A_WEB_ADDRESS, field=field) from None


def resolve(url: str, *, policy: Policy | None = None, field: str = "url") -> Target:
    """The URL's addresses, every one of them checked; raises UrlRefused."""
    policy = policy or Policy.from_settings()
    parsed = _parse(url, policy, field)
    host = parsed.raw_host.decode("ascii").lower()
    literal = _literal_address(host, field)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
    else:
        if not _HOST_NAME.fullmatch(host):
            raise UrlRefused(NOT_A_WEB_ADDRESS, field=field)
        if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            raise UrlRefused(INTERNAL_ADDRESS, field=field, host=host, address="127.0.0.1")
        try:
            found = lookup(host, parsed.port or (443 if parsed.scheme == "https" else 80))
        except (OSError, UnicodeError):
            found = []
        addresses = tuple(dict.fromkeys(
            ipaddress.ip_address(a.split("%", 1)[0]) for a in found))
        if not addresses:
            raise UrlRefused(UNKNOWN_HOST, field=field, host=host)
    for address in addresses:
        if not policy.allows(address):
            raise UrlRefused(INTERNAL_ADDRESS, field=field, host=host, address=str(address))
    return Target(url=parsed, addresses=addresses, host_is_name=literal is None)


def check(url: str, *, policy: Policy | None = None, field: str = "url") -> str:
    """The URL (trimmed) if the product may call it; raises UrlRefused naming `field`."""
    resolve(url, policy=policy, field=field)
    return url.strip()


def post(url: str, *, content: bytes, headers: Mapping[str, str], timeout: float,
         policy: Policy | None = None) -> httpx.Response:
    """POSTs to the URL at an address checked just now; raises UrlRefused (nothing sent)
    or httpx.HTTPError. Tries the next checked address only if one refuses the connection."""
    target = resolve(url, policy=policy)
    sent_headers = {**headers, "Host": target.url.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.url.raw_host.decode("ascii")} \
        if target.host_is_name and target.url.scheme == "https" else {}
    failure: httpx.HTTPError | None = None
    with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        for address in target.addresses:
            try:
                return client.post(target.url.copy_with(host=str(address)), content=content,
                                   headers=sent_headers, extensions=extensions)
            except httpx.ConnectError as exc:
                failure = exc
    assert failure is not None
    raise failure
