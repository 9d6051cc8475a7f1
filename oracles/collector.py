"""M-of-N signature collection in Redis.

The submitter publishes a **signing request** per attestation on the domain's stream; every
signer process (``python -m oracles.signer``) reads that stream through its own consumer
group (one group per signer address, so each signer sees every request and resumes where it
stopped), checks the request, signs it and stores its signature in the uid's hash. The
collector assembles the hub's ``signatures`` bytes once at least ``threshold`` distinct
authorised signers have signed the current digest.

Keys (all under the configured prefix)::

    oracle:requests:<DOMAIN>   stream   one entry per request (fields below)
    oracle:sigs:<uid>          hash     signer address (lowercase) -> "<digest hex>:<signature hex>"
                                        (an ERC-1271 signer: "<digest hex>:<data hex>:erc1271")

Request fields: ``domain``, ``chain_id``, ``hub`` (the verifying contract), ``digest``
(informational: signers recompute it) and the attestation (`Attestation.to_json`).

Signatures are verified when assembled (the recovered address must be the field's signer,
authorised in the current epoch, and the digest the current one), so a stale or forged entry
in Redis can never reach the hub. An ERC-1271 (contract) signer's entry carries the data its
`isValidSignature(digest, data)` is given; it is used only when the collector has a
`verify_contracts` callable (the relay's asks the contracts on chain) that accepts it, and
only when the EOA signatures alone do not reach the threshold (a contract check costs the hub
a call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import redis

from oracles.eip712 import (
    Attestation,
    ContractSignature,
    Entry,
    HubDomain,
    SignatureEntry,
    attestation_digest,
    pack_signatures,
    recover_signer,
)

SIGNATURE_TTL_SECONDS = 7 * 86_400
STREAM_MAXLEN = 100_000
CONTRACT_MARK = "erc1271"

# Which of (contract signer, digest, data) its contract accepts (`isValidSignature`), in order.
ContractVerifier = Callable[[Sequence[tuple[str, bytes, bytes]]], list[bool]]
# A stored signature: (digest, signature or contract data, whether the signer is a contract).
Stored = tuple[bytes, bytes, bool]


class RedisKeys:
    """Every Redis key of the oracle services, under one prefix."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def requests(self, domain: str) -> str:
        return f"{self.prefix}oracle:requests:{domain}"

    def signatures(self, uid: bytes) -> str:
        return f"{self.prefix}oracle:sigs:0x{uid.hex()}"

    def uid_lock(self, chain_id: int, uid: str) -> str:
        return f"{self.prefix}oracle:lock:uid:{chain_id}:{uid}"

    def relayer_lock(self, chain_id: int, relayer: str) -> str:
        return f"{self.prefix}oracle:lock:relayer:{chain_id}:{relayer.lower()}"

    def tick(self) -> str:
        return f"{self.prefix}oracle:tick"


@dataclass(frozen=True)
class SignerSet:
    """A domain's current signers, as the hub reports them."""

    epoch: int
    threshold: int
    signers: tuple[str, ...]

    def authorised(self, address: str) -> bool:
        return address.lower() in {s.lower() for s in self.signers}


@dataclass(frozen=True)
class SigningRequest:
    """What a signer is asked to sign (see the module docstring for the stream fields)."""

    domain: str
    hub: HubDomain
    attestation: Attestation
    # The attestation's digest on `hub` when the caller has it already (computed otherwise).
    digest: bytes | None = None

    def fields(self) -> dict[str, str]:
        digest = self.digest if self.digest is not None else attestation_digest(self.hub, self.attestation)
        return {
            "domain": self.domain,
            "chain_id": str(self.hub.chain_id),
            "hub": self.hub.verifying_contract.lower(),
            "digest": "0x" + digest.hex(),
            **self.attestation.to_json(),
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> SigningRequest:
        """Parse a stream entry; raises ValueError or KeyError when malformed."""
        return cls(
            domain=fields["domain"],
            hub=HubDomain(chain_id=int(fields["chain_id"]), verifying_contract=fields["hub"]),
            attestation=Attestation.from_json(fields),
        )


def decode_fields(mapping: Mapping[bytes | str, bytes | str]) -> dict[str, str]:
    """A Redis reply mapping with bytes keys and values, as strings."""
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in mapping.items()
    }


class SignatureCollector:
    """Publishes signing requests and assembles the signatures that come back."""

    def __init__(
        self, client: redis.Redis, keys: RedisKeys, *, verify_contracts: ContractVerifier | None = None
    ) -> None:
        self.redis = client
        self.keys = keys
        self.verify_contracts = verify_contracts

    def request(self, request: SigningRequest) -> str:
        """Publish `request` on its domain's stream; returns the stream entry id."""
        return self.request_many([request])[0]

    def request_many(self, requests: Sequence[SigningRequest]) -> list[str]:
        """Publish every request on its domain's stream in one round trip; returns the entry ids."""
        if not requests:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for request in requests:
            pipe.xadd(
                self.keys.requests(request.domain),
                request.fields(),  # type: ignore[arg-type]
                maxlen=STREAM_MAXLEN,
                approximate=True,
            )
        return [entry.decode() if isinstance(entry, bytes) else str(entry) for entry in pipe.execute()]

    def add(self, uid: bytes, digest: bytes, entry: Entry) -> None:
        """Store `entry` (a signature of `digest`) for `uid`, replacing that signer's older one."""
        self.add_many([(uid, digest, entry)])

    def add_many(self, signed: Sequence[tuple[bytes, bytes, Entry]]) -> None:
        """`add` for each (uid, digest, entry), in one round trip."""
        if not signed:
            return
        pipe = self.redis.pipeline(transaction=False)
        for uid, digest, entry in signed:
            key = self.keys.signatures(uid)
            if isinstance(entry, ContractSignature):
                value = f"0x{digest.hex()}:0x{entry.data.hex()}:{CONTRACT_MARK}"
            else:
                value = f"0x{digest.hex()}:0x{entry.signature.hex()}"
            pipe.hset(key, entry.signer.lower(), value)
            pipe.expire(key, SIGNATURE_TTL_SECONDS)
        pipe.execute()

    def collected(self, uid: bytes) -> dict[str, Stored]:
        """Every stored signature of `uid`: signer -> (digest, signature or data, is a contract),
        malformed ones left out."""
        return _parse_collected(self.redis.hgetall(self.keys.signatures(uid)))

    def valid_entries(self, uid: bytes, digest: bytes, signer_set: SignerSet) -> list[Entry]:
        """The stored signatures of `uid` over `digest` by distinct authorised signers."""
        return self._valid(self.collected(uid), digest, signer_set)

    def assemble(self, uid: bytes, digest: bytes, signer_set: SignerSet) -> bytes | None:
        """The packed `signatures` once `threshold` distinct authorised signers signed `digest`, else None."""
        return self.assemble_many([(uid, digest, signer_set)])[0]

    def assemble_many(self, items: Sequence[tuple[bytes, bytes, SignerSet]]) -> list[bytes | None]:
        """`assemble` for each (uid, digest, signer set), reading Redis in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for uid, _, _ in items:
            pipe.hgetall(self.keys.signatures(uid))
        replies = pipe.execute() if items else []
        out: list[bytes | None] = []
        for (_, digest, signer_set), raw in zip(items, replies, strict=True):
            if signer_set.threshold == 0:
                out.append(None)
                continue
            entries = self._valid(_parse_collected(raw), digest, signer_set, enough=signer_set.threshold)
            out.append(
                pack_signatures(entries, signer_set.threshold)
                if len(entries) >= signer_set.threshold
                else None
            )
        return out

    def forget(self, uids: Iterable[bytes]) -> None:
        """Drop the signatures of `uids` (once their outcome is final)."""
        keys = [self.keys.signatures(uid) for uid in uids]
        if keys:
            self.redis.delete(*keys)

    def _valid(
        self, collected: Mapping[str, Stored], digest: bytes, signer_set: SignerSet, enough: int = 0
    ) -> list[Entry]:
        """The signatures in `collected` over `digest` by distinct authorised signers: EOA ones
        recovered, then contract ones accepted by `verify_contracts` while the EOA ones are fewer
        than `enough` (all of them when `enough` is 0)."""
        entries: list[Entry] = []
        contracts: list[tuple[str, bytes, bytes]] = []
        for signer, (signed_digest, signature, is_contract) in collected.items():
            if enough and len(entries) >= enough:
                break
            if signed_digest != digest or not signer_set.authorised(signer):
                continue
            if is_contract:
                contracts.append((signer, digest, signature))
                continue
            recovered = recover_signer(digest, signature)
            if recovered is not None and recovered.lower() == signer:
                entries.append(SignatureEntry(recovered, signature))
        if contracts and self.verify_contracts is not None and (not enough or len(entries) < enough):
            accepted = self.verify_contracts(contracts)
            entries += [
                ContractSignature(signer, data)
                for (signer, _, data), ok in zip(contracts, accepted, strict=True)
                if ok
            ]
        return entries


def _parse_collected(raw: Mapping[bytes | str, bytes | str]) -> dict[str, Stored]:
    """A signatures hash as signer -> (digest, signature or data, is a contract), malformed values
    left out."""
    out: dict[str, Stored] = {}
    for signer, value in decode_fields(raw).items():
        digest_hex, _, rest = value.partition(":")
        signature_hex, _, mark = rest.partition(":")
        if mark not in ("", CONTRACT_MARK):
            continue
        try:
            out[signer] = (
                bytes.fromhex(digest_hex.removeprefix("0x")),
                bytes.fromhex(signature_hex.removeprefix("0x")),
                mark == CONTRACT_MARK,
            )
        except ValueError:
            continue
    return out
