"""A Redis cache the site can do without.

The cache is an accelerator: when Redis cannot be reached, every page is
still built from the database. ``FailSoftRedisCache`` is Django's
``RedisCache`` whose operations, when Redis fails, answer as a miss (``get``
returns the default, ``add`` and ``delete`` return False, ``incr`` finds no
key) or do nothing (``set``), instead of raising. After a failure it sends
nothing to Redis for ``retry_after_seconds`` (a circuit breaker), so a
stopped or hung Redis costs a request nothing more than a local check, and
its short socket timeouts bound what the one request that finds it down
waits. The process logs one warning when Redis goes away and one when it
answers again, not one per request.

It also carries notices that content changed (``announce_change``,
``change_feed``), so that a process need not read the content generation
from the database for every request (``wiki.models.Generation``).
"""

import logging
import os
import re
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds. Redis answers on the same machine or network in well under a
# millisecond: anything slower is as good as down for a cache.
SOCKET_CONNECT_TIMEOUT = 0.2
SOCKET_TIMEOUT = 0.5


def without_credentials(location):
    """``location`` as it may be logged: no user name or password."""
    parts = urlsplit(location)
    if parts.password is None and parts.username is None:
        return location
    return parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")).geturl()


class Outage:
    """Whether one Redis location is known to be down, for every thread of the process."""

    _by_location = {}
    _registry_lock = threading.Lock()

    def __init__(self, location, retry_after_seconds):
        self.location = location
        self.retry_after_seconds = retry_after_seconds
        self._lock = threading.Lock()
        # While set, no request is sent to Redis before this monotonic time.
        self._retry_at = None

    @classmethod
    def of(cls, location, retry_after_seconds):
        with cls._registry_lock:
            if location not in cls._by_location:
                cls._by_location[location] = cls(location, retry_after_seconds)
            return cls._by_location[location]

    def allows_a_try(self):
        retry_at = self._retry_at
        return retry_at is None or time.monotonic() >= retry_at

    def failed(self, error):
        with self._lock:
            began = self._retry_at is None
            self._retry_at = time.monotonic() + self.retry_after_seconds
        if began:
            logger.warning(
                "The cache at %s cannot be reached (%s: %s): pages are built from the database "
                "until it answers again.",
                self.location,
                type(error).__name__,
                error,
            )

    def succeeded(self):
        if self._retry_at is None:
            return
        with self._lock:
            ended, self._retry_at = self._retry_at is not None, None
        if ended:
            logger.warning("The cache at %s answers again: pages are cached again.", self.location)


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a ``redis.Redis`` for every operation, which took
    longer than a page-cache hit's GET itself; one per connection pool does
    (a ``redis.Redis`` is safe to share between threads)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ChangeFeed:
    """Notices, through Redis publish/subscribe, that content changed
    somewhere, for every thread of one process.

    ``quiet()`` looks, without waiting, whether a notice came on the
    process's subscription. It says True only if the process was subscribed
    before its last look and no notice has come since, so what the process
    read after that look is still current. Redis sends a notice to every
    subscriber in the same step as its answer to the process that announced
    it, which answers the edit only then. A subscription that fails
    is dropped and made anew at the next look, which says False: the caller
    reads the generation again after subscribing, so no notice is missed
    unseen."""

    _by_channel = {}
    _registry_lock = threading.Lock()

    def __init__(self, pool, channel, outage):
        self._pool, self._channel, self._outage = pool, channel, outage
        self._lock = threading.Lock()
        self._connection = self._pid = None
        # How many looks were not quiet, in any thread: a read begun before one of them may be stale.
        self.unquiet_looks = 0

    @classmethod
    def of(cls, pool, channel, outage):
        with cls._registry_lock:
            key = (outage.location, channel)
            if key not in cls._by_channel:
                cls._by_channel[key] = cls(pool, channel, outage)
            return cls._by_channel[key]

    def client_name(self):
        """What the subscription is called in Redis's ``CLIENT LIST`` (a name
        may hold no space or control character)."""
        return re.sub(r"[^!-~]", "_", f"{self._channel}:subscriber")

    def quiet(self):
        with self._lock:
            quiet = self._look()
            if not quiet:
                self.unquiet_looks += 1
            return quiet

    def _look(self):
        # A forked process has its own subscription: the parent's socket is not its own.
        if self._connection is None or self._pid != os.getpid():
            self._subscribe()
            return False
        noticed = False
        try:
            while self._connection.can_read(timeout=0):
                self._connection.read_response()
                noticed = True
        except (RedisError, OSError):
            # Redis closed it (a restart, say): the next look subscribes again,
            # and only if that fails is Redis down.
            self._connection.disconnect()
            self._connection = None
            return False
        return not noticed

    def _subscribe(self):
        self._connection = None
        if not self._outage.allows_a_try():
            return
        connection = self._pool.connection_class(
            **{**self._pool.connection_kwargs, "client_name": self.client_name()}
        )
        try:
            connection.send_command("SUBSCRIBE", self._channel)
            connection.read_response()
        except (RedisError, OSError) as error:
            connection.disconnect()
            self._outage.failed(error)
            return
        self._outage.succeeded()
        self._connection, self._pid = connection, os.getpid()


class FailSoftRedisCache(RedisCache):
    """``RedisCache`` that treats an unreachable Redis as an empty cache."""

    retry_after_seconds = 3

    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": SOCKET_CONNECT_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = SharedClientRedisCacheClient
        location = ",".join(without_credentials(server) for server in self._servers)
        self._outage = Outage.of(location, self.retry_after_seconds)
        self._change_feed = None

    def _try(self, fallback, operation, *args, **kwargs):
        if not self._outage.allows_a_try():
            return fallback
        try:
            result = operation(*args, **kwargs)
        except RedisError as error:
            self._outage.failed(error)
            return fallback
        self._outage.succeeded()
        return result

    def add(self, key, value, *args, **kwargs):
        return self._try(False, super().add, key, value, *args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._try(default, super().get, key, default, version)

    def set(self, key, value, *args, **kwargs):
        self._try(None, super().set, key, value, *args, **kwargs)

    def touch(self, key, *args, **kwargs):
        return self._try(False, super().touch, key, *args, **kwargs)

    def delete(self, key, version=None):
        return self._try(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._try({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._try(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._try(missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache cannot be reached).")
        return result

    def set_many(self, data, *args, **kwargs):
        # The keys that were not stored: all of them.
        return self._try(list(data), super().set_many, data, *args, **kwargs)

    def delete_many(self, keys, version=None):
        self._try(None, super().delete_many, keys, version)

    def clear(self):
        return self._try(False, super().clear)

    def announce_change(self):
        """Tell every process subscribed (``change_feed``) that content changed."""
        channel = self.make_and_validate_key("content-changed")
        self._try(None, lambda: self._cache.get_client(write=True).publish(channel, b""))

    def change_feed(self):
        if self._change_feed is None:
            pool = self._cache._get_connection_pool(write=False)
            channel = self.make_and_validate_key("content-changed")
            self._change_feed = ChangeFeed.of(pool, channel, self._outage)
        return self._change_feed
