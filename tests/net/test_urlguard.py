"""The outbound URL guard on its own: which addresses it refuses, in which spellings, and
that a call goes to the address that was checked."""

import ipaddress

import pytest

from app.net import urlguard
from app.net.urlguard import Policy, UrlRefused
from tests.conftest import settings_env

PUBLIC = "93.184.216.34"
INTERNAL_URLS = [
    "https://localhost/", "https://LOCALHOST./", "https://api.localhost/",
    "https://127.0.0.1/", "https://127.8.9.10:5432/", "https://10.1.2.3/",
    "https://172.16.0.1/", "https://172.31.255.254/", "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/", "https://100.64.0.1/",
    "https://0.0.0.0/", "https://224.0.0.1/", "https://240.0.0.1/",
    "https://255.255.255.255/", "https://[::1]/", "https://[::]/", "https://[fd00::1]/",
    "https://[fe80::1]/", "https://[fec0::1]/", "https://[ff02::1]/",
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[::ffff:10.0.0.1]/",
    "https://[2002:7f00:1::1]/", "https://[64:ff9b::7f00:1]/",
    # Legacy IPv4 spellings that resolvers accept.
    "https://2130706433/", "https://0x7f.1/", "https://0x7f000001/", "https://0177.0.1/",
    "https://127.1/", "https://017700000001/", "https://0xA9FEA9FE/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_addresses_are_refused_in_every_spelling(url, dns):
    with pytest.raises(UrlRefused) as refused:
        urlguard.check(url, policy=Policy())
    assert refused.value.errors[0].field == "url"
    assert refused.value.message == urlguard.INTERNAL_ADDRESS
    assert "内网" in refused.value.detail("zh_CN")


def test_a_name_that_resolves_to_an_internal_address_is_refused(dns):
    dns.answers["hooks.example.test"] = [PUBLIC, "127.0.0.1"]  # one bad address is enough
    with pytest.raises(UrlRefused) as refused:
        urlguard.check("https://hooks.example.test/x", policy=Policy())
    assert refused.value.params == {"host": "hooks.example.test", "address": "127.0.0.1"}
    dns.answers["hooks.example.test"] = [PUBLIC]
    assert urlguard.check(" https://hooks.example.test/x ", policy=Policy()) == \
        "https://hooks.example.test/x"


def test_a_public_https_address_is_accepted_and_http_only_where_allowed(dns):
    dns.answers["hooks.example.test"] = [PUBLIC]
    assert urlguard.check(f"https://{PUBLIC}/hook", policy=Policy())
    assert urlguard.check("https://hooks.example.test:8443/hook", policy=Policy())
    with pytest.raises(UrlRefused) as refused:
        urlguard.check("http://hooks.example.test/hook", policy=Policy())
    assert refused.value.message == urlguard.HTTPS_ONLY
    assert urlguard.check("http://hooks.example.test/hook", policy=Policy(allow_http=True))


@pytest.mark.parametrize("url", ["ftp://example.org/x", "https://user:pw@example.org/",
                                 "https:///nohost", "https://exa mple.org/", "javascript:x",
                                 "https://256.256.256.256.1/", "https://0x1g.1/",
                                 "https://0177.0.0.1/",  # dotted octal: httpx refuses it too
                                 "https://example.org/" + "a" * 2000])
def test_what_is_not_a_web_address_is_refused(url, dns):
    with pytest.raises(UrlRefused) as refused:
        urlguard.check(url, policy=Policy(allow_http=True))
    assert refused.value.message == urlguard.NOT_A_WEB_ADDRESS


def test_a_name_that_does_not_resolve_is_refused(dns):
    with pytest.raises(UrlRefused) as refused:
        urlguard.check("https://nowhere.example.test/", policy=Policy())
    assert refused.value.message == urlguard.UNKNOWN_HOST


def test_the_allowed_networks_open_exactly_those_addresses(dns):
    policy = Policy(allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert urlguard.check("https://127.0.0.1:8000/", policy=policy)
    assert urlguard.check("https://[::ffff:127.0.0.1]/", policy=policy)
    for url in ("https://127.0.0.2/", "https://10.0.0.1/", "https://[::1]/"):
        with pytest.raises(UrlRefused):
            urlguard.check(url, policy=policy)


def test_the_settings_make_the_policy():
    assert Policy.from_settings() == Policy()  # default: https to public addresses only
    with settings_env(OUTBOUND_ALLOW_HTTP="true",
                      OUTBOUND_ALLOWED_NETWORKS="127.0.0.1, ::1/128"):
        assert Policy.from_settings() == Policy(allow_http=True, allowed_networks=(
            ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")))


def test_post_connects_to_the_checked_address_and_keeps_the_name_as_host(dns, receiver):
    port = receiver.server.server_address[1]
    dns.answers["hooks.example.test"] = ["127.0.0.1"]
    policy = Policy(allow_http=True, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    response = urlguard.post(f"http://hooks.example.test:{port}/in", content=b"{}",
                             headers={"Content-Type": "application/json"}, timeout=5,
                             policy=policy)
    assert response.status_code == 204
    # Resolved once, by the guard: the connection went to the checked address (the name
    # itself does not resolve outside this test), the request still names the host.
    assert dns.asked == ["hooks.example.test"]
    assert receiver.requests[0]["headers"]["Host"] == f"hooks.example.test:{port}"
    assert receiver.requests[0]["path"] == "/in"


def test_post_refuses_before_connecting_when_the_name_now_points_inside(dns, receiver):
    port = receiver.server.server_address[1]
    dns.answers["hooks.example.test"] = ["127.0.0.1"]  # was public when it was saved
    with pytest.raises(UrlRefused):
        urlguard.post(f"http://hooks.example.test:{port}/in", content=b"{}", headers={},
                      timeout=5, policy=Policy(allow_http=True))
    assert receiver.requests == []
