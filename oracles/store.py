"""PostgreSQL access shared by the intake and the submitter (sync SQLAlchemy sessions)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from indexer.db import create_db_engine
from oracles.models import OPEN_STATUSES, QUEUED, OracleSubmission


def make_sessions(database_url: str, *, pool_size: int = 5) -> sessionmaker[Session]:
    """A session factory on `database_url` (objects stay readable after commit)."""
    engine = create_db_engine(database_url, pool_size=pool_size, max_overflow=pool_size)
    return sessionmaker(engine, expire_on_commit=False)


def new_submission(
    *, chain_id: int, uid: bytes, domain: str, schema: bytes, subject: str, data: bytes
) -> OracleSubmission:
    """A queued submission (add it to a session and commit before anything is enqueued)."""
    return OracleSubmission(
        chain_id=chain_id,
        uid="0x" + uid.hex(),
        domain=domain,
        schema="0x" + schema.hex(),
        subject=subject.lower(),
        data=data,
        status=QUEUED,
        sign_rounds=0,
        tx_attempts=0,
    )


def waiting(chain_time: int) -> ColumnElement[bool]:
    """SQL: the submission is deferred and its retry time is still ahead of `chain_time`."""
    return and_(
        OracleSubmission.status == QUEUED,
        OracleSubmission.digest.is_(None),
        OracleSubmission.deadline.is_not(None),
        OracleSubmission.deadline > chain_time,
    )


def waiting_count(session: Session, chain_id: int, chain_time: int) -> int:
    """How many deferred submissions of `chain_id` wait for a retry time after `chain_time`."""
    return int(
        session.scalar(select(func.count()).where(OracleSubmission.chain_id == chain_id, waiting(chain_time)))
        or 0
    )


def open_counts(session: Session, chain_id: int) -> dict[str, int]:
    """How many submissions of `chain_id` are in each non-final status."""
    rows = session.execute(
        select(OracleSubmission.status, func.count())
        .where(OracleSubmission.chain_id == chain_id, OracleSubmission.status.in_(OPEN_STATUSES))
        .group_by(OracleSubmission.status)
    ).all()
    counts = dict.fromkeys(OPEN_STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts
