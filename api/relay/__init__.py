"""Wallet-signed writes: the API relays what users sign, and never holds a user's key.

* `POST /v1/delegations`: an ERC-5805 `delegateBySig` payload, sent by the API relayer (it pays gas).
* `POST /v1/governance/votes`: a `castVoteBySig` ballot, sent by the API relayer.
* `POST /v1/tx`: a transaction the user signed in full (and pays for), broadcast only when it
  targets an Azora contract of the manifest, on our chain, within the gas cap.

Modules: `signatures` (EIP-712 digests, secp256k1 recovery), `transactions` (raw transaction
decoding), `contracts` (the few token / governor views read over JSON-RPC), `relayer` (the
relayer key: nonces, fees, gas, broadcast), `keys` (its keystore), `service` (the checks of each
endpoint), `exceptions` (the problem+json answers). The routes are in `api/routes/relay.py`.
"""
