// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Reference RFC 9162 §2.1 Merkle tree for tests, written from the recursive
///         definitions (MTH, PATH, SUBPROOF) and independent of the contract's iterative checks.
library RefTree {
    function leafHash(bytes memory entry) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), entry));
    }

    function node(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @dev Largest power of two strictly smaller than n (n > 1).
    function split(uint256 n) internal pure returns (uint256 k) {
        k = 1;
        while (k << 1 < n) k <<= 1;
    }

    /// @notice MTH(D[start:end]) over leaf hashes.
    function root(bytes32[] memory leaves, uint256 start, uint256 end) internal pure returns (bytes32) {
        uint256 n = end - start;
        if (n == 0) return sha256("");
        if (n == 1) return leaves[start];
        uint256 k = split(n);
        return node(root(leaves, start, start + k), root(leaves, start + k, end));
    }

    function root(bytes32[] memory leaves, uint256 size) internal pure returns (bytes32) {
        return root(leaves, 0, size);
    }

    /// @notice PATH(m, D[0:size]).
    function inclusionPath(bytes32[] memory leaves, uint256 m, uint256 size) internal pure returns (bytes32[] memory) {
        bytes32[] memory out = new bytes32[](64);
        uint256 len = _path(leaves, m, 0, size, out, 0);
        return _trim(out, len);
    }

    /// @notice PROOF(m, D[0:size]) = SUBPROOF(m, D[0:size], true).
    function consistencyPath(bytes32[] memory leaves, uint256 m, uint256 size)
        internal
        pure
        returns (bytes32[] memory)
    {
        bytes32[] memory out = new bytes32[](130);
        uint256 len = _subproof(leaves, m, 0, size, true, out, 0);
        return _trim(out, len);
    }

    // Appends, innermost first, so the result reads leaf-to-root like the RFC's `:` notation.
    function _path(bytes32[] memory leaves, uint256 m, uint256 start, uint256 end, bytes32[] memory out, uint256 len)
        private
        pure
        returns (uint256)
    {
        uint256 n = end - start;
        if (n <= 1) return len;
        uint256 k = split(n);
        if (m < k) {
            len = _path(leaves, m, start, start + k, out, len);
            out[len] = root(leaves, start + k, end);
        } else {
            len = _path(leaves, m - k, start + k, end, out, len);
            out[len] = root(leaves, start, start + k);
        }
        return len + 1;
    }

    function _subproof(
        bytes32[] memory leaves,
        uint256 m,
        uint256 start,
        uint256 end,
        bool b,
        bytes32[] memory out,
        uint256 len
    ) private pure returns (uint256) {
        uint256 n = end - start;
        if (m == n) {
            if (b) return len;
            out[len] = root(leaves, start, end);
            return len + 1;
        }
        uint256 k = split(n);
        if (m <= k) {
            len = _subproof(leaves, m, start, start + k, b, out, len);
            out[len] = root(leaves, start + k, end);
        } else {
            len = _subproof(leaves, m - k, start + k, end, false, out, len);
            out[len] = root(leaves, start, start + k);
        }
        return len + 1;
    }

    function _trim(bytes32[] memory out, uint256 len) private pure returns (bytes32[] memory trimmed) {
        trimmed = new bytes32[](len);
        for (uint256 i = 0; i < len; ++i) {
            trimmed[i] = out[i];
        }
    }
}

/// @notice Huge "virtual" RFC 9162 trees for gas measurements (2^20 .. 2^30 leaves): every
///         perfect subtree that does not contain the point of interest gets a pseudo-random
///         hash instead of being built, every other node is hashed as the RFC recursion says.
///         Proofs come from the same recursive definitions as RefTree, so they are what a real
///         log with those subtree hashes would serve.
library VirtualTree {
    function _isPow2(uint256 n) private pure returns (bool) {
        return n != 0 && n & (n - 1) == 0;
    }

    function _opaque(uint256 seed, uint256 start, uint256 size) private pure returns (bytes32) {
        return keccak256(abi.encode(seed, start, size));
    }

    /// @dev Perfect subtrees are opaque unless they hold `focus` (inclusion: the leaf) or
    ///      straddle it (consistency: the old size), per `straddle`.
    function root(uint256 seed, uint256 start, uint256 end, uint256 focus, bool straddle)
        internal
        pure
        returns (bytes32)
    {
        uint256 n = end - start;
        bool touches = straddle ? (start < focus && focus < end) : (start <= focus && focus < end);
        if (_isPow2(n) && !touches) return _opaque(seed, start, n);
        if (n == 1) return RefTree.leafHash(abi.encode(seed, start));
        uint256 k = RefTree.split(n);
        return RefTree.node(root(seed, start, start + k, focus, straddle), root(seed, start + k, end, focus, straddle));
    }

    function leaf(uint256 seed, uint256 index) internal pure returns (bytes32) {
        return RefTree.leafHash(abi.encode(seed, index));
    }

    function inclusionPath(uint256 seed, uint256 index, uint256 size) internal pure returns (bytes32[] memory path) {
        bytes32[] memory out = new bytes32[](64);
        uint256 len;
        uint256 start;
        uint256 end = size;
        uint256[] memory levels = new uint256[](64);
        // Walk down recording siblings root-to-leaf, then reverse into leaf-to-root order.
        while (end - start > 1) {
            uint256 k = RefTree.split(end - start);
            if (index < start + k) {
                out[len] = root(seed, start + k, end, index, false);
                end = start + k;
            } else {
                out[len] = root(seed, start, start + k, index, false);
                start = start + k;
            }
            levels[len] = len;
            ++len;
        }
        path = new bytes32[](len);
        for (uint256 i = 0; i < len; ++i) {
            path[i] = out[len - 1 - i];
        }
    }

    /// @dev SUBPROOF(m, D[0:n], true) over the virtual tree, leaf-side first.
    function consistencyPath(uint256 seed, uint256 m, uint256 n) internal pure returns (bytes32[] memory path) {
        bytes32[] memory out = new bytes32[](130);
        uint256 len;
        uint256 start;
        uint256 end = n;
        bool b = true;
        uint256 mm = m;
        while (true) {
            uint256 size = end - start;
            if (mm == size) {
                if (!b) out[len++] = root(seed, start, end, m, true);
                break;
            }
            uint256 k = RefTree.split(size);
            if (mm <= k) {
                out[len++] = root(seed, start + k, end, m, true);
                end = start + k;
            } else {
                out[len++] = root(seed, start, start + k, m, true);
                start = start + k;
                mm -= k;
                b = false;
            }
        }
        path = new bytes32[](len);
        for (uint256 i = 0; i < len; ++i) {
            path[i] = out[len - 1 - i];
        }
    }
}
