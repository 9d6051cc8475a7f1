# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Governor
@license MIT
@notice On-chain governance of Azora: AZR holders (through their ERC-5805
        delegates) propose, vote on and execute batches of calls, which run
        from the AzoraTimelock after its delay. The ABI, events, proposal
        ids and lifecycle are those of OpenZeppelin's Governor v5 with
        GovernorSettings, GovernorCountingSimple, GovernorVotes,
        GovernorVotesQuorumFraction and GovernorTimelockControl, so that
        governance tools work unchanged; queued proposals expire after a
        grace period (Compound Bravo). The ETHICS oracle may review a
        proposal while it is Pending or Active: a flagged proposal passes
        only with a two-thirds supermajority of for over for + against.

        Lifecycle: Pending (until the snapshot block) -> Active (until the
        deadline block) -> Defeated or Succeeded -> Queued (on the Timelock)
        -> Executed, or Expired once `gracePeriod` seconds past its ETA;
        Canceled by its proposer while Pending, or once Queued by a
        canceller's veto on the Timelock (as GovernorTimelockControl). A
        proposal succeeds when quorum(snapshot) <= for + abstain, for >
        against and, if flagged, 3 * for >= 2 * (for + against). Votes are
        read at the snapshot.
@custom:security The settings (`setVotingDelay`, `setVotingPeriod`,
        `setProposalThreshold`, `updateQuorumNumerator`, `setGracePeriod`)
        change only through a proposal executed by the Timelock. Only the
        OracleHub delivers reviews (`on_attestation`). Only the proposer
        cancels, and only while Pending. Anyone may queue a succeeded
        proposal and execute a queued one. A proposal vetoed on the
        Timelock by a canceller (its operation cancelled there) is Canceled
        here from that moment on, and its execution reverts.
"""

from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator
from snekmate.utils import signature_checker

from .interfaces import IAttestationConsumer
from .interfaces import IVotes

implements: IAttestationConsumer

initializes: eip712_domain_separator

exports: (
    # ERC-5267: lets wallets read the domain `castVoteBySig` signs over.
    eip712_domain_separator.eip712Domain,
)


# @dev The subset of AzoraTimelock (snekmate `timelock_controller`) the
# Governor calls. Declared here with the Governor's own bounds rather than
# the Timelock's (255 entries): Vyper sizes the memory buffer of a call by
# the declared types, and that memory is paid for quadratically.
interface ITimelock:
    def get_minimum_delay() -> uint256: view
    def get_timestamp(id: bytes32) -> uint256: view
    def schedule_batch(
        targets: DynArray[address, MAX_ACTIONS],
        amounts: DynArray[uint256, MAX_ACTIONS],
        payloads: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
        predecessor: bytes32,
        salt: bytes32,
        delay: uint256,
    ): nonpayable
    def execute_batch(
        targets: DynArray[address, MAX_ACTIONS],
        amounts: DynArray[uint256, MAX_ACTIONS],
        payloads: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
        predecessor: bytes32,
        salt: bytes32,
    ): payable


# @dev The most calls one proposal may make.
MAX_ACTIONS: public(constant(uint256)) = 10

# @dev The longest calldata of one call (the Timelock's bound).
MAX_CALLDATA: public(constant(uint256)) = 1_024

# @dev The longest proposal description, in bytes (UTF-8).
MAX_DESCRIPTION: public(constant(uint256)) = 8_192

# @dev The longest reason of `castVoteWithReason`, in bytes (UTF-8).
MAX_REASON: public(constant(uint256)) = 1_024

# @dev The schema of a constitutional review posted by the ETHICS oracle.
PROPOSAL_REVIEWED: public(constant(bytes32)) = keccak256(
    "azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
)

# @dev EIP-712 type hash of a vote by signature (as OpenZeppelin v5).
BALLOT_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)"
)

# @dev Review verdicts (ProposalReviewed.verdict); 0 means not reviewed.
VERDICT_APPROVE: public(constant(uint8)) = 1
VERDICT_FLAG: public(constant(uint8)) = 2

# @dev Proposal states, numbered as OpenZeppelin's `ProposalState`.
PENDING: constant(uint8) = 0
ACTIVE: constant(uint8) = 1
CANCELED: constant(uint8) = 2
DEFEATED: constant(uint8) = 3
SUCCEEDED: constant(uint8) = 4
QUEUED: constant(uint8) = 5
EXPIRED: constant(uint8) = 6
EXECUTED: constant(uint8) = 7

# @dev Vote types (GovernorCountingSimple).
_AGAINST: constant(uint8) = 0
_FOR: constant(uint8) = 1
_ABSTAIN: constant(uint8) = 2

# @dev The quorum numerator is a percentage.
_QUORUM_DENOMINATOR: constant(uint256) = 100

_MASK_8: constant(uint256) = 2**8 - 1
_MASK_32: constant(uint256) = 2**32 - 1
_MASK_44: constant(uint256) = 2**44 - 1
_MASK_48: constant(uint256) = 2**48 - 1
_MASK_90: constant(uint256) = 2**90 - 1
_MASK_128: constant(uint256) = 2**128 - 1
_MASK_160: constant(uint256) = 2**160 - 1

# @dev A proposal's core word (`_cores`), written by `propose`: proposer in
# bits 0..159, snapshot block in 160..207, voting period (deadline -
# snapshot) in 208..239, review verdict in 240..247, canceled flag at bit
# 248. Zero for an unknown id.
_SNAPSHOT_SHIFT: constant(uint256) = 160
_DURATION_SHIFT: constant(uint256) = 208
_VERDICT_SHIFT: constant(uint256) = 240
_CANCELED: constant(uint256) = 2**248

# @dev A proposal's tally word (`_tallies`), written by votes against or
# for: against in bits 0..89, for in 90..179, and a copy of the snapshot
# (bits 180..223) and voting period (224..255), so that every vote after
# the first reads this one word. Zero until then. Votes fit in 90 bits:
# they never exceed AZR's cap (10**27 < 2**90).
_FOR_SHIFT: constant(uint256) = 90
_TALLY_SNAPSHOT_SHIFT: constant(uint256) = 180
_TALLY_DURATION_SHIFT: constant(uint256) = 224

# @dev A proposal's outcome word (`_outcomes`): abstain votes in bits
# 0..127, the ETA (timestamp) in 128..175, executed flag at bit 255.
# `execute` reads and writes this word only.
_ETA_SHIFT: constant(uint256) = 128
_EXECUTED: constant(uint256) = 2**255

# @dev The settings word (`_settings`): voting delay (blocks) in bits
# 0..47, voting period (blocks) in 48..79, grace period (seconds) in
# 80..127, proposal threshold (wei) in 128..255. One read serves `propose`.
_PERIOD_SHIFT: constant(uint256) = 48
_GRACE_SHIFT: constant(uint256) = 80
_THRESHOLD_SHIFT: constant(uint256) = 128

# @dev A quorum checkpoint packs the block it applies from above bit 8 and
# the numerator in bits 0..7. `_quorum_head` holds the latest checkpoint
# in bits 0..127 and the number of checkpoints from bit 128.
_QUORUM_BLOCK_SHIFT: constant(uint256) = 8
_QUORUM_COUNT_SHIFT: constant(uint256) = 128

# @dev Upper bound on binary-search iterations over quorum checkpoints.
_MAX_SEARCH: constant(uint256) = 64


# @dev The ERC-5805 token whose past votes count.
_TOKEN: immutable(IVotes)

# @dev The Timelock that executes proposals and alone changes settings.
_TIMELOCK: immutable(ITimelock)

# @dev The OracleHub that delivers constitutional reviews.
_HUB: immutable(address)


# @dev The latest constitutional review of a proposal (its verdict lives in the core word).
struct Review:
    reasonHash: bytes32
    uid: bytes32


# @dev The EIP-712 nonce of each voter, used by `castVoteBySig`.
nonces: public(HashMap[address, uint256])

# @dev Each proposal's core word (see `_SNAPSHOT_SHIFT`).
_cores: HashMap[uint256, uint256]

# @dev Each proposal's against / for tally and snapshot copy (see `_FOR_SHIFT`).
_tallies: HashMap[uint256, uint256]

# @dev Each proposal's abstain tally, ETA and executed flag (see `_ETA_SHIFT`).
_outcomes: HashMap[uint256, uint256]

# @dev Each queued proposal's Timelock operation id (`proposalTimelockId`),
# written by `queue`: `state` checks that the Timelock still knows it (a
# canceller may have vetoed it). `execute` recomputes it from its
# arguments instead (cheaper than this cold read for a usual proposal).
_timelock_ids: HashMap[uint256, bytes32]

# @dev Whether an account has voted on a proposal, keyed by proposalId XOR
# account (one hash per access instead of a nested map's two). Two pairs
# share a key only if their ids agree on the top 96 bits and the XOR of
# their ids' low 160 bits equals the XOR of the accounts: a 2**128
# birthday search, or 2**256 / (addresses held) for a chosen victim.
_voted: HashMap[uint256, bool]

# @dev The reason hash and attestation uid of each proposal's latest review.
_reviews: HashMap[uint256, Review]

# @dev The packed settings (see `_PERIOD_SHIFT`).
_settings: uint256

# @dev The latest quorum checkpoint and the checkpoint count (see `_QUORUM_BLOCK_SHIFT`).
_quorum_head: uint256

# @dev Every quorum checkpoint, oldest first.
_quorum_checkpoints: HashMap[uint256, uint256]


# @dev Emitted when a proposal is created (`signatures` are empty strings, as in OpenZeppelin).
event ProposalCreated:
    proposalId: uint256
    proposer: address
    targets: DynArray[address, MAX_ACTIONS]
    values: DynArray[uint256, MAX_ACTIONS]
    signatures: DynArray[String[1], MAX_ACTIONS]
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS]
    voteStart: uint256
    voteEnd: uint256
    description: String[MAX_DESCRIPTION]


# @dev Emitted when a vote is cast (`weight` is the voter's votes at the snapshot).
event VoteCast:
    voter: indexed(address)
    proposalId: uint256
    support: uint8
    weight: uint256
    reason: String[MAX_REASON]


# @dev Emitted when a proposal is scheduled on the Timelock.
event ProposalQueued:
    proposalId: uint256
    etaSeconds: uint256


# @dev Emitted when a proposal has been executed through the Timelock.
event ProposalExecuted:
    proposalId: uint256


# @dev Emitted when the proposer cancels a pending proposal.
event ProposalCanceled:
    proposalId: uint256


# @dev Emitted when the ETHICS oracle reviews a proposal (a later review replaces an earlier one).
event ProposalReviewed:
    proposalId: indexed(uint256)
    verdict: uint8
    reasonHash: bytes32
    uid: bytes32


# @dev Emitted when the quorum numerator changes (for proposals with a snapshot from now on).
event QuorumNumeratorUpdated:
    oldQuorumNumerator: uint256
    newQuorumNumerator: uint256


# @dev Emitted when the voting delay changes.
event VotingDelaySet:
    oldVotingDelay: uint256
    newVotingDelay: uint256


# @dev Emitted when the voting period changes.
event VotingPeriodSet:
    oldVotingPeriod: uint256
    newVotingPeriod: uint256


# @dev Emitted when the proposal threshold changes.
event ProposalThresholdSet:
    oldProposalThreshold: uint256
    newProposalThreshold: uint256


# @dev Emitted when the grace period of queued proposals changes.
event GracePeriodSet:
    oldGracePeriod: uint256
    newGracePeriod: uint256


@deploy
def __init__(
    token: IVotes,
    timelock: ITimelock,
    hub: address,
    voting_delay: uint256,
    voting_period: uint256,
    proposal_threshold: uint256,
    quorum_numerator: uint256,
    grace_period: uint256,
):
    """
    @notice Deploys the Governor. The Timelock must then grant it
            PROPOSER_ROLE, EXECUTOR_ROLE and CANCELLER_ROLE.
    @param token The ERC-5805 votes token (AzoraToken), clocked in blocks.
    @param timelock The AzoraTimelock that executes proposals.
    @param hub The OracleHub that delivers ProposalReviewed attestations.
    @param voting_delay Blocks from proposal to snapshot (>= 1).
    @param voting_period Blocks from snapshot to deadline (>= 1).
    @param proposal_threshold Votes (wei) a proposer needs at the previous block.
    @param quorum_numerator Quorum in percent of the past total supply (<= 100).
    @param grace_period Seconds after its ETA a queued proposal stays executable (>= 1).
    """
    assert staticcall token.clock() == convert(block.number, uint48), "governor: token clock is not block numbers"
    eip712_domain_separator.__init__("AzoraGovernor", "1")
    _TOKEN = token
    _TIMELOCK = timelock
    _HUB = hub
    self._set_voting_delay(voting_delay)
    self._set_voting_period(voting_period)
    self._set_proposal_threshold(proposal_threshold)
    self._set_grace_period(grace_period)
    self._update_quorum_numerator(quorum_numerator)


@external
# Re-entrancy is harmless here: the only calls out are static (token reads).
@reentrant
def propose(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    description: String[MAX_DESCRIPTION],
) -> uint256:
    """
    @notice Creates a proposal to make the calls `targets[i]` with
            `values[i]` wei and `calldatas[i]`, voted on from
            `votingDelay` blocks from now for `votingPeriod` blocks. The
            caller needs `proposalThreshold` votes at the previous block.
            A description ending in `#proposer=0x<address>` may only be
            proposed by that address (front-running protection).
    @param targets The contracts to call.
    @param values The wei to send with each call.
    @param calldatas The calldata of each call.
    @param description The proposal's text; its keccak256 is part of the id.
    @return uint256 The proposal id (`hashProposal`).
    """
    # Only the last 52 bytes matter: passing the whole description to an
    # internal function would reserve MAX_DESCRIPTION bytes of memory below
    # this frame, which every later memory access pays for.
    length: uint256 = len(description)
    if length >= 52:
        tail: Bytes[52] = convert(slice(description, length - 52, 52), Bytes[52])
        assert self._is_valid_suffix_for_proposer(msg.sender, tail), "governor: proposer restricted"
    settings: uint256 = self._settings
    threshold: uint256 = settings >> _THRESHOLD_SHIFT
    if threshold != 0:
        votes: uint256 = staticcall _TOKEN.getPastVotes(msg.sender, block.number - 1)
        assert votes >= threshold, "governor: proposer votes below threshold"
    count: uint256 = len(targets)
    assert count != 0, "governor: empty proposal"
    assert count == len(values) and count == len(calldatas), "governor: proposal length mismatch"

    proposal_id: uint256 = convert(
        keccak256(abi_encode(targets, values, calldatas, keccak256(description))), uint256
    )
    assert self._cores[proposal_id] == 0, "governor: proposal already exists"

    snapshot: uint256 = block.number + (settings & _MASK_48)
    duration: uint256 = (settings >> _PERIOD_SHIFT) & _MASK_32
    self._cores[proposal_id] = (
        convert(msg.sender, uint256) | (snapshot << _SNAPSHOT_SHIFT) | (duration << _DURATION_SHIFT)
    )

    signatures: DynArray[String[1], MAX_ACTIONS] = []
    for _: uint256 in range(count, bound=MAX_ACTIONS):
        signatures.append("")
    log ProposalCreated(
        proposalId=proposal_id,
        proposer=msg.sender,
        targets=targets,
        values=values,
        signatures=signatures,
        calldatas=calldatas,
        voteStart=snapshot,
        voteEnd=snapshot + duration,
        description=description,
    )
    return proposal_id


@external
def queue(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @notice Schedules a succeeded proposal on the Timelock as one batch,
            with the Timelock's minimum delay. Anyone may call.
    @param targets The proposal's targets.
    @param values The proposal's values.
    @param calldatas The proposal's calldatas.
    @param descriptionHash The keccak256 of the proposal's description.
    @return uint256 The proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    core: uint256 = self._cores[proposal_id]
    assert core != 0, "governor: unknown proposal"
    outcome: uint256 = self._outcomes[proposal_id]
    assert (
        self._state(proposal_id, core, self._tallies[proposal_id], outcome) == SUCCEEDED
    ), "governor: proposal not successful"

    delay: uint256 = staticcall _TIMELOCK.get_minimum_delay()
    eta: uint256 = block.timestamp + delay
    assert eta <= _MASK_48, "governor: eta overflow"
    self._outcomes[proposal_id] = outcome | (eta << _ETA_SHIFT)
    salt: bytes32 = self._timelock_salt(descriptionHash)
    # The Timelock's id of the batch (snekmate's `_hash_operation_batch`).
    self._timelock_ids[proposal_id] = keccak256(abi_encode(targets, values, calldatas, empty(bytes32), salt))
    extcall _TIMELOCK.schedule_batch(targets, values, calldatas, empty(bytes32), salt, delay)
    log ProposalQueued(proposalId=proposal_id, etaSeconds=eta)
    return proposal_id


@external
@payable
def execute(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @notice Executes a queued proposal through the Timelock once its ETA
            has come and before it expires, forwarding `msg.value`.
            Anyone may call. Reverts with "governor: proposal canceled on
            the timelock" if a canceller vetoed it there.
    @param targets The proposal's targets.
    @param values The proposal's values.
    @param calldatas The proposal's calldatas.
    @param descriptionHash The keccak256 of the proposal's description.
    @return uint256 The proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    # Only a queued proposal has an ETA: the outcome word is all it takes.
    outcome: uint256 = self._outcomes[proposal_id]
    eta: uint256 = (outcome >> _ETA_SHIFT) & _MASK_48
    assert eta != 0 and outcome & _EXECUTED == 0, "governor: proposal not queued"
    salt: bytes32 = self._timelock_salt(descriptionHash)
    # The operation is gone from the Timelock once a canceller vetoed it.
    operation: bytes32 = keccak256(abi_encode(targets, values, calldatas, empty(bytes32), salt))
    assert staticcall _TIMELOCK.get_timestamp(operation) != 0, "governor: proposal canceled on the timelock"
    assert block.timestamp >= eta, "governor: proposal not ready"
    assert block.timestamp < eta + ((self._settings >> _GRACE_SHIFT) & _MASK_48), "governor: proposal expired"

    self._outcomes[proposal_id] = outcome | _EXECUTED
    extcall _TIMELOCK.execute_batch(targets, values, calldatas, empty(bytes32), salt, value=msg.value)
    log ProposalExecuted(proposalId=proposal_id)
    return proposal_id


@external
def cancel(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @notice Cancels a proposal. Only its proposer, only while Pending.
    @param targets The proposal's targets.
    @param values The proposal's values.
    @param calldatas The proposal's calldatas.
    @param descriptionHash The keccak256 of the proposal's description.
    @return uint256 The proposal id.
    """
    proposal_id: uint256 = convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)
    core: uint256 = self._cores[proposal_id]
    assert core != 0, "governor: unknown proposal"
    assert core & _CANCELED == 0 and (core >> _SNAPSHOT_SHIFT) & _MASK_48 >= block.number, "governor: proposal not pending"
    assert msg.sender == self._proposer_of(core), "governor: caller is not the proposer"
    self._cores[proposal_id] = core | _CANCELED
    log ProposalCanceled(proposalId=proposal_id)
    return proposal_id


@external
# Re-entrancy is harmless here: the only calls out are static (token reads).
@reentrant
def castVote(proposalId: uint256, support: uint8) -> uint256:
    """
    @notice Casts the caller's vote: 0 against, 1 for, 2 abstain, with its
            votes at the proposal's snapshot. Once per account, while Active.
    @param proposalId The proposal.
    @param support The vote type.
    @return uint256 The weight counted.
    """
    # The body of `_cast_vote`, written out: the internal call would cost
    # every plain vote ~120 gas. Keep the two in step.
    tally: uint256 = self._tallies[proposalId]
    snapshot: uint256 = 0
    duration: uint256 = 0
    if tally != 0:
        # Votes were counted, so the proposal exists and was never canceled.
        snapshot = (tally >> _TALLY_SNAPSHOT_SHIFT) & _MASK_44
        duration = tally >> _TALLY_DURATION_SHIFT
    else:
        core: uint256 = self._cores[proposalId]
        assert core != 0, "governor: unknown proposal"
        assert core & _CANCELED == 0, "governor: vote not currently active"
        snapshot = (core >> _SNAPSHOT_SHIFT) & _MASK_48
        duration = (core >> _DURATION_SHIFT) & _MASK_32
        tally = (snapshot << _TALLY_SNAPSHOT_SHIFT) | (duration << _TALLY_DURATION_SHIFT)
    # Both fields are far below 2**255: the sum cannot overflow.
    assert snapshot < block.number and block.number <= unsafe_add(snapshot, duration), "governor: vote not currently active"
    assert support <= _ABSTAIN, "governor: invalid vote type"
    ballot: uint256 = proposalId ^ convert(msg.sender, uint256)
    assert not self._voted[ballot], "governor: vote already cast"
    self._voted[ballot] = True

    weight: uint256 = staticcall _TOKEN.getPastVotes(msg.sender, snapshot)
    if support == _ABSTAIN:
        outcome: uint256 = self._outcomes[proposalId]
        assert weight <= unsafe_sub(_MASK_128, outcome & _MASK_128), "governor: tally overflow"
        self._outcomes[proposalId] = unsafe_add(outcome, weight)
    else:
        offset: uint256 = convert(support, uint256) * _FOR_SHIFT
        # The field stays below 2**90, so the addition never carries out of it.
        assert weight <= unsafe_sub(_MASK_90, (tally >> offset) & _MASK_90), "governor: tally overflow"
        self._tallies[proposalId] = unsafe_add(tally, weight << offset)
    log VoteCast(voter=msg.sender, proposalId=proposalId, support=support, weight=weight, reason="")
    return weight


@external
# Re-entrancy is harmless here: the only calls out are static (token reads).
@reentrant
def castVoteWithReason(proposalId: uint256, support: uint8, reason: String[MAX_REASON]) -> uint256:
    """
    @notice As `castVote`, with a reason logged in VoteCast.
    @param proposalId The proposal.
    @param support The vote type.
    @param reason The voter's explanation.
    @return uint256 The weight counted.
    """
    weight: uint256 = self._cast_vote(proposalId, msg.sender, support)
    log VoteCast(voter=msg.sender, proposalId=proposalId, support=support, weight=weight, reason=reason)
    return weight


@external
# Re-entrancy is harmless here: the only calls out are static (token reads, ERC-1271 check).
@reentrant
def castVoteBySig(proposalId: uint256, support: uint8, voter: address, signature: Bytes[65]) -> uint256:
    """
    @notice Casts `voter`'s vote on the strength of its EIP-712 `Ballot`
            signature (an EOA's low-s ECDSA signature or an ERC-1271
            contract's approval), so that a relayer pays the gas. Each
            signature is bound to `nonces(voter)`, which it consumes.
    @param proposalId The proposal.
    @param support The vote type.
    @param voter The account whose vote is cast.
    @param signature The 65-byte `r ‖ s ‖ v` signature (any length for ERC-1271).
    @return uint256 The weight counted.
    """
    nonce: uint256 = self.nonces[voter]
    self.nonces[voter] = unsafe_add(nonce, 1)
    digest: bytes32 = eip712_domain_separator._hash_typed_data_v4(
        keccak256(abi_encode(BALLOT_TYPEHASH, proposalId, support, voter, nonce))
    )
    assert self._is_valid_signature(voter, digest, signature), "governor: invalid signature"
    weight: uint256 = self._cast_vote(proposalId, voter, support)
    log VoteCast(voter=voter, proposalId=proposalId, support=support, weight=weight, reason="")
    return weight


@external
def on_attestation(schema: bytes32, uid: bytes32, subject: address, data: Bytes[256]):
    """
    @notice Records a constitutional review of a Pending or Active
            proposal, delivered by the OracleHub from the ETHICS signers.
            `data` is abi_encode(proposalId, verdict, reasonHash); verdict
            1 approves, 2 flags (a supermajority is then needed). A later
            review replaces an earlier one.
    @param schema PROPOSAL_REVIEWED.
    @param uid The attestation uid.
    @param subject Unused (the proposal is named in `data`).
    @param data The ABI-encoded review.
    """
    assert msg.sender == _HUB, "governor: caller is not the hub"
    assert schema == PROPOSAL_REVIEWED, "governor: unknown schema"
    assert len(data) == 96, "governor: malformed review"
    proposal_id: uint256 = extract32(data, 0, output_type=uint256)
    verdict: uint256 = extract32(data, 32, output_type=uint256)
    reason_hash: bytes32 = extract32(data, 64)
    assert verdict == convert(VERDICT_APPROVE, uint256) or verdict == convert(VERDICT_FLAG, uint256), "governor: bad verdict"
    core: uint256 = self._cores[proposal_id]
    assert core != 0, "governor: unknown proposal"
    assert (
        core & _CANCELED == 0 and self._deadline_of(core) >= block.number
    ), "governor: review closed"

    self._cores[proposal_id] = (core & ~(_MASK_8 << _VERDICT_SHIFT)) | (verdict << _VERDICT_SHIFT)
    self._reviews[proposal_id] = Review(reasonHash=reason_hash, uid=uid)
    log ProposalReviewed(proposalId=proposal_id, verdict=convert(verdict, uint8), reasonHash=reason_hash, uid=uid)


@external
def on_revocation(schema: bytes32, uid: bytes32):
    """
    @notice Always reverts: a review is superseded by a later review, never revoked.
    @param schema The schema.
    @param uid The attestation uid.
    """
    raise "governor: reviews are not revocable"


@external
@reentrant
def setVotingDelay(newVotingDelay: uint256):
    """
    @notice Sets the blocks between a proposal and its snapshot. Only the
            Timelock (re-entered from `execute`).
    @param newVotingDelay The new delay in blocks (1 .. 2**32 - 1).
    """
    assert msg.sender == _TIMELOCK.address, "governor: caller is not the timelock"
    self._set_voting_delay(newVotingDelay)


@external
@reentrant
def setVotingPeriod(newVotingPeriod: uint256):
    """
    @notice Sets the length of voting for new proposals. Only the Timelock.
    @param newVotingPeriod The new period in blocks (1 .. 2**32 - 1).
    """
    assert msg.sender == _TIMELOCK.address, "governor: caller is not the timelock"
    self._set_voting_period(newVotingPeriod)


@external
@reentrant
def setProposalThreshold(newProposalThreshold: uint256):
    """
    @notice Sets the votes needed to propose. Only the Timelock.
    @param newProposalThreshold The new threshold in wei of votes.
    """
    assert msg.sender == _TIMELOCK.address, "governor: caller is not the timelock"
    self._set_proposal_threshold(newProposalThreshold)


@external
@reentrant
def updateQuorumNumerator(newQuorumNumerator: uint256):
    """
    @notice Sets the quorum, in percent of the past total supply, for
            proposals whose snapshot is this block or later. Only the
            Timelock. Past proposals keep the quorum of their snapshot.
    @param newQuorumNumerator The new numerator (<= 100).
    """
    assert msg.sender == _TIMELOCK.address, "governor: caller is not the timelock"
    self._update_quorum_numerator(newQuorumNumerator)


@external
@reentrant
def setGracePeriod(newGracePeriod: uint256):
    """
    @notice Sets how long after its ETA a queued proposal stays
            executable (applies to queued proposals too). Only the Timelock.
    @param newGracePeriod The new grace period in seconds (>= 1).
    """
    assert msg.sender == _TIMELOCK.address, "governor: caller is not the timelock"
    self._set_grace_period(newGracePeriod)


@external
@view
def name() -> String[13]:
    """
    @notice The governor's name (also its EIP-712 domain name).
    @return String "AzoraGovernor".
    """
    return "AzoraGovernor"


@external
@view
def version() -> String[1]:
    """
    @notice The governor's version (also its EIP-712 domain version).
    @return String "1".
    """
    return "1"


@external
@view
def state(proposalId: uint256) -> uint8:
    """
    @notice The proposal's state: Pending 0, Active 1, Canceled 2,
            Defeated 3, Succeeded 4, Queued 5, Expired 6, Executed 7. A
            queued proposal whose Timelock operation a canceller cancelled
            (vetoed) is Canceled.
    @param proposalId The proposal.
    @return uint8 The state.
    """
    core: uint256 = self._cores[proposalId]
    assert core != 0, "governor: unknown proposal"
    return self._state(proposalId, core, self._tallies[proposalId], self._outcomes[proposalId])


@external
@pure
def hashProposal(
    targets: DynArray[address, MAX_ACTIONS],
    values: DynArray[uint256, MAX_ACTIONS],
    calldatas: DynArray[Bytes[MAX_CALLDATA], MAX_ACTIONS],
    descriptionHash: bytes32,
) -> uint256:
    """
    @notice The id of a proposal, as OpenZeppelin's `hashProposal`.
    @param targets The proposal's targets.
    @param values The proposal's values.
    @param calldatas The proposal's calldatas.
    @param descriptionHash The keccak256 of the proposal's description.
    @return uint256 keccak256(abi_encode(targets, values, calldatas, descriptionHash)).
    """
    return convert(keccak256(abi_encode(targets, values, calldatas, descriptionHash)), uint256)


@external
@view
def proposalTimelockId(proposalId: uint256) -> bytes32:
    """
    @notice The Timelock operation id a proposal was queued under (for
            `get_timestamp`, `cancel` and the Timelock's events), i.e.
            `hash_operation_batch(targets, values, calldatas, 0, salt)`
            with salt = bytes20(governor) XOR descriptionHash.
    @param proposalId The proposal.
    @return bytes32 The operation id (zero if never queued).
    """
    return self._timelock_ids[proposalId]


@external
@view
def proposalSnapshot(proposalId: uint256) -> uint256:
    """
    @notice The block whose votes count; voting opens after it.
    @param proposalId The proposal.
    @return uint256 The snapshot block (0 for an unknown proposal).
    """
    return (self._cores[proposalId] >> _SNAPSHOT_SHIFT) & _MASK_48


@external
@view
def proposalDeadline(proposalId: uint256) -> uint256:
    """
    @notice The last block in which votes are accepted.
    @param proposalId The proposal.
    @return uint256 The deadline block (0 for an unknown proposal).
    """
    return self._deadline_of(self._cores[proposalId])


@external
@view
def proposalProposer(proposalId: uint256) -> address:
    """
    @notice Who created the proposal.
    @param proposalId The proposal.
    @return address The proposer (zero for an unknown proposal).
    """
    return self._proposer_of(self._cores[proposalId])


@external
@view
def proposalEta(proposalId: uint256) -> uint256:
    """
    @notice When a queued proposal becomes executable.
    @param proposalId The proposal.
    @return uint256 The ETA timestamp (0 if never queued).
    """
    return (self._outcomes[proposalId] >> _ETA_SHIFT) & _MASK_48


@external
@pure
def proposalNeedsQueuing(proposalId: uint256) -> bool:
    """
    @notice Whether a proposal must be queued before execution.
    @param proposalId The proposal.
    @return bool Always True (every proposal goes through the Timelock).
    """
    return True


@external
@view
def hasVoted(proposalId: uint256, account: address) -> bool:
    """
    @notice Whether `account` has voted on the proposal.
    @param proposalId The proposal.
    @param account The account.
    @return bool True once it has voted.
    """
    return self._voted[proposalId ^ convert(account, uint256)]


@external
@view
def proposalVotes(proposalId: uint256) -> (uint256, uint256, uint256):
    """
    @notice The tally of a proposal.
    @param proposalId The proposal.
    @return uint256 Against votes.
    @return uint256 For votes.
    @return uint256 Abstain votes.
    """
    tally: uint256 = self._tallies[proposalId]
    return tally & _MASK_90, (tally >> _FOR_SHIFT) & _MASK_90, self._outcomes[proposalId] & _MASK_128


@external
@view
def proposalReview(proposalId: uint256) -> (uint8, bytes32, bytes32):
    """
    @notice The latest constitutional review of a proposal.
    @param proposalId The proposal.
    @return uint8 The verdict: 0 not reviewed, 1 approved, 2 flagged.
    @return bytes32 The reason hash.
    @return bytes32 The attestation uid.
    """
    review: Review = self._reviews[proposalId]
    return self._verdict_of(self._cores[proposalId]), review.reasonHash, review.uid


@external
@view
def votingDelay() -> uint256:
    """
    @notice Blocks from a proposal's creation to its snapshot.
    @return uint256 The voting delay in blocks.
    """
    return self._settings & _MASK_48


@external
@view
def votingPeriod() -> uint256:
    """
    @notice Blocks from a proposal's snapshot to its deadline.
    @return uint256 The voting period in blocks.
    """
    return (self._settings >> _PERIOD_SHIFT) & _MASK_32


@external
@view
def proposalThreshold() -> uint256:
    """
    @notice The votes needed (at the previous block) to propose.
    @return uint256 The threshold in wei of votes.
    """
    return self._settings >> _THRESHOLD_SHIFT


@external
@view
def gracePeriod() -> uint256:
    """
    @notice How long after its ETA a queued proposal stays executable.
    @return uint256 The grace period in seconds.
    """
    return (self._settings >> _GRACE_SHIFT) & _MASK_48


@external
@view
def quorum(timepoint: uint256) -> uint256:
    """
    @notice The quorum at a past block: its total supply times the
            quorum numerator then in force, over 100. For and abstain
            votes count toward it.
    @param timepoint A block number before the current one.
    @return uint256 The quorum in wei of votes.
    """
    return self._quorum(timepoint)


@external
@view
def quorumNumerator(timepoint: uint256 = max_value(uint256)) -> uint256:
    """
    @notice The quorum numerator in force at `timepoint` (the latest one
            without an argument).
    @param timepoint A block number.
    @return uint256 The numerator, in percent.
    """
    return self._quorum_numerator(timepoint)


@external
@pure
def quorumDenominator() -> uint256:
    """
    @notice The denominator of the quorum numerator.
    @return uint256 100.
    """
    return _QUORUM_DENOMINATOR


@external
@view
def getVotes(account: address, timepoint: uint256) -> uint256:
    """
    @notice The voting power of `account` at a past block.
    @param account The delegate.
    @param timepoint A block number before the current one.
    @return uint256 Votes in wei.
    """
    return staticcall _TOKEN.getPastVotes(account, timepoint)


@external
@pure
def COUNTING_MODE() -> String[40]:
    """
    @notice How votes are counted, in OpenZeppelin's format.
    @return String Bravo-style support (0, 1, 2); for and abstain count to quorum.
    """
    return "support=bravo&quorum=for,abstain"


@external
@view
def clock() -> uint48:
    """
    @notice The EIP-6372 clock (the token's): the current block number.
    @return uint48 The current block number.
    """
    return convert(block.number, uint48)


@external
@pure
def CLOCK_MODE() -> String[32]:
    """
    @notice The EIP-6372 clock description.
    @return String The machine-readable clock mode.
    """
    return "mode=blocknumber&from=default"


@external
@view
def token() -> address:
    """
    @notice The ERC-5805 token whose votes count.
    @return address AzoraToken.
    """
    return _TOKEN.address


@external
@view
def timelock() -> address:
    """
    @notice The Timelock that executes proposals.
    @return address AzoraTimelock.
    """
    return _TIMELOCK.address


@external
@view
def hub() -> address:
    """
    @notice The OracleHub that delivers constitutional reviews.
    @return address OracleHub.
    """
    return _HUB


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator of `castVoteBySig` (recomputed
            if the chain id changed).
    @return bytes32 The domain separator.
    """
    return eip712_domain_separator._domain_separator_v4()


@internal
@view
def _state(proposal_id: uint256, core: uint256, tally: uint256, outcome: uint256) -> uint8:
    """
    @dev The state of an existing proposal (OpenZeppelin's order of checks,
         plus Expired after the grace period). A queued proposal whose
         Timelock operation is gone (cancelled by a canceller) is Canceled,
         even past its grace period: a veto is final.
    @param proposal_id The proposal.
    @param core Its core word.
    @param tally Its tally word.
    @param outcome Its outcome word.
    @return uint8 The state.
    """
    if outcome & _EXECUTED != 0:
        return EXECUTED
    if core & _CANCELED != 0:
        return CANCELED
    snapshot: uint256 = (core >> _SNAPSHOT_SHIFT) & _MASK_48
    if snapshot >= block.number:
        return PENDING
    if snapshot + ((core >> _DURATION_SHIFT) & _MASK_32) >= block.number:
        return ACTIVE
    eta: uint256 = (outcome >> _ETA_SHIFT) & _MASK_48
    if eta != 0:
        if staticcall _TIMELOCK.get_timestamp(self._timelock_ids[proposal_id]) == 0:
            return CANCELED
        if block.timestamp >= eta + ((self._settings >> _GRACE_SHIFT) & _MASK_48):
            return EXPIRED
        return QUEUED
    if self._succeeded(core, tally, outcome):
        return SUCCEEDED
    return DEFEATED


@internal
@view
def _succeeded(core: uint256, tally: uint256, outcome: uint256) -> bool:
    """
    @dev Whether a closed proposal passed: for > against, the two-thirds
         supermajority if flagged, and quorum(snapshot) <= for + abstain.
         The cheap checks come first; the quorum needs a token call.
    @param core Its core word.
    @param tally Its tally word.
    @param outcome Its outcome word.
    @return bool True if it succeeded.
    """
    against: uint256 = tally & _MASK_90
    for_votes: uint256 = (tally >> _FOR_SHIFT) & _MASK_90
    if for_votes <= against:
        return False
    if self._verdict_of(core) == VERDICT_FLAG and 3 * for_votes < 2 * (for_votes + against):
        return False
    snapshot: uint256 = (core >> _SNAPSHOT_SHIFT) & _MASK_48
    return self._quorum(snapshot) <= for_votes + (outcome & _MASK_128)


@internal
def _cast_vote(proposal_id: uint256, voter: address, support: uint8) -> uint256:
    """
    @dev Counts `voter`'s votes at the snapshot once, while Active. The
         snapshot and period come from the tally word once a vote against
         or for has been counted, else from the core word. `castVote`
         repeats this body inline.
    @param proposal_id The proposal.
    @param voter The voter.
    @param support 0 against, 1 for, 2 abstain.
    @return uint256 The weight counted (the caller logs VoteCast).
    """
    tally: uint256 = self._tallies[proposal_id]
    snapshot: uint256 = 0
    duration: uint256 = 0
    if tally != 0:
        # Votes were counted, so the proposal exists and was never canceled.
        snapshot = (tally >> _TALLY_SNAPSHOT_SHIFT) & _MASK_44
        duration = tally >> _TALLY_DURATION_SHIFT
    else:
        core: uint256 = self._cores[proposal_id]
        assert core != 0, "governor: unknown proposal"
        assert core & _CANCELED == 0, "governor: vote not currently active"
        snapshot = (core >> _SNAPSHOT_SHIFT) & _MASK_48
        duration = (core >> _DURATION_SHIFT) & _MASK_32
        tally = (snapshot << _TALLY_SNAPSHOT_SHIFT) | (duration << _TALLY_DURATION_SHIFT)
    # Both fields are far below 2**255: the sum cannot overflow.
    assert snapshot < block.number and block.number <= unsafe_add(snapshot, duration), "governor: vote not currently active"
    assert support <= _ABSTAIN, "governor: invalid vote type"
    ballot: uint256 = proposal_id ^ convert(voter, uint256)
    assert not self._voted[ballot], "governor: vote already cast"
    self._voted[ballot] = True

    weight: uint256 = staticcall _TOKEN.getPastVotes(voter, snapshot)
    if support == _ABSTAIN:
        outcome: uint256 = self._outcomes[proposal_id]
        assert weight <= unsafe_sub(_MASK_128, outcome & _MASK_128), "governor: tally overflow"
        self._outcomes[proposal_id] = unsafe_add(outcome, weight)
    else:
        offset: uint256 = convert(support, uint256) * _FOR_SHIFT
        # The field stays below 2**90, so the addition never carries out of it.
        assert weight <= unsafe_sub(_MASK_90, (tally >> offset) & _MASK_90), "governor: tally overflow"
        self._tallies[proposal_id] = unsafe_add(tally, weight << offset)
    return weight


@internal
@view
def _is_valid_signature(signer: address, digest: bytes32, signature: Bytes[65]) -> bool:
    """
    @dev OpenZeppelin's SignatureChecker order: a low-s ECDSA signature by
         `signer` first (no code lookup), then ERC-1271 if `signer` is a
         contract.
    @param signer The claimed signer.
    @param digest The EIP-712 digest.
    @param signature The signature.
    @return bool True if valid.
    """
    if len(signature) == 65 and signer != empty(address):
        s: uint256 = extract32(signature, 32, output_type=uint256)
        if s <= ecdsa._MALLEABILITY_THRESHOLD:
            v: uint256 = convert(slice(signature, 64, 1), uint256)
            r: uint256 = extract32(signature, 0, output_type=uint256)
            if ecrecover(digest, v, r, s) == signer:
                return True
    if not signer.is_contract:
        return False
    return signature_checker._is_valid_ERC1271_signature_now(signer, digest, signature)


@internal
@pure
def _is_valid_suffix_for_proposer(proposer: address, tail: Bytes[52]) -> bool:
    """
    @dev OpenZeppelin's `_isValidDescriptionForProposer` on the last 52
         bytes of a description: one ending in "#proposer=0x" and 40 hex
         digits (any case) is valid only for that address; any other
         description is valid for anyone.
    @param proposer The caller of `propose`.
    @param tail The last 52 bytes of the description.
    @return bool True if `proposer` may propose it.
    """
    if slice(tail, 0, 12) != b"#proposer=0x":
        return True
    # Hex digits 0..19 are in the first word, 20..39 at the end of the second.
    head: uint256 = extract32(tail, 12, output_type=uint256)
    rest: uint256 = extract32(tail, 20, output_type=uint256)
    recovered: uint256 = 0
    for i: uint256 in range(40):
        char: uint256 = 0
        if i < 32:
            char = (head >> (8 * (31 - i))) & 255
        else:
            char = (rest >> (8 * (39 - i))) & 255
        digit: uint256 = 0
        if char >= 48 and char <= 57:
            digit = char - 48
        elif char >= 97 and char <= 102:
            digit = char - 87
        elif char >= 65 and char <= 70:
            digit = char - 55
        else:
            return True
        recovered = (recovered << 4) | digit
    return recovered == convert(proposer, uint256)


@internal
@view
def _timelock_salt(description_hash: bytes32) -> bytes32:
    """
    @dev The Timelock salt of a proposal, as GovernorTimelockControl:
         bytes20(governor) XOR descriptionHash.
    @param description_hash The keccak256 of the description.
    @return bytes32 The salt.
    """
    return convert((convert(self, uint256) << 96) ^ convert(description_hash, uint256), bytes32)


@internal
@view
def _quorum(timepoint: uint256) -> uint256:
    """
    @dev The quorum at `timepoint`; no token call when the numerator is 0.
    @param timepoint A past block.
    @return uint256 The quorum in wei of votes.
    """
    numerator: uint256 = self._quorum_numerator(timepoint)
    if numerator == 0:
        return 0
    return staticcall _TOKEN.getPastTotalSupply(timepoint) * numerator // _QUORUM_DENOMINATOR


@internal
@view
def _quorum_numerator(timepoint: uint256) -> uint256:
    """
    @dev The numerator of the last checkpoint at or before `timepoint`.
    @param timepoint A block number.
    @return uint256 The numerator (0 before the first checkpoint).
    """
    head: uint256 = self._quorum_head
    if ((head & _MASK_128) >> _QUORUM_BLOCK_SHIFT) <= timepoint:
        return head & _MASK_8
    # Binary search in [0, count - 1) for the first checkpoint after `timepoint`.
    low: uint256 = 0
    high: uint256 = (head >> _QUORUM_COUNT_SHIFT) - 1
    for _: uint256 in range(_MAX_SEARCH):
        if low >= high:
            break
        mid: uint256 = unsafe_div(unsafe_add(low, high), 2)
        if (self._quorum_checkpoints[mid] >> _QUORUM_BLOCK_SHIFT) > timepoint:
            high = mid
        else:
            low = unsafe_add(mid, 1)
    if low == 0:
        return 0
    return self._quorum_checkpoints[low - 1] & _MASK_8


@internal
def _update_quorum_numerator(numerator: uint256):
    """
    @dev Checkpoints a new quorum numerator at the current block.
    @param numerator The new numerator (<= 100).
    """
    assert numerator <= _QUORUM_DENOMINATOR, "governor: invalid quorum numerator"
    head: uint256 = self._quorum_head
    count: uint256 = head >> _QUORUM_COUNT_SHIFT
    checkpoint: uint256 = (block.number << _QUORUM_BLOCK_SHIFT) | numerator
    if count != 0 and ((head & _MASK_128) >> _QUORUM_BLOCK_SHIFT) == block.number:
        self._quorum_checkpoints[count - 1] = checkpoint
    else:
        self._quorum_checkpoints[count] = checkpoint
        count += 1
    self._quorum_head = (count << _QUORUM_COUNT_SHIFT) | checkpoint
    log QuorumNumeratorUpdated(oldQuorumNumerator=head & _MASK_8, newQuorumNumerator=numerator)


@internal
def _set_voting_delay(delay: uint256):
    """
    @dev Writes the voting delay into the settings word.
    @param delay Blocks, 1 .. 2**32 - 1 (so that snapshots fit the 44 bits
           the tally word keeps of them).
    """
    assert delay != 0 and delay <= _MASK_32, "governor: invalid voting delay"
    settings: uint256 = self._settings
    self._settings = (settings & ~_MASK_48) | delay
    log VotingDelaySet(oldVotingDelay=settings & _MASK_48, newVotingDelay=delay)


@internal
def _set_voting_period(period: uint256):
    """
    @dev Writes the voting period into the settings word.
    @param period Blocks, 1 .. 2**32 - 1.
    """
    assert period != 0 and period <= _MASK_32, "governor: invalid voting period"
    settings: uint256 = self._settings
    self._settings = (settings & ~(_MASK_32 << _PERIOD_SHIFT)) | (period << _PERIOD_SHIFT)
    log VotingPeriodSet(oldVotingPeriod=(settings >> _PERIOD_SHIFT) & _MASK_32, newVotingPeriod=period)


@internal
def _set_proposal_threshold(threshold: uint256):
    """
    @dev Writes the proposal threshold into the settings word.
    @param threshold Wei of votes, below 2**128.
    """
    assert threshold <= _MASK_128, "governor: invalid proposal threshold"
    settings: uint256 = self._settings
    self._settings = (settings & _MASK_128) | (threshold << _THRESHOLD_SHIFT)
    log ProposalThresholdSet(oldProposalThreshold=settings >> _THRESHOLD_SHIFT, newProposalThreshold=threshold)


@internal
def _set_grace_period(grace: uint256):
    """
    @dev Writes the grace period into the settings word.
    @param grace Seconds, 1 .. 2**48 - 1.
    """
    assert grace != 0 and grace <= _MASK_48, "governor: invalid grace period"
    settings: uint256 = self._settings
    self._settings = (settings & ~(_MASK_48 << _GRACE_SHIFT)) | (grace << _GRACE_SHIFT)
    log GracePeriodSet(oldGracePeriod=(settings >> _GRACE_SHIFT) & _MASK_48, newGracePeriod=grace)


@internal
@pure
def _proposer_of(core: uint256) -> address:
    """
    @dev The proposer held in a core word.
    @param core The core word.
    @return address The proposer.
    """
    return convert(convert(core & _MASK_160, uint160), address)


@internal
@pure
def _deadline_of(core: uint256) -> uint256:
    """
    @dev The deadline block of a core word: snapshot + voting period.
    @param core The core word.
    @return uint256 The deadline (0 for an empty word).
    """
    return ((core >> _SNAPSHOT_SHIFT) & _MASK_48) + ((core >> _DURATION_SHIFT) & _MASK_32)


@internal
@pure
def _verdict_of(core: uint256) -> uint8:
    """
    @dev The review verdict held in a core word.
    @param core The core word.
    @return uint8 0 not reviewed, 1 approved, 2 flagged.
    """
    return convert((core >> _VERDICT_SHIFT) & _MASK_8, uint8)
