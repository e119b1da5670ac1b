// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ICanonicalL2Token} from "./ISimRollup.sol";

/// @title CanonicalL2Token (simulated rollup; devnet and tests only)
/// @notice The rollup's own L2 representation of an L1 token (ERC-20 + ERC-2612 permit). Only the
///         L2 token bridge mints (deposits) and burns (withdrawals), so its supply is backed
///         one-to-one by the L1 tokens the L1 bridge holds for it.
contract CanonicalL2Token is ERC20Permit, ICanonicalL2Token {
    /// @inheritdoc ICanonicalL2Token
    address public immutable BRIDGE;
    /// @inheritdoc ICanonicalL2Token
    address public immutable REMOTE_TOKEN;

    uint8 private immutable _DECIMALS;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address bridge,
        address remoteToken
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        BRIDGE = bridge;
        REMOTE_TOKEN = remoteToken;
        _DECIMALS = decimals_;
    }

    modifier onlyBridge() {
        require(msg.sender == BRIDGE, CanonicalTokenOnlyBridge(msg.sender));
        _;
    }

    /// @notice Same decimals as the L1 token.
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc ICanonicalL2Token
    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
    }

    /// @inheritdoc ICanonicalL2Token
    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
    }
}
