"""`/v1/credentials/{id}` and `/v1/accounts/{address}/credentials`: the soulbound course credentials.

A credential's token id is the uid of the CourseCompleted attestation that earned it, so it is
accepted both as a decimal uint256 and as that 0x-prefixed bytes32. Revoked credentials are
burned on chain; the index keeps them, flagged `revoked`, with the revocation's position.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BeforeValidator, WithJsonSchema
from sqlalchemy import select, tuple_

from api.deps import AddressPath, IndexDep
from api.errors import problem_responses
from api.exceptions import NotFoundError
from api.pagination import PageDep, Part, next_cursor
from api.schemas import CredentialOut, Envelope, Page
from indexer.models import Credential

router = APIRouter(prefix="/v1", tags=["credentials"])

CREDENTIALS = "credentials"
ISSUED_KEY = (Part.BIGINT, Part.BIGINT)  # (issued_block, issued_log_index), newest first

_DECIMAL_RE = re.compile(r"^[0-9]{1,78}$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F]{1,64}$")


def parse_token_id(value: object) -> int:
    """A token id: a decimal uint256 or 0x + up to 64 hex digits (the attestation uid)."""
    text = str(value)
    if _DECIMAL_RE.match(text):
        token_id = int(text)
    elif _HEX_RE.match(text):
        token_id = int(text, 16)
    else:
        raise ValueError("expected a token id: a decimal integer or the 0x-prefixed bytes32 uid")
    if token_id >= 2**256:
        raise ValueError("the token id exceeds uint256")
    return token_id


TokenIdPath = Annotated[
    int,
    BeforeValidator(parse_token_id),
    Path(description="Token id: decimal, or the 0x bytes32 uid of its attestation."),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$",
            "examples": ["0x" + "ab" * 32],
        }
    ),
]


def credential_out(row: Credential) -> CredentialOut:
    uid = "0x" + row.token_id.to_bytes(32, "big").hex()
    return CredentialOut(
        token_id=row.token_id,
        uid=uid,
        learner=row.learner,
        course_id=row.course_id,
        score=row.score,
        difficulty=row.difficulty,
        issued_block=row.issued_block,
        issued_tx_hash=row.issued_tx_hash,
        issued_timestamp=row.issued_timestamp,
        revoked=row.revoked,
        revoked_block=row.revoked_block,
        revoked_tx_hash=row.revoked_tx_hash,
        revoked_timestamp=row.revoked_timestamp,
        attestation=f"/v1/attestations/{uid}",
    )


@router.get("/credentials/{token_id}", summary="One credential", responses=problem_responses(404))
async def read_credential(token_id: TokenIdPath, index: IndexDep) -> Envelope[CredentialOut]:
    """A credential by token id (live or revoked)."""
    session, chain = index.session, await index.chain()
    row = await session.get(Credential, (chain.chain_id, token_id))
    if row is None:
        raise NotFoundError(f"no credential {token_id} is indexed")
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=credential_out(row))


@router.get("/accounts/{address}/credentials", summary="Credentials of a learner, newest first")
async def read_account_credentials(
    address: AddressPath,
    index: IndexDep,
    page: PageDep,
    revoked: Annotated[bool | None, Query(description="Only revoked (true) or only live (false).")] = None,
) -> Page[CredentialOut]:
    """Every credential issued to the account, newest first; `revoked=false` lists what it holds now."""
    after = page.key(CREDENTIALS, ISSUED_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    query = select(Credential).where(Credential.chain_id == chain.chain_id, Credential.learner == address)
    if revoked is not None:
        query = query.where(Credential.revoked.is_(revoked))
    if after is not None:
        query = query.where(tuple_(Credential.issued_block, Credential.issued_log_index) < tuple_(*after))
    ordering = (Credential.issued_block.desc(), Credential.issued_log_index.desc())
    rows = (await session.scalars(query.order_by(*ordering).limit(page.limit + 1))).all()
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[credential_out(row) for row in rows[: page.limit]],
        next_cursor=next_cursor(
            CREDENTIALS, rows, page.limit, lambda row: (row.issued_block, row.issued_log_index)
        ),
    )
