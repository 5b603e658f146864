// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title MerkleProofs
/// @notice RFC 9162 (Certificate Transparency v2, same tree as RFC 6962) Merkle proof checks with
///         SHA-256: interior node = SHA-256(0x01 || left || right). Both checks return false on a
///         bad proof instead of reverting, so callers choose how to fail.
/// @dev The algorithms are the ones written out in RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
///      (consistency). Sizes are uint64, so honest paths have at most 64 (inclusion) or 65
///      (consistency) elements; longer ones fail because `sn` reaches 0 first.
library MerkleProofs {
    /// @notice SHA-256(0x01 || left || right) through the SHA-256 precompile (address 0x02).
    /// @dev Uses the free-memory area as scratch without moving the pointer: cheaper than
    ///      `sha256(abi.encodePacked(...))`, which allocates 65 bytes on every call.
    function hashChildren(bytes32 left, bytes32 right) internal view returns (bytes32 result) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 0x01), left)
            mstore(add(ptr, 0x21), right)
            if iszero(staticcall(gas(), 0x02, ptr, 0x41, ptr, 0x20)) { revert(0, 0) }
            result := mload(ptr)
        }
    }

    /// @notice RFC 9162 §2.1.3.2: does `proof` show leaf `leafHash` at `index` in the tree of
    ///         `treeSize` leaves whose root is `root`?
    /// @param leafHash The leaf hash, SHA-256(0x00 || entry).
    function verifyInclusion(bytes32 root, uint256 treeSize, bytes32 leafHash, uint256 index, bytes32[] calldata proof)
        internal
        view
        returns (bool)
    {
        if (index >= treeSize) return false;
        uint256 fn = index;
        uint256 sn = treeSize - 1;
        bytes32 r = leafHash;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return false;
            if (fn & 1 == 1 || fn == sn) {
                r = hashChildren(proof[i], r);
                if (fn & 1 == 0) {
                    // fn == sn and fn even: this level has no right sibling, climb until it does.
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = hashChildren(r, proof[i]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == root;
    }

    /// @notice RFC 9162 §2.1.4.2: does `proof` show that the tree of `oldSize` leaves with root
    ///         `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`?
    /// @dev Requires 0 < oldSize < newSize; equal sizes and size 0 are the caller's business.
    function verifyConsistency(
        uint256 oldSize,
        uint256 newSize,
        bytes32 oldRoot,
        bytes32 newRoot,
        bytes32[] calldata proof
    ) internal view returns (bool) {
        if (oldSize == 0 || oldSize >= newSize || proof.length == 0) return false;
        uint256 fn = oldSize - 1;
        uint256 sn = newSize - 1;
        // Step 2: when oldSize is a power of two the old root is itself a node of the new tree
        // and is the implicit first element of the path.
        bool powerOfTwo = oldSize & (oldSize - 1) == 0;
        uint256 start = powerOfTwo ? 0 : 1;
        bytes32 fr = powerOfTwo ? oldRoot : proof[0];
        bytes32 sr = fr;
        while (fn & 1 == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        for (uint256 i = start; i < proof.length; ++i) {
            if (sn == 0) return false;
            bytes32 c = proof[i];
            if (fn & 1 == 1 || fn == sn) {
                fr = hashChildren(c, fr);
                sr = hashChildren(c, sr);
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                sr = hashChildren(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return fr == oldRoot && sr == newRoot && sn == 0;
    }
}
