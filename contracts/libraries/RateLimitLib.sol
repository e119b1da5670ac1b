// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title RateLimitLib
/// @notice A token bucket packed into one storage slot.
/// @dev Instead of (level, lastUpdated) the bucket stores `fullAt`: the moment it will be full
///      again, in 1/65536 s. The level is derived: `capacity - (fullAt - now) * refillPerSecond`.
///      Taking `amount` pushes `fullAt` later by `amount / refillPerSecond` (rounded up, so the
///      bucket never releases more than configured). This fits capacity, refill rate and state
///      in 256 bits, saving a storage read on every delivery.
library RateLimitLib {
    /// @notice Capacity meaning "no limit".
    uint96 internal constant UNLIMITED = type(uint96).max;
    /// @dev A bucket must refill completely within 2^32 s (~136 years); this bounds `fullAt`.
    uint256 internal constant MAX_REFILL_SECONDS = 1 << 32;
    uint256 private constant FRACTION_BITS = 16;

    struct Bucket {
        uint96 capacity;
        uint96 refillPerSecond;
        /// @dev Time the bucket is full again, in seconds << 16. At or before now: full.
        uint64 fullAt;
    }

    /// @notice True for parameters the bucket math supports: unlimited, zero (nothing passes),
    ///         or a positive refill that fills the bucket within `MAX_REFILL_SECONDS`.
    function isValid(uint96 capacity, uint96 refillPerSecond) internal pure returns (bool) {
        if (capacity == UNLIMITED || capacity == 0) return true;
        return refillPerSecond != 0 && uint256(capacity) <= uint256(refillPerSecond) * MAX_REFILL_SECONDS;
    }

    /// @notice Amount that could be taken now.
    function available(Bucket memory bucket) internal view returns (uint256) {
        if (bucket.capacity == UNLIMITED) return type(uint256).max;
        uint256 nowFp = block.timestamp << FRACTION_BITS;
        if (bucket.fullAt <= nowFp) return bucket.capacity;
        // Round the deficit up so the bucket never appears fuller than it is.
        uint256 deficit = _ceilShift((bucket.fullAt - nowFp) * bucket.refillPerSecond);
        return deficit >= bucket.capacity ? 0 : bucket.capacity - deficit;
    }

    /// @notice Takes `amount` from an in-memory copy if it has room; returns false (and changes
    ///         nothing) otherwise. Callers write the copy back; batches do so once per token.
    function consume(Bucket memory b, uint256 amount) internal view returns (bool) {
        if (b.capacity == UNLIMITED) return true;
        // A zero bucket (capacity 0, refill 0) lets nothing through, not even a zero amount.
        if (b.refillPerSecond == 0 || amount > available(b)) return false;
        uint256 nowFp = block.timestamp << FRACTION_BITS;
        uint256 start = b.fullAt > nowFp ? b.fullAt : nowFp;
        // `amount <= capacity <= refill * 2^32`, so the step is at most 2^48 and `fullAt` stays
        // far below 2^64 for any realistic timestamp.
        uint256 step = ((amount << FRACTION_BITS) + b.refillPerSecond - 1) / b.refillPerSecond;
        b.fullAt = uint64(start + step);
        return true;
    }

    /// @notice `consume` on a bucket held as its storage word (`capacity` in bits 0-95,
    ///         `refillPerSecond` in bits 96-191, `fullAt` in bits 192-255, Solidity's packing of
    ///         `Bucket`): the same arithmetic, for loops that keep a bucket on the stack.
    /// @return ok Whether `amount` was taken. @return next The word after the take (unchanged
    ///         when nothing was taken or the bucket is unlimited).
    /// @dev Assembly for the delivery loop (it runs once per delivered message). It mirrors
    ///      `consume` step by step; no step can overflow: `fullAt` < 2^64 and `refill` < 2^96,
    ///      so `(fullAt - nowFp) * refill` < 2^160; `amount` <= `capacity` < 2^96 before it is
    ///      shifted by 16; `start + step` < 2^64 as argued in `consume` (truncated the same way).
    function consumeWord(uint256 word, uint256 amount) internal view returns (bool ok, uint256 next) {
        assembly ("memory-safe") {
            next := word
            let mask96 := 0xffffffffffffffffffffffff
            let capacity := and(word, mask96)
            let unlimited := eq(capacity, mask96)
            let refill := and(shr(96, word), mask96)
            let fullAt := shr(192, word)
            let nowFp := shl(16, timestamp())
            // lag = max(fullAt - now, 0): the subtraction may wrap, but is then multiplied by 0.
            let lag := mul(gt(fullAt, nowFp), sub(fullAt, nowFp))
            // available(): capacity minus the deficit rounded up, floored at zero (a full bucket
            // has lag 0, so deficit 0).
            let deficit := shr(16, add(mul(lag, refill), 0xffff))
            let avail := mul(lt(deficit, capacity), sub(capacity, deficit))
            ok := or(unlimited, and(iszero(iszero(refill)), iszero(gt(amount, avail))))
            if and(ok, iszero(unlimited)) {
                // start = max(fullAt, now) = now + lag; refill != 0 here.
                let step := div(add(shl(16, amount), sub(refill, 1)), refill)
                let newFullAt := and(add(add(nowFp, lag), step), 0xffffffffffffffff)
                next := or(and(word, sub(shl(192, 1), 1)), shl(192, newFullAt))
            }
        }
    }

    /// @notice `consume` on a bucket in storage.
    function tryConsume(Bucket storage bucket, uint256 amount) internal returns (bool) {
        Bucket memory b = bucket;
        if (!consume(b, amount)) return false;
        if (b.capacity != UNLIMITED) bucket.fullAt = b.fullAt;
        return true;
    }

    function _ceilShift(uint256 x) private pure returns (uint256) {
        return (x + (1 << FRACTION_BITS) - 1) >> FRACTION_BITS;
    }
}
