// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {RateLimitLib} from "../../../contracts/libraries/RateLimitLib.sol";

/// @dev One bucket in storage, driven the way the gateway drives its buckets.
contract RateLimitHarness {
    using RateLimitLib for RateLimitLib.Bucket;

    RateLimitLib.Bucket public bucket;

    function set(uint96 capacity, uint96 refillPerSecond) external {
        bucket = RateLimitLib.Bucket(capacity, refillPerSecond, 0);
    }

    function tryConsume(uint256 amount) external returns (bool) {
        return bucket.tryConsume(amount);
    }

    function available() external view returns (uint256) {
        return RateLimitLib.available(bucket);
    }

    /// @dev `consume` and `consumeWord` on the same state, side by side (nothing is stored).
    function bothConsume(uint256 amount) external view returns (bool ok, uint64 fullAt, bool okWord, uint256 word) {
        RateLimitLib.Bucket memory b = bucket;
        ok = RateLimitLib.consume(b, amount);
        fullAt = b.fullAt;
        uint256 raw;
        assembly {
            raw := sload(bucket.slot)
        }
        (okWord, word) = RateLimitLib.consumeWord(raw, amount);
    }

    function rawWord() external view returns (uint256 raw) {
        assembly {
            raw := sload(bucket.slot)
        }
    }

    function isValid(uint96 capacity, uint96 refillPerSecond) external pure returns (bool) {
        return RateLimitLib.isValid(capacity, refillPerSecond);
    }
}

abstract contract RateLimitFixture is Test {
    RateLimitHarness internal rl;

    function setUp() public {
        vm.warp(1_700_000_000);
        rl = new RateLimitHarness();
    }

    /// @dev Valid limited parameters from two fuzz words.
    function _params(uint256 c, uint256 r) internal pure returns (uint96 capacity, uint96 refill) {
        capacity = uint96(bound(c, 1, type(uint96).max - 1));
        refill = uint96(bound(r, (uint256(capacity) >> 32) + 1, type(uint96).max));
    }

    function _fullAt() internal view returns (uint64 fullAt) {
        (, , fullAt) = rl.bucket();
    }
}

contract RateLimitLib_isValid_Test is RateLimitFixture {
    function test_isValid_unlimitedAndZero_succeeds() public view {
        assertTrue(rl.isValid(type(uint96).max, 0), "unlimited");
        assertTrue(rl.isValid(0, 0), "zero bucket");
    }

    function test_isValid_refillBound_succeeds() public view {
        assertTrue(rl.isValid(uint96(uint256(3) << 32), 3), "fills in exactly 2^32 s");
        assertFalse(rl.isValid(uint96((uint256(3) << 32) + 1), 3), "slower than 2^32 s");
        assertFalse(rl.isValid(1, 0), "no refill");
    }
}

contract RateLimitLib_available_Test is RateLimitFixture {
    function test_available_unlimited_succeeds() public {
        rl.set(type(uint96).max, 0);
        assertTrue(rl.tryConsume(type(uint256).max), "anything passes");
        assertEq(rl.available(), type(uint256).max, "always");
        assertEq(_fullAt(), 0, "state untouched");
    }

    function test_available_startsFull_succeeds() public {
        rl.set(100, 1);
        assertEq(rl.available(), 100, "full");
    }

    function test_available_refillsLinearly_succeeds() public {
        rl.set(100, 2);
        assertTrue(rl.tryConsume(100), "drain");
        assertEq(rl.available(), 0, "empty");
        vm.warp(_now() + 10);
        assertEq(rl.available(), 20, "2/s for 10 s");
        vm.warp(_now() + 1000);
        assertEq(rl.available(), 100, "capped at capacity");
    }

    /// @notice The level never exceeds capacity, whatever happened before.
    function testFuzz_available_neverExceedsCapacity_succeeds(
        uint256 c,
        uint256 r,
        uint256[8] memory amounts,
        uint32[8] memory gaps
    ) public {
        (uint96 capacity, uint96 refill) = _params(c, r);
        rl.set(capacity, refill);
        for (uint256 i = 0; i < 8; ++i) {
            vm.warp(_now() + gaps[i]);
            rl.tryConsume(bound(amounts[i], 0, capacity));
            assertLe(rl.available(), capacity, "level <= capacity");
        }
    }
}

contract RateLimitLib_consume_Test is RateLimitFixture {
    function test_consume_zeroBucket_rejectsEvenZero_succeeds() public {
        rl.set(0, 0);
        assertFalse(rl.tryConsume(0), "nothing passes a zero bucket");
        assertFalse(rl.tryConsume(1), "nothing");
    }

    function test_consume_aboveAvailable_changesNothing_succeeds() public {
        rl.set(100, 1);
        assertTrue(rl.tryConsume(60), "first");
        uint64 before = _fullAt();
        assertFalse(rl.tryConsume(41), "over");
        assertEq(_fullAt(), before, "a refused take leaves the bucket as it was");
        assertTrue(rl.tryConsume(40), "exactly the rest");
        assertFalse(rl.tryConsume(1), "empty");
    }

    /// @notice A take succeeds iff it fits what `available` reported, and then lowers the
    ///         level by at least the amount taken.
    function testFuzz_consume_iffAvailable_succeeds(
        uint256 c,
        uint256 r,
        uint256 drain,
        uint256 amount,
        uint32 gap
    ) public {
        (uint96 capacity, uint96 refill) = _params(c, r);
        rl.set(capacity, refill);
        rl.tryConsume(bound(drain, 0, capacity));
        vm.warp(_now() + bound(gap, 0, 1 days));
        uint256 available = rl.available();
        amount = bound(amount, 0, uint256(capacity) * 2);
        bool ok = rl.tryConsume(amount);
        assertEq(ok, amount <= available, "succeeds iff amount <= available");
        if (ok) assertLe(rl.available(), available - amount, "level drops by at least the amount");
        else assertEq(rl.available(), available, "unchanged on refusal");
    }

    /// @notice Over any sequence of takes and waits starting from a full bucket, the total
    ///         released never exceeds capacity + refill * elapsed.
    function testFuzz_consume_neverReleasesMoreThanCapacityPlusRefill_succeeds(
        uint256 c,
        uint256 r,
        uint256[12] memory amounts,
        uint16[12] memory gaps
    ) public {
        (uint96 capacity, uint96 refill) = _params(c, r);
        rl.set(capacity, refill);
        uint256 start = _now();
        uint256 released = 0;
        for (uint256 i = 0; i < 12; ++i) {
            vm.warp(_now() + (gaps[i] % 600));
            // Ask for a lot (often everything available) to push against the bound.
            uint256 amount = amounts[i] % 2 == 0 ? rl.available() : bound(amounts[i], 0, capacity);
            if (rl.tryConsume(amount)) released += amount;
            assertLe(released, uint256(capacity) + uint256(refill) * (_now() - start), "over-release");
        }
    }

    /// @notice The same bound with small parameters, where rounding to 1/65536 s matters most.
    function testFuzz_consume_roundingNeverFavoursTheCaller_succeeds(
        uint8 c,
        uint8 r,
        uint8[16] memory amounts,
        bool[16] memory waits
    ) public {
        uint96 capacity = uint96(bound(c, 1, 255));
        uint96 refill = uint96(bound(r, 1, 255));
        rl.set(capacity, refill);
        uint256 start = _now();
        uint256 released = 0;
        for (uint256 i = 0; i < 16; ++i) {
            if (waits[i]) vm.warp(_now() + 1);
            uint256 amount = bound(amounts[i], 1, capacity);
            if (rl.tryConsume(amount)) released += amount;
            assertLe(released, uint256(capacity) + uint256(refill) * (_now() - start), "over-release");
        }
    }

    /// @notice After a take, waiting ceil(amount / refill) seconds restores the level it had.
    function testFuzz_consume_refillRestores_succeeds(uint256 c, uint256 r, uint256 amount) public {
        (uint96 capacity, uint96 refill) = _params(c, r);
        rl.set(capacity, refill);
        amount = bound(amount, 1, capacity);
        assertTrue(rl.tryConsume(amount), "fits a full bucket");
        assertLe(rl.available(), uint256(capacity) - amount, "lowered");
        vm.warp(_now() + (amount + refill - 1) / refill + 1);
        assertEq(rl.available(), capacity, "full again");
    }

    /// @notice `consumeWord` (the delivery loop's stack form) agrees with `consume` on every
    ///         state and amount: same decision, same new `fullAt`, other fields untouched.
    function testFuzz_consumeWord_equalsConsume_succeeds(
        uint256 c,
        uint256 r,
        uint256 drain,
        uint256 amount,
        uint32 gap,
        uint8 kind
    ) public {
        uint96 capacity;
        uint96 refill;
        if (kind % 4 == 0) (capacity, refill) = (type(uint96).max, uint96(r));
        else if (kind % 4 == 1) (capacity, refill) = (0, uint96(bound(r, 0, 1)));
        else (capacity, refill) = _params(c, r);
        rl.set(capacity, refill);
        if (capacity != 0 && capacity != type(uint96).max) rl.tryConsume(bound(drain, 0, capacity));
        vm.warp(_now() + bound(gap, 0, 2 days));
        amount = bound(amount, 0, uint256(capacity) * 2 + 1);
        uint256 before = rl.rawWord();
        (bool ok, uint64 fullAt, bool okWord, uint256 word) = rl.bothConsume(amount);
        assertEq(okWord, ok, "same decision");
        if (ok && capacity != type(uint96).max) {
            assertEq(word >> 192, fullAt, "same fullAt");
        } else {
            assertEq(word, before, "unchanged");
        }
        assertEq(word & ((uint256(1) << 192) - 1), before & ((uint256(1) << 192) - 1), "capacity and refill kept");
    }
}
