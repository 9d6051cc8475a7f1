"""Which contracts are indexed, and by which decoder and handler.

`CONTRACTS` is the one list to extend for a new contract: its manifest name, the
decoder factory (from its ABI) and its handler. `load_routes` pairs it with a
deployment manifest: contracts of the manifest without an entry here are skipped
(logged), entries without a deployment are simply not indexed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azora.manifest import DeploymentManifest, load_abi, load_manifest
from indexer.decoders import ContractDecoder
from indexer.decoders import credentials as credentials_decoder
from indexer.decoders import governor as governor_decoder
from indexer.decoders import ledger as ledger_decoder
from indexer.decoders import oracle_hub as oracle_hub_decoder
from indexer.decoders import proof_of_knowledge as pok_decoder
from indexer.decoders import token as token_decoder
from indexer.handlers import Handler
from indexer.handlers.credentials import handler as credentials_handler
from indexer.handlers.governor import handler as governor_handler
from indexer.handlers.governor import timelock_handler
from indexer.handlers.ledger import handler as ledger_handler
from indexer.handlers.oracle_hub import handler as oracle_hub_handler
from indexer.handlers.proof_of_knowledge import handler as pok_handler
from indexer.handlers.token import handler as token_handler

log = logging.getLogger("indexer.registry")

DecoderFactory = Callable[[Iterable[Mapping[str, Any]]], ContractDecoder]

# Manifest name -> (decoder factory, handler). Order = order of apply (rollback runs reversed).
CONTRACTS: dict[str, tuple[DecoderFactory, Handler]] = {
    token_decoder.CONTRACT: (token_decoder.build, token_handler),
    ledger_decoder.CONTRACT: (ledger_decoder.build, ledger_handler),
    oracle_hub_decoder.CONTRACT: (oracle_hub_decoder.build, oracle_hub_handler),
    credentials_decoder.CONTRACT: (credentials_decoder.build, credentials_handler),
    pok_decoder.CONTRACT: (pok_decoder.build, pok_handler),
    # After the token: a proposal's quorum reads the supply history written in the same batch.
    governor_decoder.CONTRACT: (governor_decoder.build, governor_handler),
    # After the governor: a veto (Cancelled) finds its proposal's timelock_id, stored at queueing.
    governor_decoder.TIMELOCK: (governor_decoder.build_timelock, timelock_handler),
}


@dataclass(frozen=True)
class Route:
    """One indexed contract: where it lives and who decodes / projects its logs."""

    contract: str
    address: str  # lowercase
    start_block: int
    decoder: ContractDecoder
    handler: Handler
    slot: int  # position in `Routes.routes`


@dataclass(frozen=True)
class Routes:
    """Every indexed contract of one deployment."""

    manifest: DeploymentManifest
    routes: tuple[Route, ...]
    by_address: dict[str, Route] = field(default_factory=dict)

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    @property
    def addresses(self) -> list[str]:
        """Lowercase addresses, the eth_getLogs filter."""
        return [r.address for r in self.routes]

    @property
    def start_block(self) -> int:
        return min((r.start_block for r in self.routes), default=0)

    @property
    def fingerprint(self) -> str:
        """Identifies the indexed contract set (stored with the cursor)."""
        return ",".join(sorted(f"{r.contract}={r.address}" for r in self.routes))

    @property
    def tables(self) -> list[str]:
        return [t for r in self.routes for t in r.handler.tables]


def build_routes(manifest: DeploymentManifest, manifest_path: Path) -> Routes:
    """Routes for the contracts of `manifest` that the indexer knows."""
    routes: list[Route] = []
    for name, record in manifest.contracts.items():
        entry = CONTRACTS.get(name)
        if entry is None:
            log.warning("contract not indexed (no handler)", extra={"contract": name})
            continue
        factory, handler = entry
        decoder = factory(load_abi(manifest_path, manifest, name))
        routes.append(
            Route(
                contract=name,
                address=record.address.lower(),
                start_block=record.block_number,
                decoder=decoder,
                handler=handler,
                slot=0,
            )
        )
    order = list(CONTRACTS)
    routes.sort(key=lambda r: order.index(r.contract))
    routes = [
        Route(r.contract, r.address, r.start_block, r.decoder, r.handler, slot)
        for slot, r in enumerate(routes)
    ]
    return Routes(manifest=manifest, routes=tuple(routes), by_address={r.address: r for r in routes})


def load_routes(manifest_path: Path) -> Routes:
    """Routes of the deployment manifest at `manifest_path`."""
    return build_routes(load_manifest(manifest_path), manifest_path)
