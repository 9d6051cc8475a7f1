# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Credentials
@license MIT
@notice Soulbound ERC-721 certificates of completed courses: one per
        (learner, course), issued by ProofOfKnowledge when an EDUCATION
        oracle attests a passing score. Tokens can never be transferred or
        approved (ERC-5192: `locked` is always true). The token id is the
        uid of the attestation that earned it; `tokenURI` is an on-chain
        JSON data URI holding the course, score, difficulty and the block
        it was issued in.
@custom:security Only ISSUER_ROLE (ProofOfKnowledge) may `issue` and
        `revoke`. DEFAULT_ADMIN_ROLE (the Timelock after deployment) grants
        and revokes issuers. A revoked credential is burned and its
        (learner, course) pair stays spent: it is never issued again.
"""

from ethereum.ercs import IERC165
from ethereum.ercs import IERC721

from snekmate.auth import access_control
from snekmate.auth import ownable
from snekmate.tokens import erc721

implements: IERC165
implements: IERC721

initializes: ownable
initializes: erc721[ownable := ownable]
initializes: access_control

exports: (
    # ERC-721 reads and enumeration come straight from snekmate. Left out on
    # purpose: `transferFrom`, `safeTransferFrom`, `approve`,
    # `setApprovalForAll` (re-implemented below to revert: soulbound),
    # `permit`, `nonces`, `DOMAIN_SEPARATOR`, `eip712Domain` (EIP-4494
    # approvals by signature), `burn` (only revocation burns), `safe_mint`,
    # `set_minter`, `is_minter`, `owner`, `transfer_ownership`,
    # `renounce_ownership` (issuing is governed by ISSUER_ROLE instead) and
    # `tokenURI` (built on chain below).
    erc721.name,
    erc721.symbol,
    erc721.balanceOf,
    erc721.ownerOf,
    erc721.getApproved,
    erc721.isApprovedForAll,
    erc721.totalSupply,
    erc721.tokenByIndex,
    erc721.tokenOfOwnerByIndex,
    # Role management; `supportsInterface` is replaced below to list ERC-721
    # and ERC-5192 as well.
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
)


# @dev The role allowed to issue and revoke credentials (ProofOfKnowledge).
ISSUER_ROLE: public(constant(bytes32)) = keccak256("ISSUER_ROLE")

# @dev The ERC-165 identifiers this contract supports: ERC-165, ERC-721,
# ERC-721 metadata, ERC-721 enumeration, IAccessControl and ERC-5192.
_SUPPORTED_INTERFACES: constant(bytes4[6]) = [
    0x01FFC9A7,
    0x80AC58CD,
    0x5B5E139F,
    0x780E9D63,
    0x7965DB0B,
    0xB45A3C0E,
]

# @dev Bit layout of a credential's packed details: score in bits 0..7,
# difficulty in bits 8..15, the block it was issued in from bit 16.
_DIFFICULTY_SHIFT: constant(uint256) = 8
_BLOCK_SHIFT: constant(uint256) = 16


# @dev A credential as returned by `credential`.
struct Credential:
    learner: address
    course_id: uint256
    score: uint8
    difficulty: uint8
    issued_block: uint256


# @dev The token id issued to each (learner, course); kept after revocation
# so the pair can never be issued again.
_issued: HashMap[address, HashMap[uint256, uint256]]

# @dev The course of each live credential.
_course_of: HashMap[uint256, uint256]

# @dev The packed score, difficulty and issue block of each live credential.
_details: HashMap[uint256, uint256]


# @dev ERC-5192: emitted when a token becomes locked (at issue: always).
event Locked:
    tokenId: uint256


# @dev ERC-5192: never emitted (credentials are never unlocked); declared for the interface.
event Unlocked:
    tokenId: uint256


# @dev Emitted when a credential is issued.
event CredentialIssued:
    token_id: indexed(uint256)
    learner: indexed(address)
    course_id: indexed(uint256)
    score: uint8
    difficulty: uint8


# @dev Emitted when a credential is revoked (burned).
event CredentialRevoked:
    token_id: indexed(uint256)
    learner: indexed(address)
    course_id: indexed(uint256)


@deploy
def __init__():
    """
    @notice Deploys an empty collection. The deployer receives
            DEFAULT_ADMIN_ROLE, which the deploy script hands to the
            configured admin after granting ISSUER_ROLE to ProofOfKnowledge.
    """
    ownable.__init__()
    erc721.__init__("Azora Credentials", "AZC", "", "Azora Credentials", "1")
    access_control.__init__()
    # The snekmate erc721 minter flag and ownership are unused here: clear
    # them so no address holds a dormant privilege.
    erc721.is_minter[msg.sender] = False
    ownable._transfer_ownership(empty(address))


@external
def issue(learner: address, course_id: uint256, score: uint8, difficulty: uint8, token_id: uint256):
    """
    @notice Mints the soulbound credential of `learner` for `course_id`.
            Only ISSUER_ROLE; at most one per (learner, course), ever.
    @param learner The receiver.
    @param course_id The completed course.
    @param score The final score (0..100).
    @param difficulty The course difficulty (1..4).
    @param token_id The new token id (the completion attestation's uid).
    """
    assert access_control.hasRole[ISSUER_ROLE][msg.sender], "credentials: caller is not an issuer"
    assert token_id != 0, "credentials: zero token id"
    assert self._issued[learner][course_id] == 0, "credentials: already issued"
    self._issued[learner][course_id] = token_id
    self._course_of[token_id] = course_id
    self._details[token_id] = (
        convert(score, uint256)
        | (convert(difficulty, uint256) << _DIFFICULTY_SHIFT)
        | (block.number << _BLOCK_SHIFT)
    )
    # `_mint`, not `_safe_mint`: a soulbound token needs no receiver hook.
    erc721._mint(learner, token_id)
    log Locked(tokenId=token_id)
    log CredentialIssued(
        token_id=token_id, learner=learner, course_id=course_id, score=score, difficulty=difficulty
    )


@external
def revoke(token_id: uint256):
    """
    @notice Burns a credential. Only ISSUER_ROLE. Its (learner, course)
            pair stays spent.
    @param token_id The credential.
    """
    assert access_control.hasRole[ISSUER_ROLE][msg.sender], "credentials: caller is not an issuer"
    assert erc721._exists(token_id), "credentials: unknown credential"
    learner: address = erc721._owner_of(token_id)
    course_id: uint256 = self._course_of[token_id]
    self._course_of[token_id] = 0
    self._details[token_id] = 0
    erc721._burn(token_id)
    log CredentialRevoked(token_id=token_id, learner=learner, course_id=course_id)


@external
@payable
def transferFrom(owner: address, to: address, token_id: uint256):
    """
    @notice Always reverts: credentials are soulbound.
    @param owner Unused.
    @param to Unused.
    @param token_id Unused.
    """
    raise "credentials: soulbound"


@external
@payable
def safeTransferFrom(owner: address, to: address, token_id: uint256, data: Bytes[1_024] = b""):
    """
    @notice Always reverts: credentials are soulbound.
    @param owner Unused.
    @param to Unused.
    @param token_id Unused.
    @param data Unused.
    """
    raise "credentials: soulbound"


@external
@payable
def approve(to: address, token_id: uint256):
    """
    @notice Always reverts: credentials are soulbound.
    @param to Unused.
    @param token_id Unused.
    """
    raise "credentials: soulbound"


@external
def setApprovalForAll(operator: address, approved: bool):
    """
    @notice Always reverts: credentials are soulbound.
    @param operator Unused.
    @param approved Unused.
    """
    raise "credentials: soulbound"


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @notice ERC-165 introspection.
    @param interface_id The 4-byte interface identifier.
    @return bool True for ERC-165, ERC-721 (+ metadata, enumeration),
            IAccessControl and ERC-5192.
    """
    return interface_id in _SUPPORTED_INTERFACES


@external
@view
def locked(token_id: uint256) -> bool:
    """
    @notice ERC-5192: whether `token_id` is bound to its owner. Reverts
            for a token that does not exist.
    @param token_id The credential.
    @return bool Always True.
    """
    erc721._require_minted(token_id)
    return True


@external
@view
def exists(token_id: uint256) -> bool:
    """
    @notice Whether `token_id` is a live (issued, not revoked) credential.
    @param token_id The credential.
    @return bool True while it exists.
    """
    return erc721._exists(token_id)


@external
@view
def credential_of(learner: address, course_id: uint256) -> uint256:
    """
    @notice The live credential of `learner` for `course_id`.
    @param learner The learner.
    @param course_id The course.
    @return uint256 The token id, 0 if none was issued or it was revoked.
    """
    token_id: uint256 = self._issued[learner][course_id]
    if token_id == 0 or not erc721._exists(token_id):
        return 0
    return token_id


@external
@view
def credential(token_id: uint256) -> Credential:
    """
    @notice The details of a live credential.
    @param token_id The credential.
    @return Credential Its learner, course, score, difficulty and issue block.
    """
    erc721._require_minted(token_id)
    details: uint256 = self._details[token_id]
    return Credential(
        learner=erc721._owner_of(token_id),
        course_id=self._course_of[token_id],
        score=convert(details & 255, uint8),
        difficulty=convert((details >> _DIFFICULTY_SHIFT) & 255, uint8),
        issued_block=details >> _BLOCK_SHIFT,
    )


@external
@view
def tokenURI(token_id: uint256) -> String[512]:
    """
    @notice The credential's metadata as an on-chain JSON data URI
            (`data:application/json;utf8,{...}`, plain JSON after the first
            comma): name, description and the attributes course_id (a
            string: it may exceed JavaScript's safe integers), score,
            difficulty and issued_block.
    @param token_id The credential.
    @return String The data URI.
    """
    erc721._require_minted(token_id)
    details: uint256 = self._details[token_id]
    course: String[78] = uint2str(self._course_of[token_id])
    return concat(
        'data:application/json;utf8,{"name":"Azora Credential: course ',
        course,
        '","description":"Soulbound proof of knowledge issued by Azora ProofOfKnowledge.",',
        '"attributes":[{"trait_type":"course_id","value":"',
        course,
        '"},{"trait_type":"score","value":',
        uint2str(convert(details & 255, uint8)),
        '},{"trait_type":"difficulty","value":',
        uint2str(convert((details >> _DIFFICULTY_SHIFT) & 255, uint8)),
        '},{"trait_type":"issued_block","value":',
        uint2str(convert(details >> _BLOCK_SHIFT, uint64)),
        "}]}",
    )
