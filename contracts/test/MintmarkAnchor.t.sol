// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MintmarkAnchor} from "../src/MintmarkAnchor.sol";
import {TestBase} from "./utils/TestBase.sol";
import {RefTree} from "./utils/RefTree.sol";

contract MintmarkAnchorTest is TestBase {
    event LogCreated(bytes32 indexed logId, address indexed operator);
    event OperatorSet(bytes32 indexed logId, address indexed operator, bool allowed);
    event RootAnchored(bytes32 indexed logId, uint64 treeSize, bytes32 rootHash);

    MintmarkAnchor internal anchorContract;
    bytes32 internal logId = sha256("log.mintmark.example/test");
    address internal operator = address(0xA11CE);
    address internal stranger = address(0xBAD);
    bytes32[] internal empty;

    function setUp() public {
        anchorContract = new MintmarkAnchor(address(this));
        anchorContract.createLog(logId, operator);
    }

    function _leaves(uint256 seed, uint256 n) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = RefTree.leafHash(abi.encode(seed, i));
        }
    }

    function _anchor(uint256 size, bytes32 root, bytes32[] memory proof) internal {
        vm.prank(operator);
        anchorContract.anchor(logId, uint64(size), root, proof);
    }

    // ------------------------------------------------------------------ createLog / setOperator

    function test_createLog_registersOperatorAndEmits() public {
        bytes32 id = sha256("other.example/log");
        vm.expectEmit(true, true, true, true, address(anchorContract));
        emit LogCreated(id, stranger);
        anchorContract.createLog(id, stranger);
        assertTrue(anchorContract.logExists(id), "log exists");
        assertTrue(anchorContract.isOperator(id, stranger), "operator set");
        assertFalse(anchorContract.isOperator(logId, stranger), "operators are per log");
    }

    function testFuzz_createLog_onlyLogAdmin(address caller, bytes32 id) public {
        vm.assume(caller != address(this));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, anchorContract.LOG_ADMIN_ROLE()
            )
        );
        vm.prank(caller);
        anchorContract.createLog(id, operator);
    }

    function testFuzz_createLog_rejectsDuplicateAndZeroOperator(bytes32 id, address op) public {
        vm.assume(id != logId && op != address(0));
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorZeroOperator.selector));
        anchorContract.createLog(id, address(0));
        anchorContract.createLog(id, op);
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorLogExists.selector, id));
        anchorContract.createLog(id, op);
    }

    function testFuzz_setOperator_addsAndRevokes(address op) public {
        vm.assume(op != address(0) && op != operator);
        vm.expectEmit(true, true, true, true, address(anchorContract));
        emit OperatorSet(logId, op, true);
        anchorContract.setOperator(logId, op, true);
        vm.prank(op);
        anchorContract.anchor(logId, 1, bytes32(uint256(1)), empty);
        anchorContract.setOperator(logId, op, false);
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorNotOperator.selector, logId, op));
        vm.prank(op);
        anchorContract.anchor(logId, 2, bytes32(uint256(2)), empty);
    }

    function test_setOperator_rejectsUnknownLogZeroAndStrangers() public {
        bytes32 unknown = sha256("nope");
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorUnknownLog.selector, unknown));
        anchorContract.setOperator(unknown, operator, true);
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorZeroOperator.selector));
        anchorContract.setOperator(logId, address(0), true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, anchorContract.LOG_ADMIN_ROLE()
            )
        );
        vm.prank(stranger);
        anchorContract.setOperator(logId, stranger, true);
    }

    // ------------------------------------------------------------------ anchor

    function testFuzz_anchor_firstIsAcceptedAsIs(uint64 size, bytes32 root, uint64 blockNumber, uint64 time) public {
        size = uint64(bound(size, 1, type(uint64).max));
        blockNumber = uint64(bound(blockNumber, 1, type(uint64).max));
        vm.roll(blockNumber);
        vm.warp(time);
        vm.expectEmit(true, true, true, true, address(anchorContract));
        emit RootAnchored(logId, size, root);
        _anchor(size, root, empty);
        MintmarkAnchor.Checkpoint memory cp = anchorContract.latestCheckpoint(logId);
        assertEq(cp.treeSize, size, "size");
        assertEq(cp.rootHash, root, "root");
        assertEq(cp.blockNumber, blockNumber, "block");
        assertEq(cp.timestamp, time, "timestamp");
        MintmarkAnchor.AnchoredRoot memory ar = anchorContract.anchoredRoot(logId, root);
        assertEq(ar.treeSize, size, "root -> size");
        assertEq(ar.blockNumber, blockNumber, "root -> block");
        assertEq(anchorContract.rootAt(logId, size), root, "size -> root");
    }

    function test_anchor_rejectsUnknownLogStrangerEmptyTreeAndPause() public {
        bytes32 unknown = sha256("nope");
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorUnknownLog.selector, unknown));
        vm.prank(operator);
        anchorContract.anchor(unknown, 1, bytes32(uint256(1)), empty);

        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorNotOperator.selector, logId, stranger));
        vm.prank(stranger);
        anchorContract.anchor(logId, 1, bytes32(uint256(1)), empty);

        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorEmptyTree.selector));
        _anchor(0, bytes32(uint256(1)), empty);

        anchorContract.pause();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        _anchor(1, bytes32(uint256(1)), empty);
        anchorContract.unpause();
        _anchor(1, bytes32(uint256(1)), empty);
    }

    function testFuzz_pause_onlyPauser(address caller) public {
        vm.assume(caller != address(this));
        bytes32 role = anchorContract.PAUSER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vm.prank(caller);
        anchorContract.pause();
        anchorContract.pause();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role));
        vm.prank(caller);
        anchorContract.unpause();
        anchorContract.unpause();
        assertFalse(anchorContract.paused(), "unpaused");
    }

    function testFuzz_anchor_growsWithConsistencyProof(uint256 seed, uint256 m, uint256 n) public {
        n = bound(n, 2, 70);
        m = bound(m, 1, n - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        bytes32 oldRoot = RefTree.root(leaves, m);
        bytes32 newRoot = RefTree.root(leaves, n);
        _anchor(m, oldRoot, empty);
        vm.roll(block.number + 5);
        _anchor(n, newRoot, RefTree.consistencyPath(leaves, m, n));
        MintmarkAnchor.Checkpoint memory cp = anchorContract.latestCheckpoint(logId);
        assertEq(cp.treeSize, n, "latest size");
        assertEq(cp.rootHash, newRoot, "latest root");
        assertEq(anchorContract.anchoredRoot(logId, oldRoot).treeSize, m, "old root kept");
        assertEq(anchorContract.rootAt(logId, uint64(m)), oldRoot, "old size kept");
    }

    function testFuzz_anchor_refusesForkedLog(uint256 seed, uint256 m, uint256 n, uint256 forkAt) public {
        n = bound(n, 2, 70);
        m = bound(m, 1, n - 1);
        forkAt = bound(forkAt, 0, m - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        bytes32 oldRoot = RefTree.root(leaves, m);
        _anchor(m, oldRoot, empty);
        // The fork rewrites one already anchored entry and is internally consistent: its proof
        // is valid from the *forked* old root, not from the anchored one.
        leaves[forkAt] = RefTree.leafHash(abi.encode("rewritten", seed));
        bytes32 forkedRoot = RefTree.root(leaves, n);
        bytes32[] memory proof = RefTree.consistencyPath(leaves, m, n);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkAnchor.MintmarkAnchorForkedLog.selector, logId, uint64(m), oldRoot, uint64(n), forkedRoot
            )
        );
        _anchor(n, forkedRoot, proof);
    }

    function testFuzz_anchor_refusesTamperedProof(uint256 seed, uint256 m, uint256 n, uint256 which, bytes32 junk)
        public
    {
        n = bound(n, 2, 70);
        m = bound(m, 1, n - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        _anchor(m, RefTree.root(leaves, m), empty);
        bytes32 newRoot = RefTree.root(leaves, n);
        bytes32[] memory proof = RefTree.consistencyPath(leaves, m, n);
        if (proof.length > 0) {
            which = bound(which, 0, proof.length);
            if (which == proof.length) {
                // Truncate instead of replacing.
                assembly ("memory-safe") { mstore(proof, sub(mload(proof), 1)) }
            } else {
                vm.assume(junk != proof[which]);
                proof[which] = junk;
            }
        }
        vm.expectRevert();
        _anchor(n, newRoot, proof);
        assertEq(anchorContract.latestCheckpoint(logId).treeSize, m, "unchanged");
    }

    /// @dev RFC 9162 consistency proofs bind the new size only through the proof's shape (how
    ///      many right shifts bring `sn` to 0): 11 -> 20 and 11 -> 26 share one, so the size is
    ///      the operator's claim there (see docs/adr/0003-contracts.md). Where the shape differs
    ///      the final `sn == 0` check refuses the misstated size, as here: 1 -> 2 shown as 1 -> 3.
    function test_anchor_refusesSizeTheProofShapeContradicts(uint256 seed) public {
        bytes32[] memory leaves = _leaves(seed, 2);
        _anchor(1, leaves[0], empty);
        bytes32[] memory proof = RefTree.consistencyPath(leaves, 1, 2);
        bytes32 root2 = RefTree.root(leaves, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkAnchor.MintmarkAnchorForkedLog.selector, logId, uint64(1), leaves[0], uint64(3), root2
            )
        );
        _anchor(3, root2, proof);
        _anchor(2, root2, proof);
    }

    function testFuzz_anchor_sizesOnlyGrow(uint64 first, uint64 second, bytes32 root, bytes32 other) public {
        first = uint64(bound(first, 2, type(uint64).max));
        second = uint64(bound(second, 1, first - 1));
        vm.assume(root != other);
        _anchor(first, root, empty);
        vm.expectRevert(abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorTreeShrank.selector, logId, first, second));
        _anchor(second, other, empty);
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorAlreadyAnchored.selector, logId, first, root)
        );
        _anchor(first, root, empty);
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkAnchor.MintmarkAnchorForkedLog.selector, logId, first, root, first, other)
        );
        _anchor(first, other, empty);
    }

    // ------------------------------------------------------------------ verifyInclusion

    function testFuzz_verifyInclusion_provesEveryLeafOfAnchoredTrees(uint256 seed, uint256 n, uint256 index) public {
        n = bound(n, 1, 70);
        index = bound(index, 0, n - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        _anchor(n, RefTree.root(leaves, n), empty);
        bytes32[] memory path = RefTree.inclusionPath(leaves, index, n);
        assertTrue(anchorContract.verifyInclusion(logId, uint64(n), leaves[index], uint64(index), path), "included");
        // Wrong leaf, wrong index, wrong size, index out of range: all false, never a revert.
        assertFalse(
            anchorContract.verifyInclusion(logId, uint64(n), bytes32(uint256(leaves[index]) ^ 1), uint64(index), path),
            "wrong leaf"
        );
        if (n > 1) {
            uint256 otherIndex = (index + 1) % n;
            assertFalse(
                anchorContract.verifyInclusion(logId, uint64(n), leaves[index], uint64(otherIndex), path), "wrong index"
            );
        }
        assertFalse(
            anchorContract.verifyInclusion(logId, uint64(n + 1), leaves[index], uint64(index), path), "unanchored size"
        );
        assertFalse(anchorContract.verifyInclusion(logId, uint64(n), leaves[index], uint64(n), path), "index >= size");
        assertFalse(
            anchorContract.verifyInclusion(sha256("nope"), uint64(n), leaves[index], uint64(index), path), "unknown log"
        );
    }

    function testFuzz_verifyInclusion_rejectsTamperedPath(
        uint256 seed,
        uint256 n,
        uint256 index,
        uint256 which,
        bytes32 junk
    ) public {
        n = bound(n, 2, 70);
        index = bound(index, 0, n - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        _anchor(n, RefTree.root(leaves, n), empty);
        bytes32[] memory path = RefTree.inclusionPath(leaves, index, n);
        which = bound(which, 0, path.length - 1);
        vm.assume(junk != path[which]);
        path[which] = junk;
        assertFalse(anchorContract.verifyInclusion(logId, uint64(n), leaves[index], uint64(index), path), "tampered");
        bytes32[] memory longer = new bytes32[](path.length + 1);
        assertFalse(anchorContract.verifyInclusion(logId, uint64(n), leaves[index], uint64(index), longer), "too long");
    }

    function testFuzz_verifyInclusion_againstEveryAnchoredSize(uint256 seed, uint256 m, uint256 n, uint256 index)
        public
    {
        n = bound(n, 2, 64);
        m = bound(m, 1, n - 1);
        index = bound(index, 0, m - 1);
        bytes32[] memory leaves = _leaves(seed, n);
        _anchor(m, RefTree.root(leaves, m), empty);
        _anchor(n, RefTree.root(leaves, n), RefTree.consistencyPath(leaves, m, n));
        assertTrue(
            anchorContract.verifyInclusion(
                logId, uint64(m), leaves[index], uint64(index), RefTree.inclusionPath(leaves, index, m)
            ),
            "old anchored size still verifies"
        );
        assertTrue(
            anchorContract.verifyInclusion(
                logId, uint64(n), leaves[index], uint64(index), RefTree.inclusionPath(leaves, index, n)
            ),
            "new size verifies"
        );
    }
}
