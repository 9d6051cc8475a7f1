// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title OZToken
/// @notice Reference token for the governance gas comparison (bench/gas_governance.py):
///         OpenZeppelin v5 ERC20 + ERC20Permit + ERC20Votes with the default block-number
///         clock, the same name, symbol and EIP-712 domain as AzoraToken. Nothing else:
///         the numbers measure OpenZeppelin's own transfer and delegation paths.
contract OZToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice Mints the genesis allocation, as AzoraToken's constructor does.
    /// @param recipients The genesis recipients.
    /// @param amounts The amount (in wei) minted to each recipient.
    constructor(address[] memory recipients, uint256[] memory amounts) ERC20("Azora", "AZR") ERC20Permit("Azora") {
        require(recipients.length == amounts.length, "token: genesis length mismatch");
        for (uint256 i = 0; i < recipients.length; ++i) {
            _mint(recipients[i], amounts[i]);
        }
    }

    /// @dev Balance and vote bookkeeping (required override: ERC20 and ERC20Votes).
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
