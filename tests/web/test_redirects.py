"""Where a page sends the browser next: back only to a page of this site, whatever the
request names; an HTMX request is told with HX-Redirect, any other with a 303."""

import pytest

from tests.conftest import csrf_of


@pytest.mark.parametrize(("referer", "location"), [
    ("http://testserver/account?tab=sessions", "/account?tab=sessions"),
    ("https://evil.example/phish", "/phish"),  # its path, here: never the other site
    ("http://testserver//evil.example/", "/account"),
    (None, "/account"),
])
def test_going_back_after_a_form_stays_on_this_site(client, signed_in, referer, location):
    signed_in("zhang.wei")
    token = csrf_of(client)
    headers = {"Referer": referer} if referer else {}
    response = client.post("/account/language", data={"language": "zh_CN", "csrf_token": token},
                           headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == location


def test_an_htmx_request_without_a_session_is_sent_to_sign_in(client):
    response = client.get("/projects?stage=signed", headers={"HX-Request": "true"},
                          follow_redirects=False)
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == "/login?next=/projects%3Fstage%3Dsigned"
