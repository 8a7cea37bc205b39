"""Signing in to the admin: failed sign-ins are throttled per account and per
address (django-axes) with a lock-out page that says when to try again, an
editor lands on the admin whatever ``next`` says, and Django's password
validators refuse weak passwords."""

import datetime
import json
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.factories import CharacterFactory, StaffUserFactory, UserFactory
from tests.test_settings import assert_security_headers, run_python
from wiki.models import Generation

PASSWORD = "correct horse battery staple"
LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every sign-in checks a password; the real hasher is slow on purpose,
    and what these tests count does not depend on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, address="192.0.2.1", next_url=None, **headers):
    url = "/admin/login/" + (f"?next={next_url}" if next_url is not None else "")
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def assert_refused_with_the_form(response):
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def assert_locked_out(response):
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert f"Signing in is paused after {LIMIT} failed attempts" in page
    assert "Please enter the correct username and password" not in page


def test_defaults_are_five_failures_and_a_fifteen_minute_cool_off_per_account_and_per_address():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_an_account_is_locked_out_after_the_limit_even_from_a_new_address_each_time(client):
    StaffUserFactory(username="james", password=PASSWORD)
    StaffUserFactory(username="sarah", password=PASSWORD)
    for attempt in range(1, LIMIT):
        assert_refused_with_the_form(sign_in(client, "james", "guess", address=f"198.51.100.{attempt}"))
    assert_locked_out(sign_in(client, "james", "guess", address="198.51.100.99"))
    # The right password from yet another address: still locked out.
    assert_locked_out(sign_in(Client(), "james", PASSWORD, address="203.0.113.50"))
    # Another account is not affected.
    signed_in = sign_in(Client(), "sarah", PASSWORD, address="203.0.113.51")
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")


def test_an_address_is_locked_out_after_the_limit_across_accounts(client):
    StaffUserFactory(username="james", password=PASSWORD)
    for attempt in range(1, LIMIT):
        # A client-sent X-Forwarded-For is not believed by default.
        response = sign_in(client, f"guess{attempt}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
        assert_refused_with_the_form(response)
    assert_locked_out(sign_in(client, "guess-last", "guess"))
    assert_locked_out(sign_in(Client(), "james", PASSWORD))
    signed_in = sign_in(Client(), "james", PASSWORD, address="192.0.2.2")
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")


def test_the_lock_out_page_says_when_to_try_again_and_is_never_cached(client):
    for _ in range(LIMIT):
        response = sign_in(client, "james", "guess")
    assert_locked_out(response)
    assert response.headers["Retry-After"] == str(int(COOL_OFF.total_seconds()))
    assert "no-store" in response.headers["Cache-Control"]
    assert_security_headers(response)
    page = response.content.decode()
    assert "<title>Too many failed sign-ins – Hero Mask Wiki</title>" in page
    stated = re.search(r'Try again after <time datetime="([^"]+)">[^<]+ UTC</time>, in 15 minutes\.', page)
    assert stated, page
    retry_at = datetime.datetime.fromisoformat(stated.group(1))
    last_failure = AccessAttempt.objects.get(username="james").attempt_time
    assert abs(retry_at - (last_failure + COOL_OFF)) < datetime.timedelta(seconds=1)


def test_an_editor_signs_in_again_once_the_cool_off_has_passed(client):
    StaffUserFactory(username="james", password=PASSWORD)
    for _ in range(LIMIT):
        sign_in(client, "james", "guess")
    assert_locked_out(sign_in(client, "james", PASSWORD))
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - COOL_OFF)
    signed_in = sign_in(client, "james", PASSWORD)
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")


def test_an_administrator_can_lift_a_lock_out_at_once(client):
    StaffUserFactory(username="james", password=PASSWORD)
    for _ in range(LIMIT):
        sign_in(client, "james", "guess")
    assert_locked_out(sign_in(client, "james", PASSWORD))
    call_command("axes_reset", verbosity=0)
    signed_in = sign_in(client, "james", PASSWORD)
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")


@override_settings(
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
    AXES_IPWARE_PROXY_COUNT=0,
    IPWARE_STRICT=False,
)
def test_behind_a_trusted_proxy_the_address_it_appends_counts_whatever_the_client_put_before_it(client):
    StaffUserFactory(username="james", password=PASSWORD)
    proxy = "10.0.0.2"
    for attempt in range(1, LIMIT):
        response = sign_in(
            client,
            f"guess{attempt}",
            "guess",
            address=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.{attempt}, 203.0.113.7",
        )
        assert_refused_with_the_form(response)
    assert_locked_out(sign_in(client, "guess", "guess", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7"))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # Other readers behind the same proxy still sign in.
    signed_in = sign_in(Client(), "james", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert (signed_in.status_code, signed_in.url) == (302, "/admin/")


def test_failed_sign_ins_leave_the_content_generation_and_cached_pages_alone(client):
    james = CharacterFactory(title="James Blood")
    before = Generation.objects.current()
    with override_settings(PAGE_CACHE_ENABLED=True):
        assert Client().get(james.get_absolute_url()).headers["X-Page-Cache"] == "miss"
        for _ in range(LIMIT):
            sign_in(client, "james", "guess")
        assert Client().get(james.get_absolute_url()).headers["X-Page-Cache"] == "hit"
    assert Generation.objects.current() == before


@pytest.mark.parametrize(
    "next_url",
    [
        None,
        "https://evil.example/",
        "//evil.example/",
        "https://testserver@evil.example/",
        "javascript:alert(1)",
    ],
)
def test_signing_in_lands_on_the_admin_never_off_site(client, next_url):
    StaffUserFactory(username="james", password=PASSWORD)
    response = sign_in(client, "james", PASSWORD, next_url=next_url)
    assert (response.status_code, response.url) == (302, "/admin/")
    assert client.get(response.url).status_code == 200


def test_signing_in_follows_a_next_address_on_the_site(client):
    StaffUserFactory(username="james", password=PASSWORD)
    response = sign_in(client, "james", PASSWORD, next_url="/admin/auth/user/")
    assert (response.status_code, response.url) == (302, "/admin/auth/user/")


def test_a_page_for_editors_only_sends_a_reader_to_the_admin_sign_in(client):
    response = client.get("/admin/auth/user/")
    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/admin/auth/user/"


@pytest.mark.parametrize(
    ("new_password", "reason"),
    [
        ("password", "This password is too common."),
        ("hm2019", "This password is too short. It must contain at least 8 characters."),
        ("20182019", "This password is entirely numeric."),
        ("james-blood", "The password is too similar to the username."),
    ],
)
def test_an_editor_cannot_change_their_password_to_a_weak_one(client, new_password, reason):
    editor = StaffUserFactory(username="james-blood", password=PASSWORD)
    client.force_login(editor)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_an_editor_can_change_their_password_to_a_strong_one(client):
    editor = StaffUserFactory(username="james", password=PASSWORD)
    client.force_login(editor)
    new_password = "masks of the SSC, season two"
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert (response.status_code, response.url) == (302, "/admin/password_change/done/")
    editor.refresh_from_db()
    assert editor.check_password(new_password)


def test_an_administrator_cannot_give_another_editor_a_weak_password(client):
    client.force_login(StaffUserFactory(username="admin"))
    editor = UserFactory(username="sarah", is_staff=True)
    response = client.post(
        f"/admin/auth/user/{editor.pk}/password/",
        {"password1": "password", "password2": "password", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=400
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(username=st.text(max_size=300), password=st.text(max_size=300), user_agent=header_text)
def test_hostile_sign_ins_are_refused_or_locked_out_never_an_error(username, password, user_agent):
    response = Client().post(
        "/admin/login/", {"username": username, "password": password}, HTTP_USER_AGENT=user_agent
    )
    assert response.status_code in {200, 429}
    if response.status_code == 200:
        assert '<form action="/admin/login/"' in response.content.decode()
    else:
        assert_locked_out(response)


PRINT_LOGIN_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "limit": settings.AXES_FAILURE_LIMIT,
    "cool_off": settings.AXES_COOLOFF_TIME.total_seconds(),
    "order": settings.AXES_IPWARE_META_PRECEDENCE_ORDER,
    "proxy_count": settings.AXES_IPWARE_PROXY_COUNT,
}))
"""


def load_login_settings(**env):
    result = run_python(PRINT_LOGIN_SETTINGS, DJANGO_SECRET_KEY="x" * 50, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_login_limits_come_from_the_environment_and_a_proxy_header_is_trusted_only_when_named():
    assert load_login_settings() == {
        "limit": 5,
        "cool_off": 900,
        "order": ["REMOTE_ADDR"],
        "proxy_count": None,
    }
    behind_two_proxies = load_login_settings(
        DJANGO_LOGIN_FAILURE_LIMIT="3",
        DJANGO_LOGIN_COOLOFF_MINUTES="60",
        DJANGO_CLIENT_IP_HEADER="X-Forwarded-For",
        DJANGO_PROXY_COUNT="2",
    )
    assert behind_two_proxies == {
        "limit": 3,
        "cool_off": 3600,
        "order": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
        "proxy_count": 1,
    }


def test_a_limit_of_zero_is_refused_with_a_message():
    result = run_python(PRINT_LOGIN_SETTINGS, DJANGO_SECRET_KEY="x" * 50, DJANGO_LOGIN_FAILURE_LIMIT="0")
    assert result.returncode != 0
    assert "DJANGO_LOGIN_FAILURE_LIMIT and DJANGO_LOGIN_COOLOFF_MINUTES must be positive whole numbers." in (
        result.stderr
    )
