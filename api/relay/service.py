"""The checks each relay runs before anything is sent, in the order they run.

Signature checks come first (no chain read needed, or one nonce read for ballots), then the
per-address rate limit keyed by the *recovered* signer (so nobody can spend someone else's
quota with forged requests), then the contract state, then a simulation of the exact call
(eth_estimateGas for the relayer's calls, eth_call for a raw transaction). Only then is a
transaction signed and broadcast. Every refusal is a problem+json (api/relay/exceptions.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio.to_thread
from eth_utils import to_checksum_address
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.exceptions import RateLimitedError
from api.ratelimit import RateLimiter
from api.relay.contracts import (
    CAST_VOTE_BY_SIG,
    DELEGATE_BY_SIG,
    ERC1271_MAGIC_VALUE,
    IS_VALID_SIGNATURE,
    CallReverted,
    Chain,
    Governor,
    Token,
)
from api.relay.exceptions import (
    AlreadyDoneError,
    GasCapExceededError,
    InvalidSignatureError,
    NodeRefusedError,
    NothingToRelayError,
    NoVotingWeightError,
    ProposalNotActiveError,
    RelayUnavailableError,
    SignatureExpiredError,
    SimulationRevertedError,
    StaleNonceError,
    TargetNotAllowedError,
    UnknownProposalError,
    UnsupportedFieldError,
    WrongChainError,
)
from api.relay.keys import load_relayer
from api.relay.relayer import Relayer
from api.relay.signatures import Signature, ballot_struct_hash, delegation_struct_hash, typed_data_digest
from api.relay.transactions import decode_raw_transaction
from api.rpc import RpcCallError
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
from azora.governance import ProposalState
from azora.manifest import DeploymentManifest

log = logging.getLogger("azora.api.relay")

TOKEN = "AzoraToken"
GOVERNOR = "AzoraGovernor"


class RelayService:
    """The relays of one deployment (manifest) on the node behind `chain`."""

    def __init__(
        self,
        settings: ApiSettings,
        chain: Chain,
        manifest: DeploymentManifest,
        redis: Redis | None,
    ) -> None:
        self.settings = settings
        self.chain = chain
        self.chain_id = manifest.chain_id
        self.token = Token(chain, manifest.address(TOKEN))
        has_governor = GOVERNOR in manifest.contracts
        self.governor = Governor(chain, manifest.address(GOVERNOR)) if has_governor else None
        # Raw transactions may call any contract of the manifest, and nothing else.
        self.targets: dict[str, str] = {
            to_checksum_address(c.address): name for name, c in manifest.contracts.items()
        }
        self.redis = redis
        self.limiter = (
            RateLimiter(
                redis,
                limit=settings.relay_rate_limit_per_address,
                window_seconds=settings.relay_rate_limit_window_seconds,
                prefix=settings.relay_redis_prefix + "address:",
            )
            if redis is not None
            else None
        )
        self._relayer: Relayer | None = None
        self._relayer_lock = asyncio.Lock()

    # --- shared steps ----------------------------------------------------------------------------

    async def relayer(self) -> Relayer:
        """The relayer key, decrypted on first use (scrypt runs in a worker thread)."""
        if self._relayer is None:
            async with self._relayer_lock:
                if self._relayer is None:
                    account = await anyio.to_thread.run_sync(load_relayer, self.settings)
                    self._relayer = Relayer(account, self.chain, self.chain_id, self.settings, self.redis)
                    log.info("API relayer loaded", extra={"relayer": self._relayer.address})
        return self._relayer

    @property
    def loaded_relayer(self) -> Relayer | None:
        """The relayer if a relay has used it already (it has sent nothing otherwise)."""
        return self._relayer

    async def relayed_transaction(self, tx_hash: str) -> RelayedTransactionOut | None:
        """The relayer's transaction one of whose broadcasts is `tx_hash`, with which one was mined."""
        relayer = await self.relayer()
        record = await relayer.lookup(tx_hash)
        if record is None:
            return None
        mined: dict[str, Any] | None = None
        for candidate in reversed(record.hashes):
            receipt = await self.chain.read("eth_getTransactionReceipt", [candidate])
            if receipt:
                mined = receipt
                break
        return RelayedTransactionOut(
            chain_id=self.chain_id,
            tx_hash=tx_hash,
            relayer=relayer.address,
            nonce=record.nonce,
            to=record.to,
            status="mined" if mined else "pending",
            hashes=record.hashes,
            mined_tx_hash=str(mined["transactionHash"]) if mined else None,
            block_number=int(mined["blockNumber"], 16) if mined else None,
            receipt_status=int(mined["status"], 16) if mined else None,
        )

    async def limit(self, address: str) -> None:
        """Count one relay of `address`; 429 with Retry-After over the per-address limit."""
        if self.limiter is None:
            return
        try:
            decision = await self.limiter.hit(address.lower())
        except (RedisError, OSError) as exc:
            log.warning("per-address relay limit unavailable, admitting", extra={"error": repr(exc)})
            return
        if not decision.admitted:
            window = self.settings.relay_rate_limit_window_seconds
            raise RateLimitedError(
                f"more than {decision.limit} relays for {address} per {window} s; "
                f"retry in {decision.retry_after} s",
                headers={"Retry-After": str(decision.retry_after), "RateLimit-Limit": str(decision.limit)},
                address=address,
            )

    async def _relay_call(self, to: str, data: bytes, what: str) -> tuple[Relayer, str]:
        """Simulate (estimateGas) then send `data` to `to` from the relayer; returns the tx hash."""
        relayer = await self.relayer()
        try:
            gas = await relayer.estimate_gas(to, data)
        except CallReverted as exc:
            raise SimulationRevertedError(
                f"{what} would revert: {exc.reason}", revert_reason=exc.reason
            ) from exc
        fees = await relayer.suggest_fees()
        sent = await relayer.send(to, data, gas, fees)
        log.info(
            "relayed",
            extra={
                "what": what,
                "tx_hash": sent.tx_hash,
                "nonce": sent.nonce,
                "gas": sent.gas,
                "max_fee": fees.max_fee_per_gas,
                "relayer": relayer.address,
            },
        )
        return relayer, sent.tx_hash

    # --- POST /v1/delegations ----------------------------------------------------------------------

    async def relay_delegation(self, body: DelegationIn) -> DelegationRelayedOut:
        """Check and relay `delegateBySig`."""
        if body.signature is not None:
            signature = Signature.from_bytes(body.signature)
        else:
            assert body.v is not None and body.r is not None and body.s is not None
            signature = Signature.from_vrs(body.v, body.r, body.s)
        struct_hash = delegation_struct_hash(body.delegatee, body.nonce, body.expiry)
        digest = typed_data_digest(await self.token.domain_separator(), struct_hash)
        delegator = signature.recover(digest)
        if body.delegator is not None and delegator != body.delegator:
            raise InvalidSignatureError(
                f"the signature recovers to {delegator}, not {body.delegator}: it was made over other "
                "values (delegatee, nonce, expiry), for another chain or token, or by another key"
            )
        await self.limit(delegator)

        now = await self.chain.latest_timestamp()
        if body.expiry < now:
            raise SignatureExpiredError(
                f"the signature expired at {body.expiry}; the latest block is at {now}",
                expiry=str(body.expiry),
            )
        current = await self.token.nonces(delegator)
        if body.nonce != current:
            raise StaleNonceError(
                f"the signature is for nonce {body.nonce}, "
                f"but {delegator}'s current token nonce is {current}",
                current_nonce=str(current),
            )
        if await self.token.balance_of(delegator) == 0:
            raise NothingToRelayError(
                f"{delegator} holds no AZR: the delegation would move no votes, so it is not relayed "
                "(if this is not the address you signed with, the signed values differ from these)"
            )
        if await self.token.delegates(delegator) == body.delegatee:
            raise AlreadyDoneError(f"{delegator} already delegates to {body.delegatee}")

        data = DELEGATE_BY_SIG.encode(
            body.delegatee, body.nonce, body.expiry, signature.v, signature.r, signature.s
        )
        relayer, tx_hash = await self._relay_call(self.token.address, data, "delegateBySig")
        return DelegationRelayedOut(
            chain_id=self.chain_id,
            tx_hash=tx_hash,
            delegator=delegator,
            delegatee=body.delegatee,
            relayer=relayer.address,
        )

    # --- POST /v1/governance/votes -------------------------------------------------------------------

    async def relay_vote(self, body: VoteIn) -> VoteRelayedOut:
        """Check and relay `castVoteBySig`."""
        governor = self.governor
        if governor is None:
            raise RelayUnavailableError("this deployment has no AzoraGovernor in its manifest")
        if body.reason:
            raise UnsupportedFieldError(
                "AzoraGovernor has no castVoteWithReasonAndParamsBySig, so a reason cannot be relayed; "
                "omit `reason`, or send castVoteWithReason yourself through POST /v1/tx"
            )
        nonce = await governor.nonces(body.voter)
        struct_hash = ballot_struct_hash(body.proposal_id, body.support, body.voter, nonce)
        digest = typed_data_digest(await governor.domain_separator(), struct_hash)
        signature = await self._ballot_signature(body.voter, digest, body.signature, nonce)
        await self.limit(body.voter)

        try:
            state = await governor.state(body.proposal_id)
        except CallReverted as exc:
            raise UnknownProposalError(
                f"no proposal {body.proposal_id} ({exc.reason})", revert_reason=exc.reason
            ) from exc
        if state != ProposalState.ACTIVE:
            try:
                name = ProposalState(state).name.title()
            except ValueError:  # a governor newer than this API
                name = str(state)
            raise ProposalNotActiveError(
                f"proposal {body.proposal_id} is {name}; votes are accepted only while it is Active",
                state=name,
            )
        if await governor.has_voted(body.proposal_id, body.voter):
            raise AlreadyDoneError(f"{body.voter} already voted on proposal {body.proposal_id}")
        snapshot = await governor.snapshot(body.proposal_id)
        weight = await governor.votes_at(body.voter, snapshot)
        if weight == 0:
            raise NoVotingWeightError(
                f"{body.voter} had no votes at the proposal's snapshot ({snapshot}); votes count only once "
                "delegated (to yourself or someone else) before the snapshot"
            )

        data = CAST_VOTE_BY_SIG.encode(body.proposal_id, body.support, body.voter, signature)
        relayer, tx_hash = await self._relay_call(governor.address, data, "castVoteBySig")
        return VoteRelayedOut(
            chain_id=self.chain_id,
            tx_hash=tx_hash,
            proposal_id=body.proposal_id,
            voter=body.voter,
            support=body.support,
            weight=weight,
            relayer=relayer.address,
        )

    async def _ballot_signature(self, voter: str, digest: bytes, signature: bytes, nonce: int) -> bytes:
        """The signature to relay, once it is known to be `voter`'s: an ECDSA signature recovering to
        `voter` (v normalised to 27 / 28), or, for a contract voter, one its ERC-1271
        `isValidSignature` approves (the governor checks in the same order)."""
        try:
            ecdsa = Signature.from_bytes(signature)
            signer = ecdsa.recover(digest)
        except InvalidSignatureError as exc:
            why = exc.detail
        else:
            if signer == voter:
                return ecdsa.to_bytes()
            why = f"the signature recovers to {signer}, not the voter {voter}"
        if await self.chain.read("eth_getCode", [voter, "latest"]) not in ("0x", "0x0", ""):
            try:
                (magic,) = await self.chain.call(voter, IS_VALID_SIGNATURE, digest, signature)
            except CallReverted:
                magic = b""
            if magic == ERC1271_MAGIC_VALUE:
                return signature
            why = f"the contract wallet {voter} does not approve this ballot signature (ERC-1271)"
        raise InvalidSignatureError(
            f"{why}: sign Ballot(proposalId, support, voter, nonce) with nonce {nonce} (the governor's "
            "nonces(voter)) under this chain's AzoraGovernor domain"
        )

    # --- POST /v1/tx -------------------------------------------------------------------------------

    async def relay_raw_transaction(self, body: RawTransactionIn) -> RawTransactionRelayedOut:
        """Check and broadcast a user-signed transaction (the user pays gas; no relayer key involved)."""
        tx = decode_raw_transaction(body.raw_transaction)
        if tx.chain_id != self.chain_id:
            raise WrongChainError(
                f"the transaction is signed for chain {tx.chain_id}; "
                f"this API relays to chain {self.chain_id}",
                expected_chain_id=self.chain_id,
            )
        contract = self.targets.get(tx.to) if tx.to is not None else None
        if tx.to is None or contract is None:
            target = "deploys a contract" if tx.to is None else f"calls {tx.to}"
            raise TargetNotAllowedError(
                f"the transaction {target}; only calls to this deployment's Azora contracts are relayed "
                f"({', '.join(sorted(self.targets.values()))})"
            )
        cap = self.settings.relay_max_gas
        if tx.gas > cap:
            raise GasCapExceededError(
                f"the transaction's gas limit {tx.gas} exceeds the relay cap of {cap}",
                max_gas=cap,
                gas=tx.gas,
            )
        await self.limit(tx.sender)

        if self.settings.relay_simulate_raw_transactions:
            call = {
                "from": tx.sender,
                "to": tx.to,
                "data": "0x" + tx.data.hex(),
                "value": hex(tx.value),
                "gas": hex(tx.gas),
            }
            try:
                await self.chain.request("eth_call", [call, "latest"])
            except CallReverted as exc:
                raise SimulationRevertedError(
                    f"the call to {contract} would revert: {exc.reason}", revert_reason=exc.reason
                ) from exc
            except RpcCallError as exc:
                raise SimulationRevertedError(f"the call to {contract} fails: {exc}") from exc
        try:
            await self.chain.request("eth_sendRawTransaction", ["0x" + body.raw_transaction.hex()])
        except RpcCallError as exc:
            message = str(exc).removeprefix("eth_sendRawTransaction: ")
            if "already known" not in message.lower():
                raise NodeRefusedError(f"the node refused the transaction: {message}") from exc
        except CallReverted as exc:
            raise NodeRefusedError(f"the node refused the transaction: {exc.reason}") from exc
        log.info(
            "raw transaction relayed",
            extra={
                "tx_hash": tx.tx_hash,
                "sender": tx.sender,
                "contract": contract,
                "nonce": tx.nonce,
                "gas": tx.gas,
            },
        )
        return RawTransactionRelayedOut.model_validate(
            {
                "chain_id": self.chain_id,
                "tx_hash": tx.tx_hash,
                "from": tx.sender,
                "to": tx.to,
                "contract": contract,
                "nonce": tx.nonce,
            }
        )
