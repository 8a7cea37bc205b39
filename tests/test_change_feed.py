"""Notices of changes through Redis, which spare a server process reading the
content generation from the database for every request
(``heromask_wiki.redis_cache.ChangeFeed``, ``wiki.models.Generation``).

They need Redis at 127.0.0.1:6379 (started by .ci/run): each test fails
under CI and is skipped elsewhere without it."""

import uuid

import pytest
import redis
from django.core.cache import cache
from django.test import override_settings

from heromask_wiki.redis_cache import FailSoftRedisCache
from tests.factories import CharacterFactory
from tests.test_caching import redis_location, require_redis
from wiki.models import Generation


@pytest.fixture
def location():
    location = redis_location()
    require_redis(location)
    return location


@pytest.fixture
def prefix():
    """A key prefix, and so a channel, of this test's own."""
    return f"heromask-test-{uuid.uuid4().hex}"


def redis_cache(location, prefix):
    return FailSoftRedisCache(location, {"KEY_PREFIX": prefix})


def test_a_subscribed_process_hears_each_change_of_its_site_and_no_other(location, prefix):
    feed = redis_cache(location, prefix).change_feed()
    # The first look subscribes: nothing read before it can be trusted.
    assert feed.quiet() is False
    assert feed.quiet() is True

    # Announced by another server of the same site.
    redis_cache(location, prefix).announce_change()
    assert feed.quiet() is False
    assert feed.quiet() is True

    redis_cache(location, f"{prefix}-another-site").announce_change()
    assert feed.quiet() is True

    for _ in range(3):
        redis_cache(location, prefix).announce_change()
    assert feed.quiet() is False
    assert feed.quiet() is True


def test_a_lost_subscription_is_never_quiet_and_is_made_again(location, prefix):
    feed = redis_cache(location, prefix).change_feed()
    feed.quiet()
    assert feed.quiet() is True
    client = redis.Redis.from_url(location)
    # As a Redis restart would, but to this subscription only (CI runs two test
    # runs on one Redis): a change announced while nobody listens is lost to it.
    (subscription,) = [
        listed for listed in client.client_list(_type="pubsub") if listed["name"] == feed.client_name()
    ]
    assert client.client_kill_filter(_id=subscription["id"]) == 1
    redis_cache(location, prefix).announce_change()
    assert feed.quiet() is False
    # Subscribed again on this look, which is therefore not quiet either.
    assert feed.quiet() is False
    channel = f"{prefix}:1:content-changed"
    assert client.pubsub_numsub(channel) == [(channel.encode(), 1)]
    assert feed.quiet() is True


# Django warns that such a prefix would not do for memcached; Redis takes any.
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
def test_a_subscription_is_named_after_its_channel_whatever_the_key_prefix(location):
    feed = redis_cache(location, f"heromask test {uuid.uuid4().hex}\u00e9").change_feed()
    feed.quiet()
    assert feed.quiet() is True
    names = [listed["name"] for listed in redis.Redis.from_url(location).client_list(_type="pubsub")]
    assert feed.client_name() in names
    assert " " not in feed.client_name() and feed.client_name().endswith(":1:content-changed:subscriber")


@pytest.fixture
def redis_site_cache(location, prefix, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "heromask_wiki.redis_cache.FailSoftRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
        }
    }
    return cache


@pytest.mark.django_db(transaction=True)
def test_the_generation_is_read_once_until_a_change_is_announced(redis_site_cache, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = Generation.objects.current()
    with django_assert_num_queries(0):
        for _ in range(5):
            assert Generation.objects.current() == first

    # Another server's edit: its own process announces it once committed.
    redis_cache(redis_location(), redis_site_cache.key_prefix).announce_change()
    with django_assert_num_queries(1):
        assert Generation.objects.current() == first
    with django_assert_num_queries(0):
        Generation.objects.current()

    # An edit through the write path, in this process.
    CharacterFactory(title="James Blood")
    with django_assert_num_queries(1):
        changed = Generation.objects.current()
    assert changed.content != first.content


@pytest.mark.django_db(transaction=True)
def test_the_generation_is_read_again_once_it_has_been_kept_for_the_trusted_time(
    redis_site_cache, django_assert_num_queries
):
    Generation.objects.current()
    with override_settings(PAGE_CACHE_TRUST_SECONDS=0):
        for _ in range(3):
            with django_assert_num_queries(1):
                Generation.objects.current()


@pytest.mark.django_db
def test_inside_a_transaction_the_generation_is_read_every_time(redis_site_cache, django_assert_num_queries):
    # pytest-django's django_db runs each test in a transaction, which may change the counters.
    for _ in range(3):
        with django_assert_num_queries(1):
            Generation.objects.current()
