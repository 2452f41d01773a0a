"""Headers, error pages, request limits and the language switch, on every kind of response."""

import logging

import pytest
from flask_login.utils import decode_cookie, encode_cookie

from outreach_app import create_app

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("path", ["/login", "/does-not-exist", "/static/css/app.css", "/healthz"])
def test_headers_on_pages_errors_and_static_files(client, path):
    with client.get(path) as response:
        assert_security_headers(response)


def test_headers_and_no_store_behind_login(client, auth, world):
    auth.login("staff_a")
    response = client.get("/")
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("lang, text", [("zh_CN", "找不到"), ("en", "Page not found")])
def test_404_page_is_friendly_in_both_languages(client, lang, text):
    client.set_cookie("outreach_lang", lang)
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert text in html
    assert "Traceback" not in html


def test_403_for_admin_pages_seen_by_staff(english, auth, world):
    auth.login("staff_a")
    response = english.get("/admin/users/")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_unsupported_methods_are_405(client, method):
    response = client.open("/login", method=method)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert_security_headers(response)


def test_get_logout_is_405_and_changes_nothing(client, auth, world):
    auth.login("staff_a")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_20_mb_body_is_413(english):
    response = english.post(
        "/login", data=b"x" * (20 * 1024 * 1024), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_2000_form_fields_is_413(client):
    body = "&".join(f"f{i}=v" for i in range(2000))
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    parts = "".join(
        f'--b\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nv\r\n' for i in range(2000)
    )
    response = client.post(
        "/login", data=parts + "--b--\r\n", content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413


def test_huge_urlencoded_field_is_413(client):
    response = client.post("/login", data={"username": "a", "password": "p" * (1024 * 1024)})
    assert response.status_code == 413


def test_forced_exception_shows_generic_page_and_rolls_back(database_url, caplog):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False}
    )

    @app.route("/boom\nFAKE-LOG-LINE")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    client.set_cookie("outreach_lang", "en")
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom%0AFAKE-LOG-LINE")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html
    assert_security_headers(response)
    logged = [r.getMessage() for r in caplog.records]
    assert any("/boom\\nFAKE-LOG-LINE" in line for line in logged)
    assert not any("\nFAKE-LOG-LINE" in line for line in logged)


def test_rate_limit_gives_friendly_429(database_url):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_DEFAULT": "3 per minute"}
    )
    client = app.test_client()
    client.set_cookie("outreach_lang", "en")
    statuses = [client.get("/login").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_language_switch_sets_cookie_and_returns(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "outreach_lang=en" in response.headers["Set-Cookie"]
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:x"]
)
def test_language_switch_never_redirects_away(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client):
    response = client.post("/language", data={"lang": "xx", "next": "/login"})
    assert "Set-Cookie" not in response.headers
    assert 'lang="zh-CN"' in client.get("/login?lang=xx").get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:5000",
        "http://outreach.example.cn",
        "https://localhost",
        "https://127.0.0.2",
        "https://[::1]:8443",
        "outreach.example.cn",
        "",
    ],
)
def test_production_refuses_a_public_base_url_that_cannot_be_printed(base_url):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(
            "production",
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "SECRET_KEY": "x" * 40,
                "PUBLIC_BASE_URL": base_url,
            },
        )


def test_production_cookies_are_secure_and_hsts_is_sent(database_url):
    app = create_app(
        "production",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x" * 40,
            "PUBLIC_BASE_URL": "https://outreach.example.cn",
        },
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login", base_url="https://outreach.example.cn")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_csrf_failure_explains_itself(csrf_app):
    client = csrf_app.test_client()
    client.set_cookie("outreach_lang", "en")
    response = client.post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "This form has expired or did not come from this site" in response.get_data(as_text=True)


def test_idle_timeout_also_drops_the_remember_cookie(app, client, auth, world):
    auth.login("staff_a", remember="y")
    remember = client.get_cookie("outreach_remember")
    assert remember is not None
    # Ten days without a visit: the session is idle and the login, which the remember-me
    # cookie carries, is past its seven days.
    ten_days = 10 * 24 * 3600
    with app.test_request_context():
        user_id, version, issued_at, nonce = decode_cookie(remember.value).split(":")
        aged = encode_cookie(f"{user_id}:{version}:{int(issued_at) - ten_days}:{nonce}")
    client.set_cookie("outreach_remember", aged)
    with client.session_transaction() as session:
        session["_seen_at"] -= ten_days
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get_cookie("outreach_remember") is None
    assert client.get("/").status_code == 302
