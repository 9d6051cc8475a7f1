"""`/v1/attestations`: what the OracleHub verified and applied, what its batches refused, by schema
and subject.

Schemas are keccak256 hashes on chain; the filters also take the names of the schemas the
deployment knows (``azora.education.CourseCompleted`` or the whole schema string).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator
from sqlalchemy import select, tuple_

from api.deps import AddressQuery, IndexDep
from api.errors import problem_responses
from api.exceptions import NotFoundError
from api.pagination import PageDep, Part, next_cursor
from api.schemas import (
    AttestationDetailOut,
    AttestationLinks,
    AttestationOut,
    Envelope,
    Page,
    RejectionOut,
    checksum,
)
from indexer.decoders.oracle_hub import COURSE_COMPLETED, SCHEMAS, domain_name, reason_name, schema_name
from indexer.models import OracleAttestation, OracleRejection, OracleSchema

router = APIRouter(prefix="/v1/attestations", tags=["attestations"])

ATTESTATIONS = "attestations"
REJECTIONS = "attestation_rejections"
POSITION_KEY = (Part.BIGINT, Part.BIGINT)  # (block_number, log_index), newest first

_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
# Known schemas by lowercase name: the whole schema string and the part before "(".
_SCHEMA_BY_NAME = {
    name.lower(): schema
    for schema, definition in SCHEMAS.items()
    for name in (definition, definition.split("(", 1)[0])
}
SCHEMA_EXAMPLE = "azora.education.CourseCompleted"


def parse_schema(value: str | None) -> str | None:
    """A schema filter: its bytes32 hash (any case) or the name of a schema the deployment knows."""
    if value is None:
        return None
    if _HASH_RE.match(value):
        return value.lower()
    schema = _SCHEMA_BY_NAME.get(value.strip().lower())
    if schema is None:
        known = ", ".join(sorted({d.split("(", 1)[0] for d in SCHEMAS.values()}))
        raise ValueError(f"expected a 0x-prefixed bytes32 schema hash or a known schema name ({known})")
    return schema


def parse_uid(value: str | None) -> str | None:
    """A uid: 0x + 64 hex digits, any case; lowercase out."""
    if value is None:
        return None
    if not _HASH_RE.match(value):
        raise ValueError("expected a uid: 0x followed by 64 hex digits")
    return value.lower()


SchemaQuery = Annotated[
    str | None,
    Query(description="Only this schema: its bytes32 hash or a known name.", examples=[SCHEMA_EXAMPLE]),
    AfterValidator(parse_schema),
]
UidQuery = Annotated[
    str | None,
    Query(description="Only this uid (0x + 64 hex digits)."),
    AfterValidator(parse_uid),
]
UidPath = Annotated[
    str,
    Path(description="The attestation uid (0x + 64 hex digits, any case).", examples=["0x" + "ab" * 32]),
    AfterValidator(parse_uid),
]


def attestation_out(row: OracleAttestation) -> AttestationOut:
    return AttestationOut(
        uid=row.uid,
        schema=row.schema,
        schema_name=schema_name(row.schema),
        subject=row.subject,
        data_hash=row.data_hash,
        relayer=row.relayer,
        block_number=row.block_number,
        log_index=row.log_index,
        tx_hash=row.tx_hash,
        timestamp=row.block_timestamp,
        revoked=row.revoked,
        revoked_block=row.revoked_block,
        revoked_tx_hash=row.revoked_tx_hash,
        revoked_timestamp=row.revoked_timestamp,
    )


def rejection_out(row: OracleRejection) -> RejectionOut:
    return RejectionOut(
        uid=row.uid,
        schema=row.schema,
        schema_name=schema_name(row.schema),
        reason=row.reason,
        reason_name=reason_name(row.reason),
        block_number=row.block_number,
        log_index=row.log_index,
        tx_hash=row.tx_hash,
        timestamp=row.block_timestamp,
    )


@router.get("", summary="Attestations, newest first")
async def read_attestations(
    index: IndexDep,
    page: PageDep,
    schema: SchemaQuery = None,
    subject: AddressQuery = None,
    revoked: Annotated[
        bool | None, Query(description="Only revoked (true) or only standing (false).")
    ] = None,
) -> Page[AttestationOut]:
    """Applied attestations, newest first, optionally of one schema and / or one subject."""
    after = page.key(ATTESTATIONS, POSITION_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    query = select(OracleAttestation).where(OracleAttestation.chain_id == chain.chain_id)
    if schema is not None:
        query = query.where(OracleAttestation.schema == schema)
    if subject is not None:
        query = query.where(OracleAttestation.subject == subject)
    if revoked is not None:
        query = query.where(OracleAttestation.revoked.is_(revoked))
    if after is not None:
        query = query.where(
            tuple_(OracleAttestation.block_number, OracleAttestation.log_index) < tuple_(*after)
        )
    ordering = (OracleAttestation.block_number.desc(), OracleAttestation.log_index.desc())
    rows = (await session.scalars(query.order_by(*ordering).limit(page.limit + 1))).all()
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[attestation_out(row) for row in rows[: page.limit]],
        next_cursor=next_cursor(
            ATTESTATIONS, rows, page.limit, lambda row: (row.block_number, row.log_index)
        ),
    )


@router.get("/rejections", summary="Attestations refused by submit_batch, newest first")
async def read_rejections(
    index: IndexDep, page: PageDep, schema: SchemaQuery = None, uid: UidQuery = None
) -> Page[RejectionOut]:
    """Batch items the hub skipped, with the reason; their uids stay unused (a later retry may apply)."""
    after = page.key(REJECTIONS, POSITION_KEY)
    session, chain = index.session, await index.chain()
    query = select(OracleRejection).where(OracleRejection.chain_id == chain.chain_id)
    if schema is not None:
        query = query.where(OracleRejection.schema == schema)
    if uid is not None:
        query = query.where(OracleRejection.uid == uid)
    if after is not None:
        query = query.where(tuple_(OracleRejection.block_number, OracleRejection.log_index) < tuple_(*after))
    ordering = (OracleRejection.block_number.desc(), OracleRejection.log_index.desc())
    rows = (await session.scalars(query.order_by(*ordering).limit(page.limit + 1))).all()
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[rejection_out(row) for row in rows[: page.limit]],
        next_cursor=next_cursor(REJECTIONS, rows, page.limit, lambda row: (row.block_number, row.log_index)),
    )


@router.get("/{uid}", summary="One attestation", responses=problem_responses(404))
async def read_attestation(uid: UidPath, index: IndexDep) -> Envelope[AttestationDetailOut]:
    """An applied attestation, its schema's current domain, the batch rejections of its uid before it
    was applied, and links to what it produced."""
    session, chain = index.session, await index.chain()
    row = await session.get(OracleAttestation, (chain.chain_id, uid))
    if row is None:
        raise NotFoundError(
            f"no attestation with uid {uid} is indexed; its batch rejections, if any, are at "
            f"{router.prefix}/rejections?uid={uid}"
        )
    route = await session.get(OracleSchema, (chain.chain_id, row.schema))
    rejections = (
        await session.scalars(
            select(OracleRejection)
            .where(OracleRejection.chain_id == chain.chain_id, OracleRejection.uid == uid)
            .order_by(OracleRejection.block_number, OracleRejection.log_index)
        )
    ).all()
    completion = row.schema == COURSE_COMPLETED
    detail = AttestationDetailOut(
        **attestation_out(row).model_dump(by_alias=True),
        domain=None if route is None else route.domain,
        domain_name=None if route is None else domain_name(route.domain),
        rejections=[rejection_out(r) for r in rejections],
        links=AttestationLinks(
            credential=f"/v1/credentials/{uid}" if completion else None,
            rewards=f"/v1/accounts/{checksum(row.subject)}/rewards" if completion else None,
        ),
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=detail)
