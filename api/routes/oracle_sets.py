"""`GET /v1/oracles` and `/v1/oracles/signer-sets`: the OracleHub's signer sets per domain (epoch,
threshold, signers) and the schemas routed to each domain, as indexed from its events.

(The oracle intake, `/v1/oracles/education/...`, lives in `api/routes/oracles.py`.)
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator
from sqlalchemy import select, tuple_

from api.deps import IndexDep
from api.pagination import PageDep, Part, next_cursor
from api.schemas import ZERO_ADDRESS, Envelope, OracleDomainOut, Page, SchemaRouteOut, SignerSetOut
from indexer.decoders.oracle_hub import DOMAIN_NAMES, DOMAINS, domain_name, schema_name
from indexer.models import OracleSchema, OracleSignerSet, OracleSignerSetChange

router = APIRouter(prefix="/v1/oracles", tags=["oracles"])

SIGNER_SETS = "signer_sets"
POSITION_KEY = (Part.BIGINT, Part.BIGINT)  # (block_number, log_index), newest first

_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
_DOMAIN_BY_NAME = {name: domain for domain, name in DOMAINS.items()}


def parse_domain(value: str | None) -> str | None:
    """A domain filter: its name (EDUCATION, ... any case) or its bytes32 hash."""
    if value is None:
        return None
    if _HASH_RE.match(value):
        return value.lower()
    domain = _DOMAIN_BY_NAME.get(value.strip().upper())
    if domain is None:
        raise ValueError(f"expected a domain name ({', '.join(DOMAIN_NAMES)}) or its bytes32 hash")
    return domain


DomainQuery = Annotated[
    str | None,
    Query(description="Only this domain: EDUCATION, ETHICS, MARKETPLACE, PRICE or a bytes32 hash."),
    AfterValidator(parse_domain),
]


def _domain_order(domain: str) -> tuple[int, str]:
    """Known domains in their SPEC order, then the others by hash."""
    name = domain_name(domain)
    return (DOMAIN_NAMES.index(name) if name else len(DOMAIN_NAMES), domain)


@router.get("", summary="Signer sets and schemas per oracle domain")
async def read_oracle_sets(index: IndexDep) -> Envelope[list[OracleDomainOut]]:
    """Every domain that has a signer set or a schema routed to it: its current epoch, threshold and
    signers, and its schemas. Not paginated (a handful of domains); the history of the signer
    sets is at `/v1/oracles/signer-sets`."""
    session, chain = index.session, await index.chain()
    sets = {
        row.domain: row
        for row in (
            await session.scalars(select(OracleSignerSet).where(OracleSignerSet.chain_id == chain.chain_id))
        ).all()
    }
    schemas = (
        await session.scalars(
            select(OracleSchema)
            .where(OracleSchema.chain_id == chain.chain_id)
            .order_by(OracleSchema.block_number, OracleSchema.log_index)
        )
    ).all()
    domains: list[OracleDomainOut] = []
    for domain in sorted({*sets, *(s.domain for s in schemas)}, key=_domain_order):
        current = sets.get(domain)
        domains.append(
            OracleDomainOut(
                domain=domain,
                name=domain_name(domain),
                epoch=0 if current is None else current.epoch,
                threshold=0 if current is None else current.threshold,
                signers=[] if current is None else current.signers,
                updated_block=None if current is None else current.block_number,
                updated_tx_hash=None if current is None else current.tx_hash,
                updated_timestamp=None if current is None else current.block_timestamp,
                schemas=[
                    SchemaRouteOut(
                        schema=s.schema,
                        name=schema_name(s.schema),
                        consumer=None if s.consumer == ZERO_ADDRESS else s.consumer,
                        revocable=s.revocable,
                        block_number=s.block_number,
                    )
                    for s in schemas
                    if s.domain == domain
                ],
            )
        )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=domains)


@router.get("/signer-sets", summary="Signer-set history, newest first")
async def read_signer_sets(index: IndexDep, page: PageDep, domain: DomainQuery = None) -> Page[SignerSetOut]:
    """Every signer set ever set (one per domain epoch), newest first, optionally of one domain."""
    after = page.key(SIGNER_SETS, POSITION_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    query = select(OracleSignerSetChange).where(OracleSignerSetChange.chain_id == chain.chain_id)
    if domain is not None:
        query = query.where(OracleSignerSetChange.domain == domain)
    if after is not None:
        query = query.where(
            tuple_(OracleSignerSetChange.block_number, OracleSignerSetChange.log_index) < tuple_(*after)
        )
    ordering = (OracleSignerSetChange.block_number.desc(), OracleSignerSetChange.log_index.desc())
    rows = (await session.scalars(query.order_by(*ordering).limit(page.limit + 1))).all()
    data = [
        SignerSetOut(
            domain=row.domain,
            name=domain_name(row.domain),
            epoch=row.epoch,
            threshold=row.threshold,
            signers=row.signers,
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            timestamp=row.block_timestamp,
        )
        for row in rows[: page.limit]
    ]
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=data,
        next_cursor=next_cursor(SIGNER_SETS, rows, page.limit, lambda row: (row.block_number, row.log_index)),
    )
