"""An ETHICS signer's own review: it signs a ProposalReviewed only if it reaches the same review.

The follower (`oracles.ethics.follower`) proposes each review; every ETHICS signer then
checks it independently before signing, so M-of-N means M evaluations, not M signatures of
one evaluation. `ReviewCheck` finds the proposal's ProposalCreated on the deployment's
Governor (its own `eth_getLogs`, not the request or the bus), evaluates it with the signer's
constitution and evaluator on the chain facts at that block, and refuses the request unless
the verdict and the reason hash are its own. A signer running another constitution version
therefore never signs: the review gathers no threshold and nothing reaches the chain.
"""

from __future__ import annotations

from typing import Any

from oracles.collector import SigningRequest
from oracles.ethics.chain import GovernanceChain
from oracles.ethics.evaluator import Context, Evaluator
from oracles.ethics.exceptions import MalformedEventError
from oracles.ethics.proposal import Proposal, proposal_from_event
from oracles.ethics.schema import PROPOSAL_REVIEWED, decode_proposal_reviewed
from oracles.exceptions import InvalidRequestError


class ReviewCheck:
    """The ETHICS signer's check of a ProposalReviewed request (see the module docstring)."""

    def __init__(self, chain: GovernanceChain, evaluator: Evaluator) -> None:
        self.chain = chain
        self.evaluator = evaluator
        self._created: dict[int, tuple[dict[str, Any], int]] = {}
        self._scanned_to: int | None = None

    def __call__(self, request: SigningRequest) -> None:
        """Raise InvalidRequestError unless this signer's own review is the requested one."""
        att = request.attestation
        if att.schema != PROPOSAL_REVIEWED:
            return
        if att.subject.lower() != self.chain.governor_address.lower():
            raise InvalidRequestError(f"the review's subject {att.subject} is not this deployment's Governor")
        proposal_id, verdict, reason_hash = decode_proposal_reviewed(att.data)
        proposal = self.proposal(proposal_id)
        if proposal is None:
            raise InvalidRequestError(f"no ProposalCreated of proposal {proposal_id} on this chain")
        review = self.evaluator.evaluate(
            proposal, Context(book=self.chain.book, facts=self.chain.facts(proposal.block_number))
        )
        if (int(review.verdict), review.reason_hash) != (verdict, reason_hash):
            own = f"verdict {int(review.verdict)}, reason hash 0x{review.reason_hash.hex()}"
            asked = f"verdict {verdict}, reason hash 0x{reason_hash.hex()}"
            raise InvalidRequestError(
                f"this signer's own review of proposal {proposal_id} differs: {own} (constitution "
                f"{review.constitution_version}, evaluator {review.evaluator}); asked to sign {asked}"
            )

    def proposal(self, proposal_id: int) -> Proposal | None:
        """The proposal as its ProposalCreated on chain states it; None if there is none (or the
        Governor no longer knows it: removed by a reorg)."""
        if proposal_id not in self._created:
            self._scan()
        found = self._created.get(proposal_id)
        if found is None or self.chain.proposal_state(proposal_id) is None:
            return None
        args, block_number = found
        try:
            return proposal_from_event(args, block_number, self.chain.book)
        except MalformedEventError as exc:
            raise InvalidRequestError(f"proposal {proposal_id}: {exc}") from exc

    def _scan(self) -> None:
        """Read the Governor's ProposalCreated logs not read yet."""
        start = self.chain.deployed_at if self._scanned_to is None else self._scanned_to + 1
        created, head = self.chain.proposals_created(start)
        for args, block_number in created:
            self._created[int(args["proposalId"])] = (args, block_number)
        self._scanned_to = head
