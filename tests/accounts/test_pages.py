"""Signing in and out through the pages, as a person would."""

from tests.conftest import TEST_PASSWORD, csrf_of, login


def test_sign_in_lands_on_the_requested_page_and_shows_the_name(client, signed_in):
    signed_in("zhang.wei")
    page = client.get("/account")
    assert page.status_code == 200
    assert "张伟" in page.text and "退出" in page.text


def test_a_page_without_a_session_redirects_to_sign_in(client):
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"


def test_wrong_password_and_unknown_user_read_the_same(client, signed_in):
    signed_in("zhang.wei")
    client.cookies.clear()
    wrong = login(client, "zhang.wei", "Wrong-pass-123")
    unknown = login(client, "nobody.here", "Wrong-pass-123")
    assert wrong.status_code == unknown.status_code == 422
    assert "用户名或密码错误" in wrong.text
    message = wrong.text.split('alert-danger py-2" role="alert">')[1].split("<")[0]
    assert message in unknown.text


def test_after_logout_the_session_no_longer_works(client, signed_in):
    signed_in("zhang.wei")
    old_cookie = client.cookies.get("zs_session")
    token = csrf_of(client)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("zs_session", old_cookie)
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_form_without_the_csrf_token_is_refused(client, signed_in):
    signed_in("zhang.wei")
    response = client.post("/account/language", data={"language": "en"})
    assert response.status_code == 403
    assert "表单已过期" in response.text


def test_switching_to_english_changes_the_pages(client, signed_in):
    signed_in("zhang.wei")
    token = csrf_of(client)
    client.post("/account/language", data={"language": "en", "csrf_token": token})
    page = client.get("/account")
    assert "Sign out" in page.text and 'lang="en"' in page.text


def test_a_new_user_must_change_the_password_first(client, session):
    from app.accounts.service import create_user

    create_user(session, username="new.user", display_name="新用户", password=TEST_PASSWORD,
                roles=["staff"])
    session.commit()
    response = login(client, "new.user")
    assert response.status_code == 303
    assert client.get("/account", follow_redirects=False).headers["location"] == (
        "/account/password")
    token = csrf_of(client, "/account/password")
    changed = client.post("/account/password", data={
        "csrf_token": token, "current_password": TEST_PASSWORD,
        "password": "Fresh-Pass-9981", "password_again": "Fresh-Pass-9981"})
    assert "密码已修改" in changed.text
    assert client.get("/account").status_code == 200


def test_a_password_change_signs_out_every_other_session_and_api_token(app, client,
                                                                        signed_in):
    from fastapi.testclient import TestClient

    signed_in("zhang.wei")
    other = TestClient(app, base_url="http://testserver")
    assert login(other, "zhang.wei").status_code == 303
    issued = client.post("/api/v1/auth/token", data={"username": "zhang.wei",
                                                     "password": TEST_PASSWORD})
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert client.get("/api/v1/projects", headers=bearer).status_code == 200
    old_id = client.cookies.get("zs_session")

    changed = client.post("/account/password", data={
        "current_password": TEST_PASSWORD, "password": "Ln-Tea-8841-new",
        "password_again": "Ln-Tea-8841-new", "csrf_token": csrf_of(client)})
    assert changed.status_code == 200

    assert other.get("/account", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/projects", headers=bearer).status_code == 401
    # This browser goes on, under a new session id (and with a new CSRF token).
    assert client.cookies.get("zs_session") != old_id
    page = client.get("/account", follow_redirects=False)
    assert page.status_code == 200 and "张伟" in page.text
    assert client.post("/account/language", data={"language": "zh_CN",
                                                   "csrf_token": csrf_of(client)},
                       follow_redirects=False).status_code == 303
    stolen = TestClient(app, base_url="http://testserver", cookies={"zs_session": old_id})
    assert stolen.get("/account", follow_redirects=False).status_code == 303
    assert login(other, "zhang.wei", "Ln-Tea-8841-new").status_code == 303
