"""Wallet-signed writes: `POST /v1/delegations`, `POST /v1/governance/votes`, `POST /v1/tx`.

The server holds no user key. Delegations and votes are EIP-712 payloads the user signed; the
API relayer (its own key, see api/relay/keys.py) sends them and pays the gas. `/v1/tx` takes a
transaction the user signed in full and only broadcasts it. Every relay answers 202 with the
transaction hash once the node has accepted it (not mined); `GET /v1/relay/transactions/{hash}`
follows a relayer transaction by any of its hashes (a stuck one is replaced with higher fees).
Nothing is sent when a check fails: the problem+json says which (api/relay/exceptions.py).
Requests count against the per-IP limit and, once the signer is known, against a per-address
limit (429 + Retry-After).

The relay service is built on first use from the deployment manifest (API_MANIFEST_PATH) and
the node (RPC_URL), whose chain id must match the manifest's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Annotated

from fastapi import APIRouter, FastAPI, Path, Request

from api.errors import problem_responses
from api.exceptions import NotFoundError
from api.relay.contracts import Chain
from api.relay.exceptions import RelayUnavailableError
from api.relay.service import TOKEN, RelayService
from api.rpc import JsonRpcClient
from api.schemas import (
    DelegationIn,
    DelegationRelayedOut,
    RawTransactionIn,
    RawTransactionRelayedOut,
    RelayedTransactionOut,
    VoteIn,
    VoteRelayedOut,
)
from api.settings import ApiSettings
from azora.exceptions import AzoraError
from azora.manifest import load_manifest

log = logging.getLogger("azora.api.relay")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.relay_lock = asyncio.Lock()
    keeper = asyncio.create_task(replace_stuck_forever(app), name="relay-replace-stuck")
    try:
        yield
    finally:
        keeper.cancel()
        with suppress(asyncio.CancelledError):
            await keeper


async def replace_stuck_forever(app: FastAPI) -> None:
    """Every `relay_replace_check_seconds`, replace the relayer's stuck transactions (once the
    relayer has sent something); failures are logged and retried at the next check."""
    interval = app.state.settings.relay_replace_check_seconds
    if interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        service: RelayService | None = getattr(app.state, "relay_service", None)
        relayer = service.loaded_relayer if service is not None else None
        if relayer is None:
            continue
        try:
            await relayer.replace_stuck()
        except Exception as exc:  # the node or Redis down: the next check tries again
            log.warning("could not check the relayer's pending transactions", extra={"error": repr(exc)})


router = APIRouter(prefix="/v1", tags=["relays"], lifespan=_lifespan)


async def _build(settings: ApiSettings, rpc: JsonRpcClient | None, request: Request) -> RelayService:
    if rpc is None:
        raise RelayUnavailableError("no chain node is configured (set RPC_URL or API_RPC_URL)")
    try:
        manifest = load_manifest(settings.manifest_path)
        manifest.address(TOKEN)
    except AzoraError as exc:
        raise RelayUnavailableError(f"no usable deployment manifest: {exc}") from exc
    chain = Chain(rpc)
    node_chain = await chain.chain_id()
    if node_chain != manifest.chain_id:
        raise RelayUnavailableError(
            f"the node serves chain {node_chain}, the manifest {settings.manifest_path} chain "
            f"{manifest.chain_id}; point RPC_URL and API_MANIFEST_PATH at the same network"
        )
    return RelayService(settings, chain, manifest, request.app.state.redis)


async def get_relay_service(request: Request) -> RelayService:
    """The app's relay service, built once (manifest read, node chain id checked) on first use.

    Called in the handlers' bodies rather than declared as a dependency: FastAPI solves
    dependencies before validating the body, and a bad body must get its 422 without the node."""
    state = request.app.state
    service: RelayService | None = getattr(state, "relay_service", None)
    if service is not None:
        return service
    lock: asyncio.Lock | None = getattr(state, "relay_lock", None)
    if lock is None:
        lock = state.relay_lock = asyncio.Lock()
    async with lock:
        service = getattr(state, "relay_service", None)
        if service is None:
            service = await _build(state.settings, state.rpc, request)
            state.relay_service = service
    return service


@router.post(
    "/delegations",
    status_code=202,
    summary="Relay a signed delegation (delegateBySig)",
    responses=problem_responses(409, 422, 429, 503),
)
async def create_delegation(body: DelegationIn, request: Request) -> DelegationRelayedOut:
    """Recover the delegator from the EIP-712 signature, check the expiry, the token nonce and that
    the delegator holds AZR, simulate, then send `delegateBySig` from the API relayer. 202 with the
    transaction hash; 409 when the delegator already delegates to that delegatee."""
    relay = await get_relay_service(request)
    return await relay.relay_delegation(body)


@router.post(
    "/governance/votes",
    status_code=202,
    summary="Relay a signed vote (castVoteBySig)",
    responses=problem_responses(409, 422, 429, 503),
)
async def create_vote(body: VoteIn, request: Request) -> VoteRelayedOut:
    """Check that the ballot signature recovers to `voter` (at the governor's current nonce), the
    proposal is Active, the voter had votes at its snapshot and has not voted; simulate, then send
    `castVoteBySig` from the API relayer. 202 with the transaction hash; 409 if already voted."""
    relay = await get_relay_service(request)
    return await relay.relay_vote(body)


@router.post(
    "/tx",
    status_code=202,
    summary="Broadcast a user-signed transaction to an Azora contract",
    responses=problem_responses(403, 422, 429, 503),
)
async def create_transaction(body: RawTransactionIn, request: Request) -> RawTransactionRelayedOut:
    """Decode the signed transaction (EIP-1559, EIP-2930 or legacy EIP-155), check its chain id,
    that it calls a contract of this deployment (403 otherwise) and its gas limit; recover the
    sender, simulate the call, and broadcast it with eth_sendRawTransaction. The sender pays gas."""
    relay = await get_relay_service(request)
    return await relay.relay_raw_transaction(body)


@router.get(
    "/relay/transactions/{tx_hash}",
    summary="Follow a relayed delegation or vote, through its replacements",
    responses=problem_responses(404, 422, 503),
)
async def read_relayed_transaction(
    tx_hash: Annotated[str, Path(pattern="^0x[0-9a-fA-F]{64}$", description="Any hash it was sent under.")],
    request: Request,
) -> RelayedTransactionOut:
    """The API relayer's transaction that `tx_hash` is a broadcast of: pending, or mined (which
    broadcast, in which block, whether the call succeeded). A transaction left unmined for
    `API_RELAY_REPLACE_AFTER_SECONDS` is re-sent with the same nonce and higher fees, so the hash
    a relay answered may not be the one mined. 404 for a hash the relayer did not send (or whose
    record expired after `API_RELAY_SENT_TTL_SECONDS`)."""
    relay = await get_relay_service(request)
    found = await relay.relayed_transaction(tx_hash.lower())
    if found is None:
        raise NotFoundError(f"the API relayer sent no transaction {tx_hash} (or its record expired)")
    return found
