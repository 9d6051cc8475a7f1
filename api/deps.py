"""FastAPI dependencies, as `Annotated` aliases the route handlers declare.

* `SettingsDep`: the app's `ApiSettings`.
* `SessionDep`: an async SQLAlchemy session in a read-only REPEATABLE READ transaction, so
  every query of one request (the chain context included) sees the same snapshot.
* `IndexDep`: the session plus the chain id and indexed block the response is consistent with.
* `AddressPath` / `AddressQuery`: an address in any case, validated, normalised to lowercase
  (the indexer's storage form).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import AfterValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.exceptions import IndexNotReadyError
from api.settings import ApiSettings
from indexer.models import SyncCursor

_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
ADDRESS_EXAMPLE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def parse_address(value: str) -> str:
    """`value` as a lowercase address; any case is accepted, anything but 0x + 40 hex digits is not."""
    if _ADDRESS_RE.match(value) is None:
        if not value.startswith(("0x", "0X")):
            reason = "it does not start with 0x"
        elif len(value) != 42:
            reason = f"it has {len(value) - 2} hex digits, not 40"
        else:
            reason = "it contains non-hex characters"
        raise ValueError(f"not an address ({reason}); expected 0x followed by 40 hex digits")
    return value.lower()


def parse_optional_address(value: str | None) -> str | None:
    """`parse_address` for an optional parameter."""
    return None if value is None else parse_address(value)


AddressPath = Annotated[
    str,
    Path(description="Account address, any letter case.", examples=[ADDRESS_EXAMPLE]),
    AfterValidator(parse_address),
]
AddressQuery = Annotated[
    str | None,
    Query(description="Only this account (address, any letter case).", examples=[ADDRESS_EXAMPLE]),
    AfterValidator(parse_optional_address),
]


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction is rolled back (there is nothing to commit) when the request ends."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True)
class ChainContext:
    """Which chain the API serves and how far the index has got (`last_block` of the sync cursor)."""

    chain_id: int
    indexed_block: int


async def load_cursor(session: AsyncSession, chain_id: int | None) -> SyncCursor:
    """The sync cursor of `chain_id`, or of the only chain indexed when `chain_id` is None."""
    query = select(SyncCursor)
    if chain_id is not None:
        query = query.where(SyncCursor.chain_id == chain_id)
    cursors = (await session.scalars(query.order_by(SyncCursor.chain_id).limit(2))).all()
    if not cursors:
        which = f"chain {chain_id}" if chain_id is not None else "any chain"
        raise IndexNotReadyError(f"the indexer has not indexed {which} yet", headers={"Retry-After": "5"})
    if len(cursors) > 1:
        raise IndexNotReadyError("the database indexes several chains; set API_CHAIN_ID to pick one")
    return cursors[0]


class IndexReader:
    """A request's read-only view of the index: its session and, on first use, the chain context.

    The chain context is read in the handler body, not as a dependency: FastAPI validates path
    and query parameters only after solving dependencies, and bad input must be answered with
    a 4xx without touching the database (even when the database is down).
    """

    def __init__(self, session: AsyncSession, settings: ApiSettings) -> None:
        self.session = session
        self.settings = settings
        self._chain: ChainContext | None = None

    async def chain(self) -> ChainContext:
        """The served chain and its indexed block, in this request's snapshot."""
        if self._chain is None:
            cursor = await load_cursor(self.session, self.settings.chain_id)
            self._chain = ChainContext(chain_id=cursor.chain_id, indexed_block=cursor.last_block)
        return self._chain


def get_index(session: SessionDep, settings: SettingsDep) -> IndexReader:
    return IndexReader(session, settings)


IndexDep = Annotated[IndexReader, Depends(get_index)]
