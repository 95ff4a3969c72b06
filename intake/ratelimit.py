"""Per-IP rate limits for the public pages, counted in Django's cache (fixed windows).

Counting in the cache rather than the database keeps abusive traffic off the database. The cache
must be shared by all app processes for the limit to be global (``REDRESS_RATE_LIMIT_CACHE``
names it; the default local-memory cache counts per process).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import caches


def client_ip(request) -> str:
    header = settings.REDRESS_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        if forwarded:
            # X-Forwarded-For style lists: the proxy appends, so the last entry is what it saw.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, ip: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(ip.encode()).hexdigest()[:32]
    return f"redress:rl:{scope}:{digest}:{bucket}"


def exceeded(request, scope: str, limit: int) -> bool:
    """Whether this client already used up ``limit`` hits of ``scope`` in the current window."""
    window = settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS
    cache = caches[settings.REDRESS_RATE_LIMIT_CACHE]
    return (cache.get(_key(scope, client_ip(request), window)) or 0) >= limit


def hit(request, scope: str) -> int:
    """Count one hit of ``scope`` for this client; returns the count in the current window."""
    window = settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS
    cache = caches[settings.REDRESS_RATE_LIMIT_CACHE]
    key = _key(scope, client_ip(request), window)
    # add() is a no-op when the key exists, so the first hit of a window creates it and
    # incr() is atomic on the shared backends (Redis, memcached, database cache).
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1
