"""Chain -> PostgreSQL indexer of the Azora contracts (see docs/indexer.md).

Entry point: `indexer.runner.run_indexer`; ``python -m indexer`` runs it from the environment.
"""
