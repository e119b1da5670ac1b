// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IBridgedToken} from "../interfaces/IBridgedToken.sol";

/// @title BridgedToken
/// @notice ERC-20 (+ ERC-2612 permit) copy of a token whose home is another chain. Only its
///         gateway mints and burns, so its total supply is exactly what the bridge minted here.
contract BridgedToken is ERC20Permit, IBridgedToken {
    /// @inheritdoc IBridgedToken
    address public immutable GATEWAY;
    /// @inheritdoc IBridgedToken
    address public immutable HOME_TOKEN;
    /// @inheritdoc IBridgedToken
    uint64 public immutable HOME_CHAIN_ID;

    uint8 private immutable _DECIMALS;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address gateway,
        address homeToken,
        uint64 homeChainId
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        GATEWAY = gateway;
        HOME_TOKEN = homeToken;
        HOME_CHAIN_ID = homeChainId;
        _DECIMALS = decimals_;
    }

    modifier onlyGateway() {
        require(msg.sender == GATEWAY, BridgedTokenOnlyGateway(msg.sender));
        _;
    }

    /// @notice Same decimals as the home token, so amounts mean the same everywhere.
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    /// @inheritdoc IBridgedToken
    function mint(address to, uint256 amount) external onlyGateway {
        _mint(to, amount);
    }

    /// @inheritdoc IBridgedToken
    function mintBatch(address[] calldata recipients, uint256[] calldata amounts) external onlyGateway {
        uint256 n = recipients.length;
        require(amounts.length == n, BridgedTokenLengthMismatch());
        for (uint256 i = 0; i < n; ++i) {
            _mint(recipients[i], amounts[i]);
        }
    }

    /// @inheritdoc IBridgedToken
    function burn(address from, uint256 amount) external onlyGateway {
        _burn(from, amount);
    }
}
