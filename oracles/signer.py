"""An oracle signer process: reads its domain's signing requests from Redis, checks each one,
signs it with its own key and stores the signature for the collector.

    python -m oracles.signer --domain EDUCATION --index 0      # one key per process (production)
    python -m oracles.signer --domain EDUCATION --all          # every dev key of the domain
    python -m oracles.signer --domain EDUCATION --index 2 --as-contract 0xWallet

An ETHICS signer also reviews each proposal itself (`oracles.ethics.cosign.ReviewCheck`, the
constitution and evaluator of ``ETHICS_*``, the chain through ``ORACLE_RPC_URL`` / ``RPC_URL``)
and signs a ProposalReviewed only when its own verdict and reason hash are the requested ones.

With ``--as-contract`` the key signs for an ERC-1271 contract signer (a wallet in the hub's
signer set that accepts its owner's ECDSA signature of the digest): the stored entry names the
contract and carries the owner's signature as the data the hub passes to
``isValidSignature(digest, data)``; the relay checks it with the contract before using it.

Each key reads the stream through its own consumer group (``signer:<address>``), so every
signer sees every request, and a restarted signer first re-reads the requests it had
received but not acknowledged. The signer trusts nothing in the request but the attestation
fields: the chain id and hub must be its own (from the deployment manifest), the schema
must be one it knows, the payload must pass the schema's check, and the digest is
recomputed locally. Invalid requests are acknowledged and skipped with a warning.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from azora.manifest import load_manifest
from oracles.collector import RedisKeys, SignatureCollector, SigningRequest, decode_fields
from oracles.eip712 import (
    ORACLE_DOMAINS,
    ContractSignature,
    Entry,
    HubDomain,
    attestation_digest,
    sign_digest,
)
from oracles.exceptions import InvalidRequestError, OracleError, RpcUnavailableError
from oracles.keys import domain_keystores, load_keystore
from oracles.schemas import SchemaSpec, known_schemas
from oracles.settings import OracleSettings

log = logging.getLogger("oracles.signer")

CONSUMER = "signer"
READ_COUNT = 100


def group_name(account: LocalAccount, contract: str | None = None) -> str:
    """The consumer group of a signer key (signing for `contract` when given)."""
    if contract is not None:
        return f"signer:{contract.lower()}:{account.address.lower()}"
    return f"signer:{account.address.lower()}"


class SignerService:
    """Signs `domain`'s requests with each of `accounts` (one reading thread per key)."""

    def __init__(
        self,
        client: redis.Redis,
        keys: RedisKeys,
        domain: str,
        hub: HubDomain,
        accounts: list[LocalAccount],
        *,
        schemas: Mapping[bytes, SchemaSpec] | None = None,
        block_ms: int = 1_000,
        contracts: Mapping[str, str] | None = None,
        verify: Callable[[SigningRequest], None] | None = None,
    ) -> None:
        """`contracts` maps a key's address to the ERC-1271 contract signer it signs for; `verify`
        is a further check of each request (raises InvalidRequestError to refuse it, or
        RpcUnavailableError to leave it unacknowledged and retry)."""
        self.redis = client
        self.keys = keys
        self.domain = domain
        self.hub = hub
        self.accounts = accounts
        self.schemas = dict(schemas if schemas is not None else known_schemas())
        self.block_ms = block_ms
        self.contracts = {k.lower(): to_checksum_address(v) for k, v in (contracts or {}).items()}
        self.verify = verify
        self.collector = SignatureCollector(client, keys)
        self.stream = keys.requests(domain)

    def check(self, fields: Mapping[str, str]) -> SigningRequest:
        """The request in `fields` if this signer may sign it; raises InvalidRequestError otherwise."""
        try:
            request = SigningRequest.from_fields(fields)
        except (KeyError, ValueError) as exc:
            raise InvalidRequestError(f"malformed request: {exc}") from exc
        if request.domain != self.domain:
            raise InvalidRequestError(f"request for domain {request.domain}, not {self.domain}")
        if request.hub != self.hub:
            raise InvalidRequestError(
                f"request for chain {request.hub.chain_id} hub {request.hub.verifying_contract}, "
                f"this signer signs for chain {self.hub.chain_id} hub {self.hub.verifying_contract}"
            )
        spec = self.schemas.get(request.attestation.schema)
        if spec is None or spec.domain != self.domain:
            raise InvalidRequestError(f"unknown {self.domain} schema 0x{request.attestation.schema.hex()}")
        spec.validate(request.attestation)
        if self.verify is not None:
            self.verify(request)
        return request

    def handle(self, account: LocalAccount, fields: Mapping[str, str]) -> bool:
        """Sign one request with `account`; False (logged) when it is refused."""
        signed = self.sign(account, fields)
        if signed is None:
            return False
        self.collector.add_many([signed])
        log.info("attestation signed", extra={"signer": account.address, "uid": "0x" + signed[0].hex()})
        return True

    def contract_of(self, account: LocalAccount) -> str | None:
        """The ERC-1271 contract signer `account` signs for, if any."""
        return self.contracts.get(account.address.lower())

    def group(self, account: LocalAccount) -> str:
        return group_name(account, self.contract_of(account))

    def sign(self, account: LocalAccount, fields: Mapping[str, str]) -> tuple[bytes, bytes, Entry] | None:
        """(uid, digest, signature) of one request by `account` (a contract signature when it signs
        for a contract), not stored yet; None (logged) when the request is refused."""
        try:
            request = self.check(fields)
        except InvalidRequestError as exc:
            log.warning(
                "request refused",
                extra={"signer": account.address, "uid": fields.get("uid", "?"), "why": str(exc)},
            )
            return None
        att = request.attestation
        digest = attestation_digest(self.hub, att)
        signature = sign_digest(account, digest)
        contract = self.contract_of(account)
        if contract is not None:
            return att.uid, digest, ContractSignature(contract, signature.signature)
        return att.uid, digest, signature

    def ensure_group(self, account: LocalAccount) -> None:
        """Create the key's consumer group (from the stream's start: requests made before this
        signer first started are signed too; expired ones are refused quickly)."""
        try:
            self.redis.xgroup_create(self.stream, self.group(account), id="0", mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def poll(self, account: LocalAccount, cursor: str = ">", block_ms: int | None = None) -> int:
        """Read and handle one page of requests (`cursor` "0": this key's unacknowledged ones): the
        page's signatures are stored in one round trip, then the page is acknowledged."""
        reply: Any = self.redis.xreadgroup(
            self.group(account), CONSUMER, {self.stream: cursor}, count=READ_COUNT, block=block_ms
        )
        entries = reply[0][1] if reply else []
        if not entries:
            return 0
        signed = []
        for _, raw in entries:
            if raw:  # a pending entry trimmed from the stream comes back empty
                entry = self.sign(account, decode_fields(raw))
                if entry is not None:
                    signed.append(entry)
        self.collector.add_many(signed)
        self.redis.xack(self.stream, self.group(account), *[entry_id for entry_id, _ in entries])
        if signed:
            log.info("attestations signed", extra={"signer": account.address, "count": len(signed)})
        return len(entries)

    def run_account(self, account: LocalAccount, stop: threading.Event) -> None:
        """Serve `account` until `stop` is set, surviving Redis outages."""
        delay = 0.5
        recovered = False
        while not stop.is_set():
            try:
                self.ensure_group(account)
                if not recovered:
                    while self.poll(account, "0"):
                        pass
                    recovered = True
                self.poll(account, ">", self.block_ms)
                delay = 0.5
            except (redis.exceptions.ConnectionError, RpcUnavailableError) as exc:
                log.warning(
                    "redis or RPC unavailable",
                    extra={"signer": account.address, "error": str(exc), "retry_in": delay},
                )
                recovered = False  # the page read when it failed is unacknowledged: read it again
                stop.wait(delay)
                delay = min(delay * 2, 30.0)

    def run(self, stop: threading.Event) -> None:
        """Serve every key until `stop` is set."""
        threads = [
            threading.Thread(
                target=self.run_account, args=(account, stop), name=f"signer-{account.address[:10]}"
            )
            for account in self.accounts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def hub_domain(settings: OracleSettings) -> HubDomain:
    """The hub this signer signs for: chain id and OracleHub address from the deployment manifest."""
    manifest = load_manifest(settings.manifest_path)
    return HubDomain(chain_id=manifest.chain_id, verifying_contract=manifest.address("OracleHub"))


def review_check(settings: OracleSettings) -> Callable[[SigningRequest], None]:
    """The ETHICS signer's own review of each request (constitution and evaluator of ETHICS_*)."""
    from oracles.ethics.chain import GovernanceChain
    from oracles.ethics.constitution import load_constitution
    from oracles.ethics.cosign import ReviewCheck
    from oracles.ethics.evaluator import load_evaluator
    from oracles.ethics.settings import EthicsSettings

    settings.require("rpc_url")
    assert settings.rpc_url is not None
    ethics = EthicsSettings()
    evaluator = load_evaluator(ethics.evaluator, load_constitution(ethics.constitution_path))
    chain = GovernanceChain(settings.rpc_url, settings.manifest_path, timeout=settings.rpc_timeout_seconds)
    return ReviewCheck(chain, evaluator)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m oracles.signer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--domain", required=True, choices=ORACLE_DOMAINS, help="Oracle domain to sign for.")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--index", type=int, action="append", help="Keystore index in <keystores>/<DOMAIN>/ (repeatable)."
    )
    which.add_argument("--all", action="store_true", help="Every keystore of the domain (dev).")
    parser.add_argument(
        "--as-contract",
        metavar="ADDRESS",
        help="Sign for this ERC-1271 contract signer (its owner key: exactly one --index).",
    )
    args = parser.parse_args(argv)
    if args.as_contract is not None:
        if not is_address(args.as_contract):
            parser.error(f"--as-contract: {args.as_contract!r} is not an address")
        if args.index is None or len(args.index) != 1:
            parser.error("--as-contract signs with exactly one key: give one --index")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging()
    settings = OracleSettings()
    try:
        settings.require("redis_url")
        assert settings.redis_url is not None
        password = settings.keystore_password_value()
        paths = domain_keystores(settings.keystores, args.domain)
        indexes = range(len(paths)) if args.all else args.index
        if not paths or any(not 0 <= i < len(paths) for i in indexes):
            raise OracleError(
                f"{args.domain} has {len(paths)} keystores in {settings.keystores / args.domain}"
            )
        accounts = [load_keystore(paths[i], password) for i in indexes]
        hub = hub_domain(settings)
        verify = review_check(settings) if args.domain == "ETHICS" else None
    except (OracleError, AzoraError, OSError) as exc:
        log.error("signer cannot start", extra={"error": str(exc)})
        return 1
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=30, socket_connect_timeout=5)
    service = SignerService(
        client,
        RedisKeys(settings.redis_prefix),
        args.domain,
        hub,
        accounts,
        block_ms=settings.signer_block_ms,
        contracts={accounts[0].address: args.as_contract} if args.as_contract else None,
        verify=verify,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info(
        "signer started",
        extra={
            "domain": args.domain,
            "signers": ",".join(a.address for a in accounts),
            "for_contract": args.as_contract or "",
            "chain_id": hub.chain_id,
        },
    )
    started = time.monotonic()
    service.run(stop)
    log.info("signer stopped", extra={"uptime_s": round(time.monotonic() - started)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
