"""Compile the OpenZeppelin reference contracts of bench/oz with solcjs (the npm `solc` package).

    python bench/solc.py          # compile (or reuse the cache) and print what was built

No native solc can be installed here, so the compiler is the pinned npm `solc` (Emscripten
build) run by node: a short script reads standard-JSON input on stdin, resolves imports
(`@openzeppelin/contracts/...`) from node_modules, and prints solc's standard-JSON output.
Both packages are exact-pinned devDependencies in package.json.

The output is cached under bench/results/solc/ (gitignored), keyed by a hash of the input
(sources, settings) and the compiler version, so a rerun with unchanged sources is instant.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
OZ_SOURCES = Path(__file__).resolve().parent / "oz"
CACHE = Path(__file__).resolve().parent / "results" / "solc"

# The settings of the comparison: optimizer on (200 runs, solc's default when enabled), the
# legacy pipeline (not via-IR, as OpenZeppelin's own gas reports), and the EVM version Vyper
# 0.4.3 targets by default, which anvil 1.7.1 runs.
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 200
OZ_CONTRACTS = ("OZToken", "OZGovernor", "OZTimelock")

# Reads standard JSON on stdin, writes standard JSON on stdout. argv[1]: import roots (JSON list).
_NODE_SCRIPT = r"""
const fs = require("fs");
const path = require("path");
const solc = require("solc");
const roots = JSON.parse(process.argv[1]);
function findImports(name) {
  for (const root of roots) {
    const file = path.join(root, name);
    if (fs.existsSync(file)) return { contents: fs.readFileSync(file, "utf8") };
  }
  return { error: "not found: " + name };
}
const input = fs.readFileSync(0, "utf8");
if (input === "--version") process.stdout.write(solc.version());
else process.stdout.write(solc.compile(input, { import: findImports }));
"""


class CompileError(RuntimeError):
    """solcjs reported errors (or could not run)."""


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its ABI and creation bytecode (0x-prefixed hex)."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise CompileError("node is not on PATH (it runs the npm solc package)")
    if not (NODE_MODULES / "solc").is_dir() or not (NODE_MODULES / "@openzeppelin" / "contracts").is_dir():
        raise CompileError("node_modules lacks solc or @openzeppelin/contracts: run `make install`")
    return node


def _run_solcjs(stdin: str) -> str:
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    done = subprocess.run(
        [_node(), "-e", _NODE_SCRIPT, json.dumps([str(NODE_MODULES), str(OZ_SOURCES)])],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise CompileError(f"solcjs failed ({done.returncode}): {done.stderr.strip()}")
    # Some solcjs builds print ">>> ..." notices on stdout before the JSON: keep the JSON only.
    lines = [line for line in done.stdout.splitlines() if not line.startswith(">>>")]
    return "\n".join(lines)


def solc_version() -> str:
    """The long version string of the pinned solcjs, e.g. ``0.8.37+commit.f401782d.Emscripten.clang``."""
    return _run_solcjs("--version").strip()


def oz_version() -> str:
    """The version of the installed ``@openzeppelin/contracts`` package."""
    package = json.loads((NODE_MODULES / "@openzeppelin" / "contracts" / "package.json").read_text())
    return str(package["version"])


def standard_input() -> dict[str, Any]:
    """The standard-JSON input: every ``bench/oz/*.sol`` with the comparison's settings."""
    return {
        "language": "Solidity",
        "sources": {p.name: {"content": p.read_text()} for p in sorted(OZ_SOURCES.glob("*.sol"))},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }


def compile_oz(*, use_cache: bool = True) -> dict[str, Artifact]:
    """Compile bench/oz (or load the cached output); returns the artifacts by contract name."""
    source = json.dumps(standard_input(), sort_keys=True)
    version = solc_version()
    key = hashlib.sha256(f"{version}\n{oz_version()}\n{source}".encode()).hexdigest()[:16]
    cached = CACHE / f"oz-{key}.json"
    if use_cache and cached.is_file():
        output: dict[str, Any] = json.loads(cached.read_text())
    else:
        output = json.loads(_run_solcjs(source))
        errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
        if errors:
            raise CompileError("\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
        CACHE.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(output))
    artifacts: dict[str, Artifact] = {}
    for file_contracts in output["contracts"].values():
        for name, compiled in file_contracts.items():
            if name in OZ_CONTRACTS:
                bytecode = "0x" + compiled["evm"]["bytecode"]["object"]
                artifacts[name] = Artifact(name=name, abi=compiled["abi"], bytecode=bytecode)
    missing = set(OZ_CONTRACTS) - set(artifacts)
    if missing:
        raise CompileError(f"solc output lacks {sorted(missing)}")
    return artifacts


def main() -> None:
    artifacts = compile_oz()
    print(f"solc {solc_version()}, @openzeppelin/contracts {oz_version()}, evm {EVM_VERSION}")  # noqa: T201
    for artifact in artifacts.values():
        size = (len(artifact.bytecode) - 2) // 2
        print(f"  {artifact.name}: {size:,} bytes of creation code")  # noqa: T201


if __name__ == "__main__":
    main()
