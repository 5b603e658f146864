// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MintmarkAnchor} from "../src/MintmarkAnchor.sol";
import {TestBase} from "./utils/TestBase.sol";
import {RefTree} from "./utils/RefTree.sol";

/// @notice Grows a reference log and anchors it, interleaved with forks (a rewritten entry with a
///         self-consistent proof), stale and duplicate anchors, tampered proofs and pauses.
contract AnchorHandler is TestBase {
    MintmarkAnchor public immutable anchorContract;
    bytes32 public immutable logId;
    uint256 internal constant MAX_LEAVES = 96;

    bytes32[] internal leaves;
    uint64[] public anchoredSizes;
    uint256 public refusalsMissed; // a fork, shrink, duplicate, bad proof or paused anchor accepted
    uint256 public anchors;
    uint256 public forksRefused;

    constructor(MintmarkAnchor anchor_, bytes32 logId_) {
        anchorContract = anchor_;
        logId = logId_;
    }

    function leafCount() external view returns (uint256) {
        return leaves.length;
    }

    function anchoredCount() external view returns (uint256) {
        return anchoredSizes.length;
    }

    function referenceRoot(uint256 size) external view returns (bytes32) {
        return RefTree.root(leaves, size);
    }

    function _latest() internal view returns (uint64) {
        return anchorContract.latestCheckpoint(logId).treeSize;
    }

    function append(uint256 seed, uint256 count) external {
        count = bound(count, 1, 8);
        for (uint256 i = 0; i < count && leaves.length < MAX_LEAVES; ++i) {
            leaves.push(RefTree.leafHash(abi.encode(seed, leaves.length)));
        }
    }

    /// @dev An honest anchor of a larger prefix: must succeed unless paused.
    function anchorGrowth(uint256 sizeSeed) external {
        uint64 latest = _latest();
        if (leaves.length <= latest) return;
        uint64 size = uint64(bound(sizeSeed, latest + 1, leaves.length));
        bytes32[] memory leafCopy = leaves;
        bytes32[] memory proof = latest == 0 ? new bytes32[](0) : RefTree.consistencyPath(leafCopy, latest, size);
        bool paused = anchorContract.paused();
        try anchorContract.anchor(logId, size, RefTree.root(leafCopy, size), proof) {
            if (paused) ++refusalsMissed;
            anchoredSizes.push(size);
            ++anchors;
        } catch {
            if (!paused) revert("honest anchor refused");
        }
    }

    /// @dev A log that rewrote entry `forkAt` (< latest) and grew: its proof is valid for the
    ///      forked history, and the contract must still refuse it.
    function anchorFork(uint256 sizeSeed, uint256 forkAt, bytes32 replacement) external {
        uint64 latest = _latest();
        if (latest == 0 || leaves.length <= latest) return;
        uint64 size = uint64(bound(sizeSeed, latest + 1, leaves.length));
        bytes32[] memory forked = leaves;
        uint256 at = bound(forkAt, 0, latest - 1);
        if (forked[at] == replacement) return;
        forked[at] = replacement;
        try anchorContract.anchor(
            logId, size, RefTree.root(forked, size), RefTree.consistencyPath(forked, latest, size)
        ) {
            ++refusalsMissed;
        } catch {
            ++forksRefused;
        }
    }

    /// @dev Anchoring a size ≤ latest (shrink, duplicate, or same size with another root).
    function anchorStale(uint256 sizeSeed, bool sameRoot, bytes32 otherRoot) external {
        uint64 latest = _latest();
        if (latest == 0) return;
        uint64 size = uint64(bound(sizeSeed, 1, latest));
        bytes32 root = sameRoot ? RefTree.root(leaves, size) : otherRoot;
        try anchorContract.anchor(logId, size, root, new bytes32[](0)) {
            ++refusalsMissed;
        } catch {}
    }

    /// @dev An honest new root with one proof element altered or dropped.
    function anchorTamperedProof(uint256 sizeSeed, uint256 which, bytes32 junk) external {
        uint64 latest = _latest();
        if (latest == 0 || leaves.length <= latest) return;
        uint64 size = uint64(bound(sizeSeed, latest + 1, leaves.length));
        bytes32[] memory leafCopy = leaves;
        bytes32[] memory proof = RefTree.consistencyPath(leafCopy, latest, size);
        which = bound(which, 0, proof.length);
        if (which == proof.length) {
            assembly ("memory-safe") { mstore(proof, sub(mload(proof), 1)) }
        } else {
            if (proof[which] == junk) return;
            proof[which] = junk;
        }
        try anchorContract.anchor(logId, size, RefTree.root(leafCopy, size), proof) {
            ++refusalsMissed;
        } catch {}
    }

    function togglePause(uint256 coin) external {
        if (coin % 4 != 0) return;
        if (anchorContract.paused()) anchorContract.unpause();
        else anchorContract.pause();
    }
}

contract AnchorInvariantTest is TestBase {
    MintmarkAnchor internal anchorContract;
    AnchorHandler internal handler;
    bytes32 internal logId = sha256("log.mintmark.example/invariant");

    function setUp() public {
        anchorContract = new MintmarkAnchor(address(this));
        handler = new AnchorHandler(anchorContract, logId);
        anchorContract.createLog(logId, address(handler));
        anchorContract.grantRole(anchorContract.PAUSER_ROLE(), address(handler));
        targetContract(address(handler));
    }

    /// Anchors only grow, the latest anchor is the reference log's root at that size, every
    /// anchored size keeps its root, and no fork / stale / tampered / paused anchor got in.
    function invariant_anchorsOnlyGrow() public view {
        assertEq(handler.refusalsMissed(), 0, "refused anchors accepted");
        uint256 n = handler.anchoredCount();
        MintmarkAnchor.Checkpoint memory cp = anchorContract.latestCheckpoint(logId);
        if (n == 0) {
            assertEq(cp.treeSize, 0, "nothing anchored");
            return;
        }
        uint64 previous;
        for (uint256 i = 0; i < n; ++i) {
            uint64 size = handler.anchoredSizes(i);
            assertGe(size, previous + 1, "strictly growing");
            previous = size;
            // Recomputing reference roots is the costly part: check the last few each call
            // (earlier ones were checked when they were last).
            if (i + 4 < n) continue;
            bytes32 root = handler.referenceRoot(size);
            assertEq(anchorContract.rootAt(logId, size), root, "size -> root");
            assertEq(anchorContract.anchoredRoot(logId, root).treeSize, size, "root -> size");
        }
        assertEq(cp.treeSize, previous, "latest is the last anchored");
        assertEq(cp.rootHash, handler.referenceRoot(previous), "latest root is the honest log's");
    }

    function afterInvariant() public {
        emit log_named_uint("anchors", handler.anchors());
        emit log_named_uint("forks refused", handler.forksRefused());
        emit log_named_uint("leaves", handler.leafCount());
    }
}
