// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MintmarkAnchor} from "../src/MintmarkAnchor.sol";
import {TestBase} from "./utils/TestBase.sol";
import {RefTree} from "./utils/RefTree.sol";

/// @notice Replays ../vectors/merkle.json, the RFC 6962 / 9162 vectors the TypeScript core also
///         passes: every inclusion proof verifies through `verifyInclusion` against an anchored
///         root, every consistency proof is accepted by `anchor`, and every tampered entry fails.
contract MerkleVectorsTest is TestBase {
    string internal constant PATH = "../vectors/merkle.json";
    MintmarkAnchor internal anchorContract;
    string internal json;
    uint256 internal logCounter;

    function setUp() public {
        assertTrue(vm.exists(PATH), "vectors/merkle.json is missing");
        json = vm.readFile(PATH);
        anchorContract = new MintmarkAnchor(address(this));
    }

    struct Inclusion {
        uint256 index;
        uint256 size;
        bytes32 leafHash;
        bytes32[] proof;
        bytes32 root;
    }

    struct Consistency {
        uint256 oldSize;
        uint256 newSize;
        bytes32 oldRoot;
        bytes32 newRoot;
        bytes32[] proof;
    }

    string internal constant INCLUSION =
        "Inclusion(uint256 index,uint256 size,bytes32 leafHash,bytes32[] proof,bytes32 root)";
    string internal constant CONSISTENCY =
        "Consistency(uint256 oldSize,uint256 newSize,bytes32 oldRoot,bytes32 newRoot,bytes32[] proof)";

    function _key(string memory prefix, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(prefix, "[", vm.toString(i), "].", field);
    }

    function _reason(string memory prefix, uint256 i) internal view returns (string memory) {
        return string.concat(vm.toString(i), " (", vm.parseJsonString(json, _key(prefix, i, "reason")), ")");
    }

    /// @dev A fresh log whose first anchor is `(size, root)`, so each vector stands alone.
    function _freshLog(uint256 size, bytes32 root) internal returns (bytes32 logId) {
        logId = keccak256(abi.encode("vector log", ++logCounter));
        anchorContract.createLog(logId, address(this));
        anchorContract.anchor(logId, uint64(size), root, new bytes32[](0));
    }

    function test_vectors_treeRoots() public view {
        // Also pins the tests' reference tree (RefTree) to the published roots.
        uint256 checked;
        for (uint256 t = 0; vm.keyExistsJson(json, string.concat(".trees[", vm.toString(t), "]")); ++t) {
            string memory tree = string.concat(".trees[", vm.toString(t), "]");
            bytes32[] memory leafHashes = vm.parseJsonBytes32Array(json, string.concat(tree, ".leafHashes"));
            for (uint256 r = 0; vm.keyExistsJson(json, _key(string.concat(tree, ".roots"), r, "size")); ++r) {
                uint256 size = vm.parseJsonUint(json, _key(string.concat(tree, ".roots"), r, "size"));
                bytes32 root = vm.parseJsonBytes32(json, _key(string.concat(tree, ".roots"), r, "root"));
                assertEq(RefTree.root(leafHashes, size), root, "reference root");
                ++checked;
            }
        }
        assertEq(RefTree.root(new bytes32[](0), 0), vm.parseJsonBytes32(json, ".emptyRoot"), "empty root");
        assertGe(checked, 9, "roots checked");
    }

    function test_vectors_inclusionVerifiesOnChain() public {
        Inclusion[] memory v = abi.decode(vm.parseJsonTypeArray(json, ".inclusion", INCLUSION), (Inclusion[]));
        for (uint256 i = 0; i < v.length; ++i) {
            bytes32 logId = _freshLog(v[i].size, v[i].root);
            assertTrue(
                anchorContract.verifyInclusion(logId, uint64(v[i].size), v[i].leafHash, uint64(v[i].index), v[i].proof),
                string.concat("inclusion vector ", vm.toString(i))
            );
        }
        assertGe(v.length, 100, "inclusion vectors replayed");
        emit log_named_uint("inclusion vectors", v.length);
    }

    function test_vectors_tamperedInclusionFails() public {
        Inclusion[] memory v = abi.decode(vm.parseJsonTypeArray(json, ".tampered.inclusion", INCLUSION), (Inclusion[]));
        for (uint256 i = 0; i < v.length; ++i) {
            if (v[i].size == 0) continue; // an empty tree cannot be anchored at all
            bytes32 logId = _freshLog(v[i].size, v[i].root);
            if (anchorContract.verifyInclusion(logId, uint64(v[i].size), v[i].leafHash, uint64(v[i].index), v[i].proof))
            {
                fail(string.concat("tampered inclusion vector accepted: ", _reason(".tampered.inclusion", i)));
            }
        }
        assertGe(v.length, 50, "tampered inclusion vectors replayed");
        emit log_named_uint("tampered inclusion vectors", v.length);
    }

    function test_vectors_consistencyAcceptedByAnchor() public {
        Consistency[] memory v = abi.decode(vm.parseJsonTypeArray(json, ".consistency", CONSISTENCY), (Consistency[]));
        uint256 grown;
        for (uint256 i = 0; i < v.length; ++i) {
            (uint256 oldSize, uint256 newSize, bytes32 oldRoot, bytes32 newRoot, bytes32[] memory proof) =
                (v[i].oldSize, v[i].newSize, v[i].oldRoot, v[i].newRoot, v[i].proof);
            bytes32 logId = _freshLog(oldSize, oldRoot);
            if (oldSize == newSize) {
                // RFC-valid (same size, same root, empty proof): the contract treats it as a duplicate.
                assertEq(oldRoot, newRoot, "equal sizes carry equal roots");
                vm.expectRevert(
                    abi.encodeWithSelector(
                        MintmarkAnchor.MintmarkAnchorAlreadyAnchored.selector, logId, uint64(newSize), newRoot
                    )
                );
                anchorContract.anchor(logId, uint64(newSize), newRoot, proof);
                continue;
            }
            anchorContract.anchor(logId, uint64(newSize), newRoot, proof);
            assertEq(anchorContract.latestCheckpoint(logId).rootHash, newRoot, "anchored");
            ++grown;
        }
        assertGe(grown, 100, "consistency vectors replayed");
        emit log_named_uint("consistency vectors", v.length);
    }

    function test_vectors_tamperedConsistencyRefused() public {
        Consistency[] memory v =
            abi.decode(vm.parseJsonTypeArray(json, ".tampered.consistency", CONSISTENCY), (Consistency[]));
        for (uint256 i = 0; i < v.length; ++i) {
            bytes32 logId = _freshLog(v[i].oldSize, v[i].oldRoot);
            vm.expectRevert();
            anchorContract.anchor(logId, uint64(v[i].newSize), v[i].newRoot, v[i].proof);
            if (anchorContract.latestCheckpoint(logId).rootHash != v[i].oldRoot) {
                fail(string.concat("tampered consistency vector anchored: ", _reason(".tampered.consistency", i)));
            }
        }
        assertGe(v.length, 50, "tampered consistency vectors replayed");
        emit log_named_uint("tampered consistency vectors", v.length);
    }
}
