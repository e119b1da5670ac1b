// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title NonceBitmap
/// @notice One bit per 64-bit nonce: bit `nonce % 256` of word `nonce / 256`. Every nonce set of
///         the gateway uses it (delivered per source gateway, released after a veto, refunded).
///         Nonces are sequential, so 256 of them share a word and most writes rewrite a non-zero
///         word (2,900 gas warm) instead of creating a slot (22,100).
/// @dev The word-level functions serve `deliver`, which caches one word in memory across the
///      messages of a batch and writes it back once.
library NonceBitmap {
    struct Bitmap {
        mapping(uint256 word => uint256 bits) words;
    }

    /// @notice The word holding `nonce`.
    function wordOf(uint64 nonce) internal pure returns (uint256) {
        return nonce >> 8;
    }

    /// @notice The bit of `nonce` within its word.
    function maskOf(uint64 nonce) internal pure returns (uint256) {
        return 1 << (nonce & 0xff);
    }

    function get(Bitmap storage bitmap, uint64 nonce) internal view returns (bool) {
        return bitmap.words[nonce >> 8] & maskOf(nonce) != 0;
    }

    /// @notice Sets the bit of `nonce`; returns false (and changes nothing) when it was set already.
    function trySet(Bitmap storage bitmap, uint64 nonce) internal returns (bool) {
        uint256 word = nonce >> 8;
        uint256 mask = maskOf(nonce);
        uint256 bits = bitmap.words[word];
        if (bits & mask != 0) return false;
        bitmap.words[word] = bits | mask;
        return true;
    }

    /// @notice Clears the bit of `nonce`; returns false (and changes nothing) when it was clear.
    function tryUnset(Bitmap storage bitmap, uint64 nonce) internal returns (bool) {
        uint256 word = nonce >> 8;
        uint256 mask = maskOf(nonce);
        uint256 bits = bitmap.words[word];
        if (bits & mask == 0) return false;
        bitmap.words[word] = bits & ~mask;
        return true;
    }

    function set(Bitmap storage bitmap, uint64 nonce) internal {
        bitmap.words[nonce >> 8] |= maskOf(nonce);
    }

    function loadWord(Bitmap storage bitmap, uint256 word) internal view returns (uint256) {
        return bitmap.words[word];
    }

    function storeWord(Bitmap storage bitmap, uint256 word, uint256 bits) internal {
        bitmap.words[word] = bits;
    }
}
