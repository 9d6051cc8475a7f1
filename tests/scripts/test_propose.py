"""`ape run propose` and the GovernorClient over a default deployment (the Timelock is admin):
a YAML proposal goes through the whole lifecycle and changes ProofOfKnowledge's epoch budget."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from azora.deploy import deploy
from azora.governance import GovernorClient, ProposalState, Support, load_proposal
from azora.manifest import DeploymentManifest
from azora.profiles import dev_profile
from azora.settings import PROJECT_ROOT

AZR = 10**18
BUDGET_PROPOSAL = """\
description: |
  # Raise the ProofOfKnowledge epoch budget to 2M AZR
  Rationale: course completions are growing faster than the budget.
actions:
  - contract: ProofOfKnowledge
    function: set_epoch_budget
    args: ["2000000 AZR"]
"""


@pytest.fixture
def deployed(project: Any, chain: Any, deployer: Any, tmp_path: Path) -> tuple[DeploymentManifest, Path]:
    path = tmp_path / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=deployer,
        profile=dev_profile(),
        network="local",
        manifest_path=path,
    )
    return outcome.manifest, path


@pytest.fixture
def proposal_file(tmp_path: Path) -> Path:
    path = tmp_path / "budget.yaml"
    path.write_text(BUDGET_PROPOSAL)
    return path


def test_governor_client__yaml_proposal__runs_the_whole_lifecycle(
    project, chain, deployed, proposal_file, governance, alice, bob, deployer
):
    manifest, manifest_path = deployed
    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    pok = project.ProofOfKnowledge.at(manifest.address("ProofOfKnowledge"))
    governor = project.AzoraGovernor.at(manifest.address("AzoraGovernor"))
    for holder in (governance, alice, bob):
        token.invoke_transaction("delegate", holder, sender=holder)
    chain.mine(1)
    client = GovernorClient(governor, chain, manifest.contract("AzoraGovernor").block_number)
    proposal = load_proposal(proposal_file, manifest, manifest_path)

    pid = client.propose(proposal, governance)
    assert client.state(pid) is ProposalState.PENDING
    assert client.proposal(pid) == proposal.__class__(
        actions=tuple(a.__class__(a.target, a.value, a.calldata, "") for a in proposal.actions),
        description=proposal.description,
    )
    client.mine_until_active(pid)
    assert client.state(pid) is ProposalState.ACTIVE
    client.vote(pid, Support.FOR, alice, reason="more learners")
    client.vote(pid, Support.AGAINST, bob)
    client.vote(pid, Support.FOR, governance)
    client.mine_until_closed(pid)
    assert client.state(pid) is ProposalState.SUCCEEDED
    client.queue(pid, deployer)  # anyone may queue and execute
    assert client.state(pid) is ProposalState.QUEUED
    client.wait_for_eta(pid)
    client.execute(pid, deployer)

    assert client.state(pid) is ProposalState.EXECUTED
    assert pok.epoch_budget() == 2_000_000 * AZR
    summary = client.summary(pid)
    assert summary["votes"] == {"for": 20_000_000 * AZR, "against": 10_000_000 * AZR, "abstain": 0}
    assert summary["state"] == "EXECUTED"


def _run(argv: list[str], chain: Any, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri, "AZORA_DEPLOYMENTS_DIR": str(tmp_path)}
    ape = str(Path(sys.executable).parent / "ape")
    return subprocess.run(
        [ape, "run", "propose", *argv, "--network", "ethereum:local:foundry"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_ape_run_propose__without_votes_then_delegated__refused_then_proposed(
    project, chain, deployed, proposal_file, governance, tmp_path
):
    manifest, manifest_path = deployed
    governor = project.AzoraGovernor.at(manifest.address("AzoraGovernor"))
    expected_id = load_proposal(proposal_file, manifest, manifest_path).id

    dry = _run([str(proposal_file), "--dry-run"], chain, tmp_path)
    assert dry.returncode == 0, dry.stderr + dry.stdout
    assert f"proposal {expected_id}" in dry.stdout
    assert "ProofOfKnowledge.set_epoch_budget(2000000000000000000000000)" in dry.stdout

    refused = _run([str(proposal_file)], chain, tmp_path)  # test account 1 has tokens but no votes yet
    assert refused.returncode != 0
    assert "delegate to yourself first" in refused.stderr + refused.stdout
    assert governor.proposalSnapshot(expected_id) == 0

    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    token.invoke_transaction("delegate", governance, sender=governance)
    chain.mine(1)
    proposed = _run([str(proposal_file)], chain, tmp_path)
    assert proposed.returncode == 0, proposed.stderr + proposed.stdout
    assert f"proposed by {governance.address}: state PENDING" in proposed.stdout
    assert governor.proposalProposer(expected_id) == governance.address


def test_ape_run_propose__bad_file__clear_error_nothing_sent(chain, deployed, tmp_path, governance):
    bad = tmp_path / "bad.yaml"
    bad.write_text("description: x\nactions:\n  - contract: ProofOfKnowledge\n    function: set_budget\n")
    nonce = governance.nonce
    result = _run([str(bad)], chain, tmp_path)
    assert result.returncode != 0
    assert "action 1: no function 'set_budget' in the ABI" in result.stderr + result.stdout
    assert governance.nonce == nonce
