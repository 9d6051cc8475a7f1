# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Proof of Knowledge ("Azora Mint")
@license MIT
@notice Turns attested course completions into AZR and credentials. For
        each `CourseCompleted(courseId, score, difficulty)` delivered by the
        OracleHub it mints the learner's reward (10 AZR x the difficulty
        multiplier 1 / 1.5 / 2 / 3, x 1.5 for a score of 80 or more) plus
        an Ubuntu share of 10% of it to the Treasury ("I am because we
        are"), records both in the Ledger and issues the soulbound
        credential. `CredentialRevoked(tokenId)` burns a credential; the
        reward is not clawed back.

        Limits: a learner earns at most `daily_cap` per UTC day
        (block.timestamp // 86,400); all minting (rewards and Ubuntu
        shares) stays within `epoch_budget` per 30-day epoch
        (block.timestamp // 2,592,000). A completion over either limit
        reverts, so the oracle can retry it later (its uid is not consumed).
@custom:security Only the OracleHub may call `on_attestation` and
        `on_revocation`. DEFAULT_ADMIN_ROLE (the Timelock after deployment)
        sets the Treasury, the daily cap and the epoch budget. The contract
        must hold AzoraToken's MINTER_ROLE, the Ledger's WRITER_ROLE and
        Credentials' ISSUER_ROLE.
"""

from snekmate.auth import access_control

from .interfaces import IAttestationConsumer
from .interfaces import IAzoraToken
from .interfaces import ICredentials
from .interfaces import ILedger

implements: IAttestationConsumer

initializes: access_control

exports: access_control.__interface__


# @dev The schema of a passed course:
# data = abi_encode(uint256 courseId, uint8 score, uint8 difficulty).
COURSE_COMPLETED: public(constant(bytes32)) = keccak256(
    "azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)"
)

# @dev The schema that revokes a credential: data = abi_encode(uint256 tokenId).
CREDENTIAL_REVOKED: public(constant(bytes32)) = keccak256("azora.education.CredentialRevoked(uint256 tokenId)")

# @dev The reward of a difficulty-1 course below the bonus score: 10 AZR.
BASE_REWARD: public(constant(uint256)) = 10 * 10**18

# @dev The lowest passing score; lower scores are rejected.
PASSING_SCORE: public(constant(uint256)) = 70

# @dev The lowest score earning the 1.5x bonus.
BONUS_SCORE: public(constant(uint256)) = 80

# @dev The highest valid score.
MAX_SCORE: public(constant(uint256)) = 100

# @dev The Ubuntu share minted to the Treasury, in percent of the reward.
UBUNTU_SHARE_PERCENT: public(constant(uint256)) = 10

# @dev Length of the daily cap's day (UTC days) and of a budget epoch, in seconds.
DAY: public(constant(uint256)) = 86_400
EPOCH_DURATION: public(constant(uint256)) = 30 * 86_400

# @dev Ledger entry kinds (Ledger.REWARD, Ledger.UBUNTU_SHARE).
_REWARD: constant(bytes32) = keccak256("REWARD")
_UBUNTU_SHARE: constant(bytes32) = keccak256("UBUNTU_SHARE")

# @dev Difficulty multipliers 1, 1.5, 2 and 3, in tenths, by difficulty 1..4.
_MULTIPLIERS: constant(uint256[4]) = [10, 15, 20, 30]

# @dev Packed counters keep their period (day or epoch) above bit 128 and
# the amount minted in it in the low 128 bits: one slot each.
_PERIOD_SHIFT: constant(uint256) = 128
_AMOUNT_MASK: constant(uint256) = 2**128 - 1


# @dev The OracleHub, the only caller of the consumer hooks.
HUB: public(immutable(address))

# @dev The AZR token (this contract holds its MINTER_ROLE).
TOKEN: public(immutable(IAzoraToken))

# @dev The Ledger (this contract holds its WRITER_ROLE).
LEDGER: public(immutable(ILedger))

# @dev The soulbound credentials (this contract holds their ISSUER_ROLE).
CREDENTIALS: public(immutable(ICredentials))


# @dev The receiver of the Ubuntu share (the Treasury).
treasury: public(address)

# @dev The most AZR (in wei) one learner may earn per UTC day.
daily_cap: public(uint256)

# @dev The most AZR (in wei, rewards plus Ubuntu shares) minted per epoch.
epoch_budget: public(uint256)

# @dev Per learner: the day of the last reward and the amount earned that day.
_daily: HashMap[address, uint256]

# @dev The epoch of the last reward and the amount minted in it.
_epoch_minted: uint256


# @dev Emitted for every rewarded completion.
event RewardPaid:
    learner: indexed(address)
    courseId: indexed(uint256)
    uid: indexed(bytes32)
    reward: uint256
    ubuntu_share: uint256
    epoch: uint256


# @dev Emitted when the receiver of the Ubuntu share changes.
event TreasuryChanged:
    previous: address
    current: address


# @dev Emitted when the per-learner daily cap changes.
event DailyCapChanged:
    previous: uint256
    current: uint256


# @dev Emitted when the per-epoch minting budget changes.
event EpochBudgetChanged:
    previous: uint256
    current: uint256


@deploy
def __init__(
    hub: address,
    token: IAzoraToken,
    ledger: ILedger,
    credentials: ICredentials,
    treasury: address,
    daily_cap: uint256,
    epoch_budget: uint256,
):
    """
    @notice Deploys the consumer. The deployer receives DEFAULT_ADMIN_ROLE,
            which the deploy script hands to the configured admin.
    @param hub The OracleHub.
    @param token The AZR token.
    @param ledger The Ledger.
    @param credentials The Credentials collection.
    @param treasury The receiver of the Ubuntu share.
    @param daily_cap The per-learner daily cap in wei (default 1,000 AZR).
    @param epoch_budget The per-epoch budget in wei (default 1,000,000 AZR).
    """
    assert treasury != empty(address), "pok: zero treasury"
    access_control.__init__()
    HUB = hub
    TOKEN = token
    LEDGER = ledger
    CREDENTIALS = credentials
    self.treasury = treasury
    self.daily_cap = daily_cap
    self.epoch_budget = epoch_budget
    log TreasuryChanged(previous=empty(address), current=treasury)
    log DailyCapChanged(previous=0, current=daily_cap)
    log EpochBudgetChanged(previous=0, current=epoch_budget)


@external
def on_attestation(schema: bytes32, uid: bytes32, subject: address, data: Bytes[256]):
    """
    @notice Applies a verified EDUCATION attestation. Only the OracleHub.
            CourseCompleted pays the reward and issues the credential;
            CredentialRevoked burns the credential `tokenId`.
    @param schema COURSE_COMPLETED or CREDENTIAL_REVOKED.
    @param uid The attestation uid (the credential's token id for a completion).
    @param subject The learner.
    @param data The ABI-encoded schema fields.
    """
    assert msg.sender == HUB, "pok: caller is not the hub"
    if schema == COURSE_COMPLETED:
        self._complete(uid, subject, data)
    elif schema == CREDENTIAL_REVOKED:
        assert len(data) == 32, "pok: malformed data"
        extcall CREDENTIALS.revoke(abi_decode(data, uint256))
    else:
        raise "pok: unknown schema"


@external
def on_revocation(schema: bytes32, uid: bytes32):
    """
    @notice Revoking a CourseCompleted attestation (if the hub registers
            the schema as revocable) burns the credential it earned, if it
            still exists. Only the OracleHub.
    @param schema COURSE_COMPLETED.
    @param uid The completion's uid (= the credential's token id).
    """
    assert msg.sender == HUB, "pok: caller is not the hub"
    assert schema == COURSE_COMPLETED, "pok: schema not revocable"
    token_id: uint256 = convert(uid, uint256)
    if staticcall CREDENTIALS.exists(token_id):
        extcall CREDENTIALS.revoke(token_id)


@external
def set_treasury(treasury: address):
    """
    @notice Sets the receiver of the Ubuntu share. Only DEFAULT_ADMIN_ROLE.
    @param treasury The new receiver (not the zero address).
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender], "pok: caller is not the admin"
    assert treasury != empty(address), "pok: zero treasury"
    log TreasuryChanged(previous=self.treasury, current=treasury)
    self.treasury = treasury


@external
def set_daily_cap(daily_cap: uint256):
    """
    @notice Sets the per-learner daily cap; applies to the rest of today
            too. Only DEFAULT_ADMIN_ROLE.
    @param daily_cap The cap in wei.
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender], "pok: caller is not the admin"
    log DailyCapChanged(previous=self.daily_cap, current=daily_cap)
    self.daily_cap = daily_cap


@external
def set_epoch_budget(epoch_budget: uint256):
    """
    @notice Sets the per-epoch minting budget; applies to the current epoch
            too. Only DEFAULT_ADMIN_ROLE.
    @param epoch_budget The budget in wei.
    """
    assert access_control.hasRole[access_control.DEFAULT_ADMIN_ROLE][msg.sender], "pok: caller is not the admin"
    log EpochBudgetChanged(previous=self.epoch_budget, current=epoch_budget)
    self.epoch_budget = epoch_budget


@external
@pure
def reward_for(score: uint256, difficulty: uint256) -> (uint256, uint256):
    """
    @notice The reward and Ubuntu share of a completion (caps not applied);
            reverts like a completion for an invalid score or difficulty.
    @param score The score (70..100).
    @param difficulty The difficulty (1..4).
    @return uint256 The learner's reward in wei.
    @return uint256 The Treasury's Ubuntu share in wei.
    """
    return self._reward(score, difficulty)


@external
@view
def earned_today(learner: address) -> uint256:
    """
    @notice What `learner` has earned today (UTC), against `daily_cap`.
    @param learner The learner.
    @return uint256 The amount in wei.
    """
    return self._current(self._daily[learner], block.timestamp // DAY)


@external
@view
def current_epoch() -> uint256:
    """
    @notice The current budget epoch: block.timestamp // EPOCH_DURATION.
    @return uint256 The epoch number.
    """
    return block.timestamp // EPOCH_DURATION


@external
@view
def epoch_minted() -> uint256:
    """
    @notice What has been minted (rewards plus Ubuntu shares) in the
            current epoch, against `epoch_budget`.
    @return uint256 The amount in wei.
    """
    return self._current(self._epoch_minted, block.timestamp // EPOCH_DURATION)


@internal
def _complete(uid: bytes32, learner: address, data: Bytes[256]):
    """
    @dev Pays a CourseCompleted attestation and issues its credential.
    @param uid The attestation uid.
    @param learner The learner.
    @param data abi_encode(courseId, score, difficulty).
    """
    assert len(data) == 96, "pok: malformed data"
    course_id: uint256 = 0
    score: uint256 = 0
    difficulty: uint256 = 0
    course_id, score, difficulty = abi_decode(data, (uint256, uint256, uint256))

    reward: uint256 = 0
    share: uint256 = 0
    reward, share = self._reward(score, difficulty)

    day: uint256 = block.timestamp // DAY
    earned: uint256 = self._current(self._daily[learner], day) + reward
    assert earned <= self.daily_cap, "pok: daily cap exceeded"
    self._daily[learner] = (day << _PERIOD_SHIFT) | earned

    epoch: uint256 = block.timestamp // EPOCH_DURATION
    minted: uint256 = self._current(self._epoch_minted, epoch) + reward + share
    assert minted <= self.epoch_budget, "pok: epoch budget exhausted"
    self._epoch_minted = (epoch << _PERIOD_SHIFT) | minted

    treasury: address = self.treasury
    extcall CREDENTIALS.issue(learner, course_id, convert(score, uint8), convert(difficulty, uint8), convert(uid, uint256))
    extcall TOKEN.mint(learner, reward)
    extcall TOKEN.mint(treasury, share)
    extcall LEDGER.record(_REWARD, learner, reward, uid)
    extcall LEDGER.record(_UBUNTU_SHARE, treasury, share, uid)
    log RewardPaid(learner=learner, courseId=course_id, uid=uid, reward=reward, ubuntu_share=share, epoch=epoch)


@internal
@pure
def _reward(score: uint256, difficulty: uint256) -> (uint256, uint256):
    """
    @dev 10 AZR x multiplier(difficulty) x (1.5 if score >= 80), and 10% of
         it. Reverts for a score outside 70..100 or a difficulty outside 1..4.
    @param score The score.
    @param difficulty The difficulty.
    @return uint256 The reward in wei.
    @return uint256 The Ubuntu share in wei.
    """
    assert score >= PASSING_SCORE, "pok: score below passing"
    assert score <= MAX_SCORE, "pok: score above maximum"
    assert difficulty >= 1 and difficulty <= 4, "pok: invalid difficulty"
    bonus: uint256 = 10
    if score >= BONUS_SCORE:
        bonus = 15
    reward: uint256 = BASE_REWARD * _MULTIPLIERS[difficulty - 1] * bonus // 100
    return reward, reward * UBUNTU_SHARE_PERCENT // 100


@internal
@pure
def _current(packed: uint256, period: uint256) -> uint256:
    """
    @dev The amount of a packed counter if it belongs to `period`, else 0.
    @param packed The packed counter (period above bit 128, amount below).
    @param period The current day or epoch.
    @return uint256 The amount counted in `period`.
    """
    if packed >> _PERIOD_SHIFT != period:
        return 0
    return packed & _AMOUNT_MASK
