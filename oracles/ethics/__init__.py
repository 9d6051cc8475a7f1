"""The ethics oracle ("constitutional review"): follows the event bus for the AzoraGovernor's
ProposalCreated, evaluates each proposal's description and calls against the versioned
constitution (`constitution.yaml`; pluggable evaluator, deterministic rules by default),
stores the reasons in PostgreSQL (``ethics_reviews``) and hands a ``ProposalReviewed``
attestation (verdict + keccak of the reasons) to the ETHICS signers and the submitter."""
