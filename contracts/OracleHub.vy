# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Oracle Hub
@license MIT
@notice The single entry point of off-chain facts into Azora. Each oracle
        domain (EDUCATION, ETHICS, MARKETPLACE, PRICE) has a signer set with
        a threshold and an epoch; each schema belongs to one domain and
        routes to one consumer contract. Anyone may relay an EIP-712
        `Attestation` signed by at least `threshold` signers of the current
        epoch; the hub checks it, consumes its uid for good and calls the
        consumer's `on_attestation`. Revocable schemas can be revoked the
        same way with a signed `Revocation`.

        Signature encoding (Safe-style, so contract wallets can sign): the
        `signatures` bytes are `threshold` static 65-byte entries `r ‖ s ‖ v`
        ordered by strictly ascending signer address, followed by the
        dynamic parts of contract signatures.
        * EOA signer: `v` is 27 or 28; `(r, s, v)` is the ECDSA signature
          of the EIP-712 digest, with `s` in the lower half of the curve
          order (snekmate's malleability bound).
        * ERC-1271 signer: `v` is 0, `r` is the signer's address
          (left-padded to 32 bytes), `s` is the byte offset, from the
          start of `signatures` and at or past the static part, of a
          32-byte length followed by the contract's signature data. The
          hub calls `isValidSignature(digest, data)` on the signer and
          expects 0x1626ba7e.
        Only the first `threshold` entries are read; anything after them
        is ignored unless a contract entry points to it.

        Checks, in this order (the first failing one is the reason):
        deadline not passed, uid never used, schema registered, epoch is
        the domain's current epoch, then per signature entry: well formed,
        low-s, strictly above the previous signer (duplicate or unsorted
        otherwise), authorised in the current epoch, ERC-1271 approval for
        contract signers; and `threshold` entries present.
@custom:security DEFAULT_ADMIN_ROLE (the Timelock after deployment) alone
        sets signer sets (`set_signers`, which starts a new epoch and voids
        every signature over an older one) and registers schemas
        (`register_schema`). Relaying needs no role: the signatures are the
        authority. A uid is consumed only when its attestation is applied.
        A consumer is only ever called by this hub and cannot re-enter it
        (`nonreentrancy on`).
"""

from snekmate.auth import access_control
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator
from snekmate.utils import signature_checker

from .interfaces import IAttestationConsumer

initializes: access_control
initializes: eip712_domain_separator

exports: (
    # Role management (`grantRole`, `revokeRole`, ...) and ERC-165; the
    # admin is the Timelock after deployment.
    access_control.__interface__,
    # ERC-5267: lets wallets and the oracles read the signing domain.
    eip712_domain_separator.eip712Domain,
)


# @dev The oracle domains of the Azora deployment. A domain is the
# keccak256 of its name; `set_signers` accepts any non-zero domain.
EDUCATION: public(constant(bytes32)) = keccak256("EDUCATION")
ETHICS: public(constant(bytes32)) = keccak256("ETHICS")
MARKETPLACE: public(constant(bytes32)) = keccak256("MARKETPLACE")
PRICE: public(constant(bytes32)) = keccak256("PRICE")

# @dev EIP-712 type hash of an attestation (`data` is hashed with keccak256).
ATTESTATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Attestation(bytes32 schema,bytes32 uid,address subject,bytes data,uint64 deadline,uint64 epoch)"
)

# @dev EIP-712 type hash of a revocation.
REVOCATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Revocation(bytes32 schema,bytes32 uid,uint64 deadline,uint64 epoch)"
)

# @dev The largest signer set (and so the largest threshold).
MAX_SIGNERS: public(constant(uint256)) = 10

# @dev The longest `signatures` encoding: 10 static entries (650 bytes)
# leave 118 bytes for the data of contract signatures (one 65-byte ECDSA
# signature of a wallet's owner at the largest threshold, more below it).
# `submit_batch` pays memory for MAX_BATCH of these, so keep it tight.
MAX_SIGNATURES_LENGTH: public(constant(uint256)) = 768

# @dev The largest schema payload (IAttestationConsumer takes Bytes[256]).
MAX_DATA: public(constant(uint256)) = 256

# @dev The most attestations `submit_batch` takes in one call.
MAX_BATCH: public(constant(uint256)) = 64

# @dev Reasons an attestation is refused: the `reason` of
# `AttestationRejected` and the return value of `check_attestation`
# (0 means valid). Each has a revert string in `_revert`.
REASON_EXPIRED: public(constant(uint8)) = 1
REASON_UID_USED: public(constant(uint8)) = 2
REASON_UNKNOWN_SCHEMA: public(constant(uint8)) = 3
REASON_STALE_EPOCH: public(constant(uint8)) = 4
REASON_INVALID_SIGNATURE: public(constant(uint8)) = 5
REASON_HIGH_S: public(constant(uint8)) = 6
REASON_UNAUTHORISED_SIGNER: public(constant(uint8)) = 7
REASON_DUPLICATE_SIGNER: public(constant(uint8)) = 8
REASON_UNSORTED_SIGNERS: public(constant(uint8)) = 9
REASON_BELOW_THRESHOLD: public(constant(uint8)) = 10
REASON_CONSUMER_REJECTED: public(constant(uint8)) = 11

# @dev No reason: the attestation is valid.
_OK: constant(uint8) = 0

# @dev Length of one static signature entry `r ‖ s ‖ v`.
_ENTRY_LENGTH: constant(uint256) = 65

# @dev A signer's marker packs the epoch it is authorised in above bit 64
# and the threshold of that signer set in the low 64 bits.
_EPOCH_SHIFT: constant(uint256) = 64
_THRESHOLD_MASK: constant(uint256) = 2**64 - 1

# @dev A schema's record packs, in one slot, its consumer (bits 0..159),
# whether it is revocable (bit 160) and its domain's index (from bit 168).
_ADDRESS_MASK: constant(uint256) = 2**160 - 1
_REVOCABLE_BIT: constant(uint256) = 2**160
_DOMAIN_SHIFT: constant(uint256) = 168

# @dev Selector of `on_attestation(bytes32,bytes32,address,bytes)`, for the
# non-reverting call `submit_batch` makes.
_ON_ATTESTATION: constant(bytes4) = method_id(
    "on_attestation(bytes32,bytes32,address,bytes)", output_type=bytes4
)


# @dev A signed statement about `subject` under `schema` (EIP-712 struct).
struct Attestation:
    schema: bytes32
    uid: bytes32
    subject: address
    data: Bytes[MAX_DATA]
    deadline: uint64
    epoch: uint64


# @dev Where a schema's attestations come from and go to (as returned by `schemas`).
struct Schema:
    domain: bytes32
    consumer: IAttestationConsumer
    revocable: bool


# @dev A domain's current signer set.
struct SignerSet:
    epoch: uint64
    threshold: uint256
    signers: DynArray[address, MAX_SIGNERS]


# @dev The schema each consumed uid was attested under (empty if unused).
schema_of: public(HashMap[bytes32, bytes32])

# @dev Whether an attested uid has been revoked.
revoked: public(HashMap[bytes32, bool])

# @dev The packed record of each schema (see `_DOMAIN_SHIFT`): a submission
# reads one slot for its schema. An empty consumer means not registered.
_schemas: HashMap[bytes32, uint256]

# @dev The index (1, 2, ...) of each domain ever configured or referenced,
# which keys the signer sets and markers; 0 for an unknown domain.
_domain_index: HashMap[bytes32, uint256]

# @dev The domain of each index.
_domains: HashMap[uint256, bytes32]

# @dev The number of indexed domains.
_domain_count: uint256

# @dev The current signer set of each domain, by index.
_signer_sets: HashMap[uint256, SignerSet]

# @dev The marker of each current signer of each domain, by index (see
# `_EPOCH_SHIFT`); zero for anyone outside the current set, so a signature
# check reads one slot per signer and never scans the set.
_markers: HashMap[uint256, HashMap[address, uint256]]


# @dev Emitted when a domain gets a new signer set (and so a new epoch).
event SignersChanged:
    domain: indexed(bytes32)
    epoch: uint64
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256


# @dev Emitted when a schema is registered or re-routed (an empty consumer unregisters it).
event SchemaRegistered:
    schema: indexed(bytes32)
    domain: indexed(bytes32)
    consumer: indexed(address)
    revocable: bool


# @dev Emitted when an attestation has been verified and delivered to its consumer.
event Attested:
    schema: indexed(bytes32)
    uid: indexed(bytes32)
    subject: indexed(address)
    data_hash: bytes32
    relayer: address


# @dev Emitted by `submit_batch` for an attestation it skipped (uid not consumed).
event AttestationRejected:
    schema: indexed(bytes32)
    uid: indexed(bytes32)
    reason: uint8


# @dev Emitted when an attestation of a revocable schema has been revoked.
event Revoked:
    schema: indexed(bytes32)
    uid: indexed(bytes32)


@deploy
def __init__():
    """
    @notice Deploys the hub with no signer sets and no schemas. The deployer
            receives DEFAULT_ADMIN_ROLE, which the deploy script hands to
            the configured admin (the Timelock).
    """
    access_control.__init__()
    eip712_domain_separator.__init__("AzoraOracleHub", "1")


@external
def set_signers(domain: bytes32, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @notice Replaces the signer set of `domain` and starts its next epoch:
            signatures over an older epoch are void from now on. Only
            DEFAULT_ADMIN_ROLE. An empty set with threshold 0 disables the
            domain.
    @param domain The oracle domain (e.g. EDUCATION).
    @param signers The new signers (EOAs or ERC-1271 contracts), distinct.
    @param threshold How many of them must sign: 1..len(signers).
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender], "hub: caller is not the admin"
    assert domain != empty(bytes32), "hub: empty domain"
    if len(signers) == 0:
        assert threshold == 0, "hub: invalid threshold"
    else:
        assert threshold != 0 and threshold <= len(signers), "hub: invalid threshold"

    index: uint256 = self._index_of(domain)
    current: SignerSet = self._signer_sets[index]
    for signer: address in current.signers:
        self._markers[index][signer] = 0

    epoch: uint64 = current.epoch + 1
    marker: uint256 = (convert(epoch, uint256) << _EPOCH_SHIFT) | threshold
    for signer: address in signers:
        assert signer != empty(address), "hub: zero signer"
        assert self._markers[index][signer] != marker, "hub: duplicate signer"
        self._markers[index][signer] = marker

    self._signer_sets[index] = SignerSet(epoch=epoch, threshold=threshold, signers=signers)
    log SignersChanged(domain=domain, epoch=epoch, signers=signers, threshold=threshold)


@external
def register_schema(schema: bytes32, domain: bytes32, consumer: IAttestationConsumer, revocable: bool):
    """
    @notice Registers `schema` (or re-routes it): its attestations are
            signed by `domain`'s signers and delivered to `consumer`. Only
            DEFAULT_ADMIN_ROLE. The empty address as consumer unregisters
            the schema.
    @param schema The keccak256 of the schema string.
    @param domain The oracle domain whose signers attest it.
    @param consumer The contract receiving `on_attestation` / `on_revocation`.
    @param revocable Whether its attestations may be revoked.
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender], "hub: caller is not the admin"
    assert schema != empty(bytes32), "hub: empty schema"
    assert domain != empty(bytes32), "hub: empty domain"
    assert consumer.address == empty(address) or consumer.address.is_contract, "hub: consumer is not a contract"
    record: uint256 = (self._index_of(domain) << _DOMAIN_SHIFT) | convert(consumer.address, uint256)
    if revocable:
        record |= _REVOCABLE_BIT
    self._schemas[schema] = record
    log SchemaRegistered(schema=schema, domain=domain, consumer=consumer.address, revocable=revocable)


@external
def submit(att: Attestation, signatures: Bytes[MAX_SIGNATURES_LENGTH]):
    """
    @notice Verifies `att` and delivers it to its schema's consumer.
            Anyone may relay. Reverts with the first failing check's reason
            (see the contract notice), or with the consumer's own reason.
    @param att The attestation.
    @param signatures The signer entries (see the contract notice).
    """
    reason: uint8 = _OK
    consumer: IAttestationConsumer = empty(IAttestationConsumer)
    reason, consumer = self._check(att, signatures)
    if reason != _OK:
        self._revert(reason)
    self.schema_of[att.uid] = att.schema
    extcall consumer.on_attestation(att.schema, att.uid, att.subject, att.data)
    log Attested(
        schema=att.schema, uid=att.uid, subject=att.subject, data_hash=keccak256(att.data), relayer=msg.sender
    )


@external
def submit_batch(
    atts: DynArray[Attestation, MAX_BATCH], signatures: DynArray[Bytes[MAX_SIGNATURES_LENGTH], MAX_BATCH]
) -> uint256:
    """
    @notice Verifies and delivers many attestations in one transaction.
            Batch semantics: an attestation that fails a check, or that its
            consumer refuses (reverts), is skipped: its uid stays unused,
            `AttestationRejected(schema, uid, reason)` is emitted and the
            rest of the batch goes on. The call itself reverts only when
            the two arrays differ in length (or on out-of-gas). A uid that
            appears twice is applied once; the second copy is rejected
            with REASON_UID_USED.
    @param atts The attestations.
    @param signatures The signer entries of each attestation, by position.
    @return uint256 How many attestations were applied.
    """
    assert len(atts) == len(signatures), "hub: length mismatch"
    applied: uint256 = 0
    for i: uint256 in range(len(atts), bound=MAX_BATCH):
        att: Attestation = atts[i]
        reason: uint8 = _OK
        consumer: IAttestationConsumer = empty(IAttestationConsumer)
        reason, consumer = self._check(att, signatures[i])
        if reason == _OK:
            # Consume first (checks-effects-interactions); give the uid back
            # if the consumer refuses.
            self.schema_of[att.uid] = att.schema
            delivered: bool = raw_call(
                consumer.address,
                abi_encode(att.schema, att.uid, att.subject, att.data, method_id=_ON_ATTESTATION),
                revert_on_failure=False,
            )
            if delivered:
                log Attested(
                    schema=att.schema,
                    uid=att.uid,
                    subject=att.subject,
                    data_hash=keccak256(att.data),
                    relayer=msg.sender,
                )
                applied = unsafe_add(applied, 1)
                continue
            self.schema_of[att.uid] = empty(bytes32)
            reason = REASON_CONSUMER_REJECTED
        log AttestationRejected(schema=att.schema, uid=att.uid, reason=reason)
    return applied


@external
def revoke(
    schema: bytes32, uid: bytes32, deadline: uint64, epoch: uint64, signatures: Bytes[MAX_SIGNATURES_LENGTH]
):
    """
    @notice Revokes an attestation of a revocable schema on the strength of
            an EIP-712 `Revocation` signed like an attestation (same domain
            signers, epoch, threshold and encoding), then calls the
            consumer's `on_revocation`. Anyone may relay.
    @param schema The schema the uid was attested under.
    @param uid The attestation to revoke.
    @param deadline The last block timestamp at which the signatures are valid.
    @param epoch The domain epoch the signers signed in.
    @param signatures The signer entries (see the contract notice).
    """
    assert block.timestamp <= convert(deadline, uint256), "hub: deadline passed"
    record: uint256 = self._schemas[schema]
    consumer: IAttestationConsumer = self._consumer_of(record)
    assert consumer.address != empty(address), "hub: unknown schema"
    assert record & _REVOCABLE_BIT != 0, "hub: schema not revocable"
    assert self.schema_of[uid] == schema, "hub: uid not attested"
    assert not self.revoked[uid], "hub: already revoked"
    digest: bytes32 = self._revocation_digest(schema, uid, deadline, epoch)
    reason: uint8 = self._verify(record >> _DOMAIN_SHIFT, epoch, digest, signatures)
    if reason != _OK:
        self._revert(reason)
    self.revoked[uid] = True
    extcall consumer.on_revocation(schema, uid)
    log Revoked(schema=schema, uid=uid)


@external
@view
def check_attestation(att: Attestation, signatures: Bytes[MAX_SIGNATURES_LENGTH]) -> uint8:
    """
    @notice Runs every check of `submit` except the consumer's, without
            changing state: a relayer's dry run.
    @param att The attestation.
    @param signatures The signer entries.
    @return uint8 0 if valid, else the first failing REASON_* code.
    """
    reason: uint8 = _OK
    consumer: IAttestationConsumer = empty(IAttestationConsumer)
    reason, consumer = self._check(att, signatures)
    return reason


@external
@view
def hash_attestation(att: Attestation) -> bytes32:
    """
    @notice The EIP-712 digest the signers of `att` sign.
    @param att The attestation.
    @return bytes32 The digest for this chain and this hub.
    """
    return self._attestation_digest(att)


@external
@view
def hash_revocation(schema: bytes32, uid: bytes32, deadline: uint64, epoch: uint64) -> bytes32:
    """
    @notice The EIP-712 digest the signers of a revocation sign.
    @param schema The schema the uid was attested under.
    @param uid The attestation to revoke.
    @param deadline The last valid block timestamp.
    @param epoch The domain epoch.
    @return bytes32 The digest for this chain and this hub.
    """
    return self._revocation_digest(schema, uid, deadline, epoch)


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator (recomputed if the chain id changed).
    @return bytes32 The domain separator.
    """
    return eip712_domain_separator._domain_separator_v4()


@external
@view
def schemas(schema: bytes32) -> Schema:
    """
    @notice Where `schema` routes: its domain, consumer and revocability.
    @param schema The keccak256 of the schema string.
    @return Schema All empty if the schema was never registered; an empty
            consumer if it was unregistered.
    """
    record: uint256 = self._schemas[schema]
    return Schema(
        domain=self._domains[record >> _DOMAIN_SHIFT],
        consumer=self._consumer_of(record),
        revocable=record & _REVOCABLE_BIT != 0,
    )


@external
@view
def signers(domain: bytes32) -> DynArray[address, MAX_SIGNERS]:
    """
    @notice The current signers of `domain`.
    @param domain The oracle domain.
    @return DynArray The signers, in the order they were set.
    """
    return self._signer_sets[self._domain_index[domain]].signers


@external
@view
def threshold(domain: bytes32) -> uint256:
    """
    @notice How many current signers of `domain` must sign.
    @param domain The oracle domain.
    @return uint256 The threshold (0 if the domain is not configured).
    """
    return self._signer_sets[self._domain_index[domain]].threshold


@external
@view
def epoch(domain: bytes32) -> uint64:
    """
    @notice The current epoch of `domain`; attestations must carry it.
    @param domain The oracle domain.
    @return uint64 The epoch (0 before the first signer set).
    """
    return self._signer_sets[self._domain_index[domain]].epoch


@external
@view
def is_signer(domain: bytes32, account: address) -> bool:
    """
    @notice Whether `account` is in the current signer set of `domain`.
    @param domain The oracle domain.
    @param account The account.
    @return bool True if it may sign in the current epoch.
    """
    return self._markers[self._domain_index[domain]][account] != 0


@internal
def _index_of(domain: bytes32) -> uint256:
    """
    @dev The index of `domain`, assigning the next one on first use.
    @param domain The oracle domain.
    @return uint256 Its index (from 1).
    """
    index: uint256 = self._domain_index[domain]
    if index == 0:
        index = self._domain_count + 1
        self._domain_count = index
        self._domain_index[domain] = index
        self._domains[index] = domain
    return index


@internal
@pure
def _consumer_of(record: uint256) -> IAttestationConsumer:
    """
    @dev The consumer held in a packed schema record.
    @param record The record.
    @return IAttestationConsumer The consumer (empty if not registered).
    """
    return IAttestationConsumer(convert(convert(record & _ADDRESS_MASK, uint160), address))


@internal
@view
def _check(att: Attestation, signatures: Bytes[MAX_SIGNATURES_LENGTH]) -> (uint8, IAttestationConsumer):
    """
    @dev Every check of an attestation but the consumer's.
    @param att The attestation.
    @param signatures The signer entries.
    @return uint8 The first failing REASON_* code, or _OK.
    @return IAttestationConsumer The schema's consumer.
    """
    if block.timestamp > convert(att.deadline, uint256):
        return REASON_EXPIRED, empty(IAttestationConsumer)
    if self.schema_of[att.uid] != empty(bytes32):
        return REASON_UID_USED, empty(IAttestationConsumer)
    record: uint256 = self._schemas[att.schema]
    consumer: IAttestationConsumer = self._consumer_of(record)
    if consumer.address == empty(address):
        return REASON_UNKNOWN_SCHEMA, empty(IAttestationConsumer)
    digest: bytes32 = self._attestation_digest(att)
    return self._verify(record >> _DOMAIN_SHIFT, att.epoch, digest, signatures), consumer


@internal
@view
def _verify(domain: uint256, epoch: uint64, digest: bytes32, signatures: Bytes[MAX_SIGNATURES_LENGTH]) -> uint8:
    """
    @dev Checks that the first `threshold` entries of `signatures` are valid
         signatures of `digest` by distinct current signers of `domain`,
         in strictly ascending address order, signed in `epoch`.
    @param domain The oracle domain's index.
    @param epoch The epoch the signers claim.
    @param digest The EIP-712 digest.
    @param signatures The signer entries.
    @return uint8 The first failing REASON_* code, or _OK.
    """
    length: uint256 = len(signatures)
    threshold: uint256 = max_value(uint256)
    previous: uint256 = 0
    for i: uint256 in range(MAX_SIGNERS):
        start: uint256 = i * _ENTRY_LENGTH
        if length < start + _ENTRY_LENGTH:
            return self._fail(domain, epoch, REASON_BELOW_THRESHOLD)
        r: uint256 = extract32(signatures, start, output_type=uint256)
        s: uint256 = extract32(signatures, start + 32, output_type=uint256)
        v: uint256 = convert(slice(signatures, start + 64, 1), uint256)

        signer: address = empty(address)
        if v == 0:
            # ERC-1271 entry: `r` names the contract, checked below once it
            # is known to be an authorised signer.
            if r >> 160 != 0:
                return self._fail(domain, epoch, REASON_INVALID_SIGNATURE)
            signer = convert(convert(r, uint160), address)
        else:
            if s > ecdsa._MALLEABILITY_THRESHOLD:
                return self._fail(domain, epoch, REASON_HIGH_S)
            # The `ecrecover` builtin rather than `ecdsa._recover_vrs`, which
            # reverts: a batch must be able to skip a bad signature.
            signer = ecrecover(digest, v, r, s)
            if signer == empty(address):
                return self._fail(domain, epoch, REASON_INVALID_SIGNATURE)

        key: uint256 = convert(signer, uint256)
        if key == previous:
            return self._fail(domain, epoch, REASON_DUPLICATE_SIGNER)
        if key < previous:
            return self._fail(domain, epoch, REASON_UNSORTED_SIGNERS)
        previous = key

        marker: uint256 = self._markers[domain][signer]
        if marker == 0 or marker >> _EPOCH_SHIFT != convert(epoch, uint256):
            return self._fail(domain, epoch, REASON_UNAUTHORISED_SIGNER)
        if i == 0:
            threshold = marker & _THRESHOLD_MASK

        if v == 0 and not self._is_valid_contract_signature(signer, digest, signatures, s, threshold):
            return self._fail(domain, epoch, REASON_INVALID_SIGNATURE)

        if i + 1 == threshold:
            return _OK
    return self._fail(domain, epoch, REASON_BELOW_THRESHOLD)


@internal
@view
def _is_valid_contract_signature(
    signer: address, digest: bytes32, signatures: Bytes[MAX_SIGNATURES_LENGTH], offset: uint256, threshold: uint256
) -> bool:
    """
    @dev Reads the dynamic part of a contract signature at `offset` (a
         32-byte length, then the data) and asks the signer through
         ERC-1271. Never reverts.
    @param signer The contract signer.
    @param digest The EIP-712 digest.
    @param signatures The signer entries.
    @param offset Where the dynamic part starts.
    @param threshold The threshold, so the part cannot overlap the static entries.
    @return bool True if the signer returned the ERC-1271 magic value.
    """
    length: uint256 = len(signatures)
    if offset < threshold * _ENTRY_LENGTH or offset > length or length - offset < 32:
        return False
    size: uint256 = extract32(signatures, offset, output_type=uint256)
    if size > length - offset - 32:
        return False
    success: bool = False
    response: Bytes[32] = b""
    success, response = raw_call(
        signer,
        abi_encode(
            digest,
            slice(signatures, offset + 32, size),
            method_id=signature_checker.IERC1271_ISVALIDSIGNATURE_SELECTOR,
        ),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
    )
    return (
        success
        and len(response) == 32
        and convert(response, bytes32) == convert(signature_checker.IERC1271_ISVALIDSIGNATURE_SELECTOR, bytes32)
    )


@internal
@view
def _fail(domain: uint256, epoch: uint64, reason: uint8) -> uint8:
    """
    @dev Turns a signature failure into REASON_STALE_EPOCH when the claimed
         epoch is not the domain's current one (checked only on failure:
         a valid signer's marker already proves the epoch current).
    @param domain The oracle domain's index.
    @param epoch The epoch the signers claim.
    @param reason The signature failure.
    @return uint8 REASON_STALE_EPOCH or `reason`.
    """
    if self._signer_sets[domain].epoch != epoch:
        return REASON_STALE_EPOCH
    return reason


@internal
@view
def _attestation_digest(att: Attestation) -> bytes32:
    """
    @dev The EIP-712 digest of an attestation.
    @param att The attestation.
    @return bytes32 The digest.
    """
    return eip712_domain_separator._hash_typed_data_v4(
        keccak256(
            abi_encode(
                ATTESTATION_TYPEHASH, att.schema, att.uid, att.subject, keccak256(att.data), att.deadline, att.epoch
            )
        )
    )


@internal
@view
def _revocation_digest(schema: bytes32, uid: bytes32, deadline: uint64, epoch: uint64) -> bytes32:
    """
    @dev The EIP-712 digest of a revocation.
    @param schema The schema.
    @param uid The attestation uid.
    @param deadline The last valid block timestamp.
    @param epoch The domain epoch.
    @return bytes32 The digest.
    """
    return eip712_domain_separator._hash_typed_data_v4(
        keccak256(abi_encode(REVOCATION_TYPEHASH, schema, uid, deadline, epoch))
    )


@internal
@pure
def _revert(reason: uint8):
    """
    @dev Reverts with the revert string of a REASON_* code.
    @param reason The code (never _OK).
    """
    if reason == REASON_EXPIRED:
        raise "hub: deadline passed"
    elif reason == REASON_UID_USED:
        raise "hub: uid already used"
    elif reason == REASON_UNKNOWN_SCHEMA:
        raise "hub: unknown schema"
    elif reason == REASON_STALE_EPOCH:
        raise "hub: stale epoch"
    elif reason == REASON_INVALID_SIGNATURE:
        raise "hub: invalid signature"
    elif reason == REASON_HIGH_S:
        raise "hub: signature s too high"
    elif reason == REASON_UNAUTHORISED_SIGNER:
        raise "hub: signer not authorised"
    elif reason == REASON_DUPLICATE_SIGNER:
        raise "hub: duplicate signer"
    elif reason == REASON_UNSORTED_SIGNERS:
        raise "hub: signers not ascending"
    raise "hub: below threshold"
