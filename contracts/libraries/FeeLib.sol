// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeLib
/// @notice The arithmetic of delivery fees: destination gas priced in the source chain's native
///         token, and the bounds a fee updater must stay within. Everything rounds in the
///         relayers' favour (up), so a quote always covers what it prices.
library FeeLib {
    /// @notice `exchangeRate` of two chains with the same native token.
    uint256 internal constant RATE_ONE = 1e18;
    uint256 private constant BPS = 10_000;

    /// @notice Source wei for `destWei` destination wei at `exchangeRate` (rounded up).
    function toSource(uint256 destWei, uint96 exchangeRate) internal pure returns (uint256) {
        return Math.mulDiv(destWei, exchangeRate, RATE_ONE, Math.Rounding.Ceil);
    }

    /// @notice What delivering one message costs, without drop-off: its destination gas at
    ///         `gasPrice`, converted, plus `flatFee`.
    function deliveryFee(
        uint32 gasPerMessage,
        uint64 gasPrice,
        uint96 exchangeRate,
        uint64 flatFee
    ) internal pure returns (uint256) {
        return toSource(uint256(gasPerMessage) * gasPrice, exchangeRate) + flatFee;
    }

    /// @notice What a drop-off of `dropOff` destination wei adds to a quote: the native tokens
    ///         themselves and the gas of handing them over (`dropOffGas` at `gasPrice`), converted.
    function dropOffFee(
        uint128 dropOff,
        uint32 dropOffGas,
        uint64 gasPrice,
        uint96 exchangeRate
    ) internal pure returns (uint256) {
        return toSource(uint256(dropOff) + uint256(dropOffGas) * gasPrice, exchangeRate);
    }

    /// @notice True when moving a value from `from` to `to` is a step of at most `bps` basis
    ///         points, multiplicatively: `from / (1 + bps/1e4) <= to <= from * (1 + bps/1e4)`.
    ///         From zero, only zero is in bounds (governance sets a starting value).
    function withinStep(uint256 from, uint256 to, uint16 bps) internal pure returns (bool) {
        uint256 scale = BPS + bps;
        return to * BPS <= from * scale && to * scale >= from * BPS;
    }
}
