"""Signed oracles: EIP-712 attestations for the OracleHub, signer keys, M-of-N collection, the
Celery submitter, and one module per oracle (education, ...). See docs/oracles.md."""
