"""AzoraToken projection: transfers, balances, supply, delegations and voting power.

Pure part: `transfer_rows`, `delegation_rows`, `votes_rows` turn decoded events into
table rows. SQL part: after the rows are COPYed, balances, supply and the "current"
delegation / votes tables are derived from the batch's rows in one statement each.
Rollback deletes the event rows above the fork and reverses their effect on the
aggregates (balance deltas subtracted; current delegation / votes restored from the
latest surviving history row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from indexer.decoders import Event
from indexer.decoders.token import CONTRACT
from indexer.handlers import ZERO_ADDRESS, Db

TRANSFER_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "from_address",
    "to_address",
    "amount",
    "block_timestamp",
)
DELEGATION_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "delegator",
    "from_delegate",
    "to_delegate",
    "block_timestamp",
)
VOTES_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "delegate",
    "previous_votes",
    "new_votes",
    "block_timestamp",
)

Row = tuple[Any, ...]


def transfer_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """token_transfers rows of the `Transfer` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["sender"],
            e.args["receiver"],
            e.args["value"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "Transfer"
    ]


def delegation_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """token_delegation_changes rows of the `DelegateChanged` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["delegator"],
            e.args["fromDelegate"],
            e.args["toDelegate"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "DelegateChanged"
    ]


def votes_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """token_votes_history rows of the `DelegateVotesChanged` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["delegate"],
            e.args["previousVotes"],
            e.args["newVotes"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "DelegateVotesChanged"
    ]


_RANGE = "chain_id = :chain_id AND block_number BETWEEN :lo AND :hi"

_APPLY_BALANCES = f"""
INSERT INTO token_balances (chain_id, account, balance)
SELECT :chain_id, account, sum(delta) FROM (
    SELECT to_address AS account, amount AS delta FROM token_transfers
     WHERE {_RANGE} AND to_address <> :zero
    UNION ALL
    SELECT from_address, -amount FROM token_transfers
     WHERE {_RANGE} AND from_address <> :zero
) AS moves GROUP BY account
ON CONFLICT (chain_id, account) DO UPDATE SET balance = token_balances.balance + EXCLUDED.balance
"""

_APPLY_SUPPLY = f"""
INSERT INTO token_supply (chain_id, block_number, total_supply, minted, burned)
SELECT :chain_id, block_number,
       coalesce((SELECT total_supply FROM token_supply
                  WHERE chain_id = :chain_id AND block_number < :lo
                  ORDER BY block_number DESC LIMIT 1), 0)
       + sum(minted - burned) OVER (ORDER BY block_number),
       minted, burned
FROM (
    SELECT block_number,
           sum(CASE WHEN from_address = :zero THEN amount ELSE 0 END) AS minted,
           sum(CASE WHEN to_address = :zero THEN amount ELSE 0 END) AS burned
      FROM token_transfers
     WHERE {_RANGE} AND (from_address = :zero OR to_address = :zero)
     GROUP BY block_number
) AS per_block
"""

_APPLY_DELEGATIONS = f"""
INSERT INTO token_delegations (chain_id, delegator, delegate, block_number, log_index)
SELECT DISTINCT ON (delegator) chain_id, delegator, to_delegate, block_number, log_index
  FROM token_delegation_changes WHERE {_RANGE}
 ORDER BY delegator, block_number DESC, log_index DESC
ON CONFLICT (chain_id, delegator) DO UPDATE
   SET delegate = EXCLUDED.delegate, block_number = EXCLUDED.block_number, log_index = EXCLUDED.log_index
"""

_APPLY_VOTES = f"""
INSERT INTO token_votes (chain_id, delegate, votes, block_number, log_index)
SELECT DISTINCT ON (delegate) chain_id, delegate, new_votes, block_number, log_index
  FROM token_votes_history WHERE {_RANGE}
 ORDER BY delegate, block_number DESC, log_index DESC
ON CONFLICT (chain_id, delegate) DO UPDATE
   SET votes = EXCLUDED.votes, block_number = EXCLUDED.block_number, log_index = EXCLUDED.log_index
"""

_ROLLBACK_BALANCE_DELTAS = """
SELECT account, sum(delta) AS delta FROM (
    SELECT to_address AS account, amount AS delta FROM token_transfers
     WHERE chain_id = :chain_id AND block_number > :fork AND to_address <> :zero
    UNION ALL
    SELECT from_address, -amount FROM token_transfers
     WHERE chain_id = :chain_id AND block_number > :fork AND from_address <> :zero
) AS moves GROUP BY account
"""

_SUBTRACT_BALANCES = """
UPDATE token_balances AS b SET balance = b.balance - d.delta
  FROM unnest(CAST(:accounts AS varchar[]), CAST(:deltas AS numeric[])) AS d(account, delta)
 WHERE b.chain_id = :chain_id AND b.account = d.account
"""

# An account whose every transfer was rolled back does not exist in a fresh index.
_DROP_UNSEEN_BALANCES = """
DELETE FROM token_balances AS b
 WHERE b.chain_id = :chain_id AND b.account = ANY(CAST(:accounts AS varchar[])) AND b.balance = 0
   AND NOT EXISTS (SELECT 1 FROM token_transfers t
                    WHERE t.chain_id = :chain_id AND t.to_address = b.account)
   AND NOT EXISTS (SELECT 1 FROM token_transfers t
                    WHERE t.chain_id = :chain_id AND t.from_address = b.account)
"""

_RESTORE_DELEGATIONS = """
INSERT INTO token_delegations (chain_id, delegator, delegate, block_number, log_index)
SELECT DISTINCT ON (delegator) chain_id, delegator, to_delegate, block_number, log_index
  FROM token_delegation_changes
 WHERE chain_id = :chain_id AND delegator = ANY(CAST(:accounts AS varchar[]))
 ORDER BY delegator, block_number DESC, log_index DESC
"""

_RESTORE_VOTES = """
INSERT INTO token_votes (chain_id, delegate, votes, block_number, log_index)
SELECT DISTINCT ON (delegate) chain_id, delegate, new_votes, block_number, log_index
  FROM token_votes_history
 WHERE chain_id = :chain_id AND delegate = ANY(CAST(:accounts AS varchar[]))
 ORDER BY delegate, block_number DESC, log_index DESC
"""


class TokenHandler:
    """Projects AzoraToken events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = (
        "token_transfers",
        "token_balances",
        "token_supply",
        "token_delegation_changes",
        "token_delegations",
        "token_votes_history",
        "token_votes",
    )

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's transfers / delegations / votes and update the aggregates."""
        bounds = {"lo": from_block, "hi": to_block, "zero": ZERO_ADDRESS}
        transfers = transfer_rows(db.chain_id, events)
        if transfers:
            db.copy("token_transfers", TRANSFER_COLUMNS, transfers)
            db.execute(_APPLY_BALANCES, bounds)
            db.execute(_APPLY_SUPPLY, bounds)
        delegations = delegation_rows(db.chain_id, events)
        if delegations:
            db.copy("token_delegation_changes", DELEGATION_COLUMNS, delegations)
            db.execute(_APPLY_DELEGATIONS, bounds)
        votes = votes_rows(db.chain_id, events)
        if votes:
            db.copy("token_votes_history", VOTES_COLUMNS, votes)
            db.execute(_APPLY_VOTES, bounds)

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every token event above `fork_block`."""
        fork = {"fork": fork_block, "zero": ZERO_ADDRESS}
        deltas = db.execute(_ROLLBACK_BALANCE_DELTAS, fork).all()
        db.execute("DELETE FROM token_transfers WHERE chain_id = :chain_id AND block_number > :fork", fork)
        if deltas:
            accounts = [row.account for row in deltas]
            db.execute(_SUBTRACT_BALANCES, {"accounts": accounts, "deltas": [row.delta for row in deltas]})
            db.execute(_DROP_UNSEEN_BALANCES, {"accounts": accounts})
        db.execute("DELETE FROM token_supply WHERE chain_id = :chain_id AND block_number > :fork", fork)

        db.execute(
            "DELETE FROM token_delegation_changes WHERE chain_id = :chain_id AND block_number > :fork", fork
        )
        gone = db.execute(
            "DELETE FROM token_delegations WHERE chain_id = :chain_id AND block_number > :fork"
            " RETURNING delegator",
            fork,
        ).scalars()
        if delegators := list(gone):
            db.execute(_RESTORE_DELEGATIONS, {"accounts": delegators})

        db.execute(
            "DELETE FROM token_votes_history WHERE chain_id = :chain_id AND block_number > :fork", fork
        )
        gone = db.execute(
            "DELETE FROM token_votes WHERE chain_id = :chain_id AND block_number > :fork RETURNING delegate",
            fork,
        ).scalars()
        if delegates := list(gone):
            db.execute(_RESTORE_VOTES, {"accounts": delegates})


handler = TokenHandler()
