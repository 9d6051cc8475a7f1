"""ERC-1271 contract signers off-chain: a signer process signs for a contract wallet in the hub's
signer set (`--as-contract`), the relay checks the entry with the wallet (`isValidSignature`)
before packing it, and the hub accepts the attestation. On anvil with a test wallet
(contracts/test/TestERC1271Signer.vy) that accepts its owner's signature of the digest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oracles.eip712 import Attestation, ContractSignature, attestation_digest, domain_id, sign_digest
from oracles.relay import Relay
from oracles.signer import parse_args
from tests.oracles.conftest import (
    DOMAIN,
    Stack,
    add_completions,
    assert_confirmed_once,
    run_relay,
    submissions,
)
from tests.oracles.test_relay import signed_now

WALLET = "0x" + "11" * 20
RunSigners = Callable[..., None]
MakeRelay = Callable[..., Relay]


@pytest.fixture
def wallet(project: Any, accounts: Any, hub: Any, signer_accounts: list[Any]) -> Any:
    """A contract wallet owned by dev key 2, put with dev key 0 in EDUCATION's set (2-of-2)."""
    wallet = project.TestERC1271Signer.deploy(signer_accounts[2].address, sender=accounts[0])
    hub.set_signers(domain_id(DOMAIN), [signer_accounts[0].address, wallet.address], 2, sender=accounts[0])
    return wallet


def test_contract_signer__key_signs_for_the_wallet__attestation_confirmed_with_its_entry(
    stack: Stack,
    hub: Any,
    wallet: Any,
    oracle_settings: Any,
    signer_accounts: list[Any],
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 2)]
    run_signers(indexes=(0,))
    run_signers(indexes=(2,), contracts={signer_accounts[2].address: wallet.address})
    relay = make_relay()
    signed_now(relay, uids)
    rows = submissions(oracle_settings)
    for uid in uids:  # the packed entries: key 0's ECDSA signature and the wallet's (v = 0) entry
        packed = bytes(rows[uid].signatures or b"")
        static = [packed[i * 65 : (i + 1) * 65] for i in range(2)]
        wallet_entry = next(e for e in static if e[64] == 0)
        assert int.from_bytes(wallet_entry[:32], "big") == int(wallet.address, 16)
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)


def test_contract_signer__entry_the_wallet_refuses__never_packed(
    stack: Stack,
    hub: Any,
    wallet: Any,
    oracle_settings: Any,
    signer_accounts: list[Any],
    make_relay: MakeRelay,
) -> None:
    relay = make_relay()
    signer_set = relay.hub.signer_set(DOMAIN)
    (completion,) = add_completions(oracle_settings, 1)
    row = submissions(oracle_settings)[completion.uid]
    att = Attestation(
        schema=bytes.fromhex(row.schema[2:]),
        uid=bytes.fromhex(completion.uid[2:]),
        subject=row.subject,
        data=bytes(row.data),
        deadline=relay.hub.chain_time() + 3_600,
        epoch=signer_set.epoch,
    )
    digest = attestation_digest(stack.domain, att)
    collector = relay.collector
    collector.add(att.uid, digest, sign_digest(signer_accounts[0], digest))
    # Signed by key 1, which the wallet does not accept: stored, but refused when assembled.
    forged = ContractSignature(wallet.address, sign_digest(signer_accounts[1], digest).signature)
    collector.add(att.uid, digest, forged)
    assert collector.assemble(att.uid, digest, signer_set) is None
    valid = collector.valid_entries(att.uid, digest, signer_set)
    assert [e.signer for e in valid] == [signer_accounts[0].address]
    genuine = ContractSignature(wallet.address, sign_digest(signer_accounts[2], digest).signature)
    collector.add(att.uid, digest, genuine)
    packed = collector.assemble(att.uid, digest, signer_set)
    assert packed is not None and relay.hub.check([(att, packed)]) == [0]  # the hub's own verdict
    checks = [(wallet.address, digest, genuine.data), (wallet.address, digest, forged.data)]
    checks.append((stack.hub_address, digest, genuine.data))  # a contract without isValidSignature
    assert relay.hub.contract_signatures_valid(checks) == [True, False, False]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--all", "--as-contract", WALLET], "exactly one key"),
        (["--index", "0", "--index", "1", "--as-contract", WALLET], "exactly one key"),
        (["--index", "0", "--as-contract", "0x1234"], "is not an address"),
    ],
)
def test_signer_cli__as_contract_misused__usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--domain", "EDUCATION", *argv])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
