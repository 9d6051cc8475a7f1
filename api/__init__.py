"""Azora REST API: FastAPI over the indexer's PostgreSQL tables (`create_app` in api.main)."""
