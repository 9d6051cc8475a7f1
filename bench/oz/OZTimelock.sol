// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OZTimelock
/// @notice Reference timelock for the governance gas comparison: OpenZeppelin v5's
///         TimelockController unchanged, under its own name so that it is a compilation
///         target of bench/oz (as AzoraTimelock is a thin deployable of snekmate's timelock).
contract OZTimelock is TimelockController {
    /// @param minDelay The minimum delay of an operation, in seconds.
    /// @param proposers The accounts given PROPOSER_ROLE and CANCELLER_ROLE.
    /// @param executors The accounts given EXECUTOR_ROLE.
    /// @param admin The optional DEFAULT_ADMIN_ROLE holder (zero address: none).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
