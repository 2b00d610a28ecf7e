"""PostgreSQL database URLs as the configuration gives them: which ones are accepted, and how one is
shown in a message or a log without its password.

No psycopg here: the configuration is read (and a bad URL refused) also where the `postgres` extra
is not installed.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

__all__ = ["SCHEMES", "problem", "redact"]

SCHEMES = ("postgresql", "postgres")  # libpq's two spellings


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    return parts


def redact(url: str) -> str:
    """The URL with its password (if any) replaced by `***`: the only form messages and logs may
    show. Something that cannot be split at all is not shown (it may hold the password)."""
    parts = _split(url)
    if parts is None:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def problem(url: str) -> str | None:
    """Why `url` is not a PostgreSQL URL the bot can use, phrased for the operator (never
    repeating the password), or None."""
    parts = _split(url)
    if parts is None:
        return "not a URL (a port that is not a number?)"
    if parts.scheme.lower() not in SCHEMES:
        shown = f"{parts.scheme}://" if parts.scheme else "no scheme"
        return f"{shown}: expected postgresql://user:password@host:5432/dbname (or postgres://)"
    return None
