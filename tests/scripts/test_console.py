"""The `ape console` extras over a default deployment: the governance helpers drive a
proposal from the console through execution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ape
import pytest

import ape_console_extras
from azora.deploy import deploy
from azora.exceptions import AzoraError
from azora.profiles import dev_profile
from azora.settings import get_settings

AZR = 10**18


@pytest.fixture
def console(
    project: Any, chain: Any, networks: Any, accounts: Any, deployer: Any, tmp_path: Path, monkeypatch
) -> Iterator[dict[str, Any]]:
    """The names `ape console` would preload, for a fresh default deployment."""
    deploy(
        project=project,
        provider=chain.provider,
        deployer=deployer,
        profile=dev_profile(),
        network="local",
        manifest_path=tmp_path / "local.json",
    )
    monkeypatch.setenv("AZORA_DEPLOYMENTS_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield ape_console_extras.ape_init_extras(project, chain, networks, ape.accounts)
    get_settings.cache_clear()


def test_console__governance_helpers__change_a_parameter_end_to_end(console, governance, alice, deployer):
    c = console
    for holder in (governance, alice):
        c["delegate"](holder, holder)
    before = c["pok"].epoch_budget()

    pid = c["propose"](
        [("ProofOfKnowledge", "set_daily_cap", ["2500 AZR"])],
        "Raise the daily cap\nRationale: longer courses.",
        sender=governance,
    )
    assert c["proposal"](pid)["state"] == "PENDING"
    assert c["advance"](pid) == "ACTIVE"
    c["vote"](pid, "for", sender=governance, reason="yes")
    c["vote"](pid, "against", sender=alice)
    assert c["proposal"](pid)["votes"] == {"for": 10_000_000 * AZR, "against": 10_000_000 * AZR, "abstain": 0}
    assert c["advance"](pid) == "DEFEATED"  # a tie is not a majority

    pid = c["propose"](
        [("ProofOfKnowledge", "set_daily_cap", ["2500 AZR"])], "Raise the daily cap, again", sender=alice
    )
    c["advance"](pid)
    c["vote"](pid, "for", sender=governance)
    c["vote"](pid, "abstain", sender=alice)
    assert c["advance"](pid) == "SUCCEEDED"
    c["queue"](pid)
    assert c["proposal"](pid)["state"] == "QUEUED"
    with ape.reverts():
        c["execute"](pid)  # the Timelock delay has not passed
    assert c["advance"](pid) == "QUEUED"
    c["execute"](pid)
    assert c["proposal"](pid)["state"] == "EXECUTED"
    assert c["pok"].daily_cap() == 2_500 * AZR
    assert c["pok"].epoch_budget() == before
    # The console's own admin helpers no longer work: the deployer holds no role.
    with ape.reverts("token: caller is not a minter"):
        c["mint"](deployer, 1)


def test_console__proposal_with_a_bad_action__refused_before_sending(console, governance):
    nonce = governance.nonce
    with pytest.raises(AzoraError, match="action 1: unknown contract 'Treasury'"):
        console["propose"]([("Treasury", "pay", [1])], "Pay", sender=governance)
    with pytest.raises(ValueError, match="pass a description"):
        console["propose"]([("ProofOfKnowledge", "set_daily_cap", [1])], sender=governance)
    assert governance.nonce == nonce
