"""Why a relay request is refused, as RFC 9457 problems (`api.exceptions.ApiError` subclasses).

Nothing is sent to the chain when one of these is raised: every check runs, and the call is
simulated, before the relayer signs anything. Each docstring says what happened and how the
caller fixes it.
"""

from __future__ import annotations

from api.exceptions import ApiError


class RelayRejectedError(ApiError):
    """The signed payload cannot be relayed as it is (the detail says why). Fix it and sign again."""

    status = 422
    title = "Relay rejected"
    slug = "relay-rejected"


class InvalidSignatureError(RelayRejectedError):
    """The signature is malformed, has a high `s` (malleable), cannot be recovered, or recovers to
    another address than the one the request names. Sign the exact typed data again, with the
    domain of this chain and contract (`eip712Domain()`), the current nonce and a low-s signer."""

    title = "Invalid signature"
    slug = "invalid-signature"


class StaleNonceError(RelayRejectedError):
    """The signed nonce is not the signer's current nonce on the contract (a permit, delegation or
    vote used it, or it is ahead). Read `nonces(signer)` and sign again with that value."""

    title = "Stale nonce"
    slug = "stale-nonce"


class SignatureExpiredError(RelayRejectedError):
    """The signed expiry is before the latest block's timestamp. Sign again with a later expiry."""

    title = "Signature expired"
    slug = "signature-expired"


class NothingToRelayError(RelayRejectedError):
    """The relayed call would change nothing the relayer should pay for (e.g. a delegator without
    AZR). Use a funded account, or send the transaction yourself."""

    title = "Nothing to relay"
    slug = "nothing-to-relay"


class UnknownProposalError(RelayRejectedError):
    """The governor has no proposal with this id. Check the id (it is `hashProposal(...)`)."""

    title = "Unknown proposal"
    slug = "unknown-proposal"


class ProposalNotActiveError(RelayRejectedError):
    """Votes are accepted only while the proposal is Active (between its snapshot and deadline);
    the detail names its current state. Wait for the voting period, or it is over."""

    title = "Proposal not active"
    slug = "proposal-not-active"


class NoVotingWeightError(RelayRejectedError):
    """The voter had no votes at the proposal's snapshot (votes count only once delegated, and only
    from checkpoints before the snapshot). Delegate before the next proposal's snapshot."""

    title = "No voting weight"
    slug = "no-voting-weight"


class UnsupportedFieldError(RelayRejectedError):
    """The request uses a feature this deployment cannot relay (the detail names it). Drop the
    field, or send the corresponding transaction yourself through `POST /v1/tx`."""

    title = "Unsupported field"
    slug = "unsupported-field"


class AlreadyDoneError(ApiError):
    """The effect is already in place (the voter already voted on this proposal, or the account
    already delegates to this delegatee): relaying would only burn gas."""

    status = 409
    title = "Already done"
    slug = "already-done"


class InvalidTransactionError(RelayRejectedError):
    """The raw transaction cannot be decoded, is of an unsupported type (only legacy EIP-155,
    EIP-2930 and EIP-1559 are relayed), or its signature does not recover. Re-sign it with a wallet."""

    title = "Invalid transaction"
    slug = "invalid-transaction"


class WrongChainError(RelayRejectedError):
    """The transaction is signed for another chain id (or for none: pre-EIP-155). Sign it for the
    chain id in the problem's `expected_chain_id`."""

    title = "Wrong chain"
    slug = "wrong-chain"


class TargetNotAllowedError(ApiError):
    """The transaction does not call an Azora contract of this deployment (or it deploys a
    contract). This endpoint relays only calls to the manifest's contracts; send anything else
    through your own node."""

    status = 403
    title = "Target not allowed"
    slug = "target-not-allowed"


class GasCapExceededError(RelayRejectedError):
    """The transaction's gas limit (or the call's estimate) exceeds the relay cap, in the problem's
    `max_gas`. Lower the gas limit; calls needing more are not relayed."""

    title = "Gas cap exceeded"
    slug = "gas-cap-exceeded"


class SimulationRevertedError(RelayRejectedError):
    """Simulating the call on the latest block reverted; the problem's `revert_reason` is the
    contract's reason. Fix what the reason says, sign again."""

    title = "Simulation reverted"
    slug = "simulation-reverted"


class NodeRefusedError(RelayRejectedError):
    """The node refused the transaction (nonce too low, insufficient funds, fee below the base
    fee, ...); the detail quotes it. Re-sign with a fresh nonce and fees."""

    title = "Node refused the transaction"
    slug = "node-refused"


class RelayUnavailableError(ApiError):
    """The relay cannot work right now: no RPC node, no deployment manifest or relayer keystore,
    the node serves another chain, the relayer is out of funds, or fees are above the relayer's
    cap. The detail says which; retry after `Retry-After` seconds or fix the configuration."""

    status = 503
    title = "Relay unavailable"
    slug = "relay-unavailable"
