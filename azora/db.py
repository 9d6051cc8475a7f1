"""Database URL handling shared by every service (indexer, oracles, tests)."""

from __future__ import annotations

PSYCOPG_DRIVER = "postgresql+psycopg"


def sqlalchemy_url(url: str) -> str:
    """`url` with the psycopg 3 driver: plain ``postgresql://`` / ``postgres://`` URLs would pick
    psycopg2 in SQLAlchemy. Other URLs are returned unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return f"{PSYCOPG_DRIVER}://" + url[len(prefix) :]
    return url
