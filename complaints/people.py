"""How people are named outside the admin: by their display name, never by their login.

Login names are credentials-adjacent and meaningless to colleagues reading a timeline, an email
or an export; the admin, where accounts are managed, is the one place that shows them.
"""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    """The person's full name, else their username; "" for nobody."""
    if user is None:
        return ""
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    if full:
        return full
    return user.get_username() if hasattr(user, "get_username") else str(user)
