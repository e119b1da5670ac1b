// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title A token's representation on a chain that is not its home
/// @notice Minted by its gateway when a transfer arrives, burned by it when one leaves.
interface IBridgedToken {
    /// @notice Only the gateway may mint or burn.
    error BridgedTokenOnlyGateway(address caller);
    /// @notice `mintBatch` got lists of different lengths.
    error BridgedTokenLengthMismatch();

    /// @notice The gateway allowed to mint and burn (immutable).
    function GATEWAY() external view returns (address);

    /// @notice The token's address on its home chain (the identity carried in messages).
    function HOME_TOKEN() external view returns (address);

    /// @notice The token's home chain id.
    function HOME_CHAIN_ID() external view returns (uint64);

    /// @notice Mints `amount` to `to`. Gateway only.
    function mint(address to, uint256 amount) external;

    /// @notice Mints `amounts[i]` to `recipients[i]` for every i. Gateway only; one call per
    ///         delivered batch instead of one per transfer.
    function mintBatch(address[] calldata recipients, uint256[] calldata amounts) external;

    /// @notice Burns `amount` from `from`. Gateway only; the user consented by calling `send`.
    function burn(address from, uint256 amount) external;
}
