// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProofs} from "./lib/MerkleProofs.sol";

/// @title MintmarkAnchor
/// @notice Public, timestamped commitments to Mintmark transparency-log checkpoints. Each log
///         (id = SHA-256 of the log's note verifier key) has operators who anchor
///         `(treeSize, rootHash)`. The first anchor of a log is taken as given; every later one
///         must carry an RFC 9162 consistency proof from the previous anchor, checked here with
///         the SHA-256 precompile, so a forked or rewritten log cannot be anchored.
/// @dev Re-anchoring the current size reverts (`MintmarkAnchorAlreadyAnchored` for the same
///      root, `MintmarkAnchorForkedLog` for a different one): every `RootAnchored` event marks
///      growth, and a submitter that sees `AlreadyAnchored` knows its checkpoint is on chain.
contract MintmarkAnchor is AccessControl, Pausable {
    /// @notice Role that may create logs and manage their operators.
    bytes32 public constant LOG_ADMIN_ROLE = keccak256("MINTMARK_LOG_ADMIN_ROLE");
    /// @notice Role that may pause and unpause anchoring.
    bytes32 public constant PAUSER_ROLE = keccak256("MINTMARK_PAUSER_ROLE");

    /// @notice The latest anchored checkpoint of a log.
    struct Checkpoint {
        uint64 treeSize;
        uint64 blockNumber;
        uint64 timestamp;
        bytes32 rootHash;
    }

    /// @notice Where an anchored root sits: its tree size and the block that anchored it.
    struct AnchoredRoot {
        uint64 treeSize;
        uint64 blockNumber;
    }

    mapping(bytes32 logId => bool) private _exists;
    mapping(bytes32 logId => Checkpoint) private _latest;
    mapping(bytes32 logId => mapping(address account => bool)) private _operators;
    mapping(bytes32 logId => mapping(bytes32 rootHash => AnchoredRoot)) private _roots;
    mapping(bytes32 logId => mapping(uint64 treeSize => bytes32 rootHash)) private _rootAtSize;

    /// @notice A log was created; `operator` may anchor it.
    event LogCreated(bytes32 indexed logId, address indexed operator);
    /// @notice An operator was added to or removed from a log.
    event OperatorSet(bytes32 indexed logId, address indexed operator, bool allowed);
    /// @notice A checkpoint of `logId` was anchored.
    event RootAnchored(bytes32 indexed logId, uint64 treeSize, bytes32 rootHash);

    /// @notice `logId` already exists.
    error MintmarkAnchorLogExists(bytes32 logId);
    /// @notice `logId` was never created.
    error MintmarkAnchorUnknownLog(bytes32 logId);
    /// @notice The caller is not an operator of `logId`.
    error MintmarkAnchorNotOperator(bytes32 logId, address caller);
    /// @notice The zero address cannot be an operator.
    error MintmarkAnchorZeroOperator();
    /// @notice A tree of zero leaves cannot be anchored.
    error MintmarkAnchorEmptyTree();
    /// @notice `treeSize` is smaller than the latest anchored size: anchors only grow.
    error MintmarkAnchorTreeShrank(bytes32 logId, uint64 latestSize, uint64 treeSize);
    /// @notice This exact checkpoint (size and root) is already the latest anchor.
    error MintmarkAnchorAlreadyAnchored(bytes32 logId, uint64 treeSize, bytes32 rootHash);
    /// @notice A different root for an already anchored size, or a root that the consistency
    ///         proof does not connect to the previous anchor: the log forked or was rewritten.
    error MintmarkAnchorForkedLog(
        bytes32 logId, uint64 previousSize, bytes32 previousRoot, uint64 treeSize, bytes32 rootHash
    );

    /// @param admin Receives the default admin, log admin and pauser roles.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(LOG_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @notice Creates log `logId` with a first operator.
    /// @param logId SHA-256 of the log's note verifier key (origin, key hash and key).
    /// @param operator The first account allowed to anchor this log.
    function createLog(bytes32 logId, address operator) external onlyRole(LOG_ADMIN_ROLE) {
        if (_exists[logId]) revert MintmarkAnchorLogExists(logId);
        if (operator == address(0)) revert MintmarkAnchorZeroOperator();
        _exists[logId] = true;
        _operators[logId][operator] = true;
        emit LogCreated(logId, operator);
        emit OperatorSet(logId, operator, true);
    }

    /// @notice Adds or removes an operator of an existing log.
    /// @param logId The log.
    /// @param operator The account.
    /// @param allowed True to allow it to anchor, false to revoke.
    function setOperator(bytes32 logId, address operator, bool allowed) external onlyRole(LOG_ADMIN_ROLE) {
        if (!_exists[logId]) revert MintmarkAnchorUnknownLog(logId);
        if (operator == address(0)) revert MintmarkAnchorZeroOperator();
        _operators[logId][operator] = allowed;
        emit OperatorSet(logId, operator, allowed);
    }

    /// @notice Anchors checkpoint `(treeSize, rootHash)` of `logId`.
    /// @dev The first anchor of a log needs no proof (pass an empty array; any proof is ignored).
    ///      Later anchors need an RFC 9162 §2.1.4.2 consistency proof from the latest anchor.
    /// @param logId The log.
    /// @param treeSize Number of leaves, > 0 and > the latest anchored size.
    /// @param rootHash RFC 9162 root hash of the first `treeSize` leaves.
    /// @param consistencyProof Consistency path from the latest anchored checkpoint.
    function anchor(bytes32 logId, uint64 treeSize, bytes32 rootHash, bytes32[] calldata consistencyProof)
        external
        whenNotPaused
    {
        if (!_exists[logId]) revert MintmarkAnchorUnknownLog(logId);
        if (!_operators[logId][msg.sender]) revert MintmarkAnchorNotOperator(logId, msg.sender);
        if (treeSize == 0) revert MintmarkAnchorEmptyTree();
        Checkpoint storage latest = _latest[logId];
        uint64 previousSize = latest.treeSize;
        if (previousSize != 0) {
            bytes32 previousRoot = latest.rootHash;
            if (treeSize < previousSize) revert MintmarkAnchorTreeShrank(logId, previousSize, treeSize);
            if (treeSize == previousSize) {
                if (rootHash == previousRoot) revert MintmarkAnchorAlreadyAnchored(logId, treeSize, rootHash);
                revert MintmarkAnchorForkedLog(logId, previousSize, previousRoot, treeSize, rootHash);
            }
            if (!MerkleProofs.verifyConsistency(previousSize, treeSize, previousRoot, rootHash, consistencyProof)) {
                revert MintmarkAnchorForkedLog(logId, previousSize, previousRoot, treeSize, rootHash);
            }
        }
        latest.treeSize = treeSize;
        latest.blockNumber = uint64(block.number);
        latest.timestamp = uint64(block.timestamp);
        latest.rootHash = rootHash;
        // A root commits to its size (RFC 9162 trees of different sizes have different roots
        // unless SHA-256 collides), so this slot is written once per root.
        _roots[logId][rootHash] = AnchoredRoot({treeSize: treeSize, blockNumber: uint64(block.number)});
        _rootAtSize[logId][treeSize] = rootHash;
        emit RootAnchored(logId, treeSize, rootHash);
    }

    /// @notice Pauses anchoring (views keep working).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes anchoring.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice RFC 9162 §2.1.3.2 inclusion check against the root anchored for `treeSize`.
    /// @dev Returns false (never reverts) for an unknown log, a size that was never anchored, or
    ///      a bad proof. Callable by any contract.
    /// @param logId The log.
    /// @param treeSize An anchored tree size of that log.
    /// @param leafHash SHA-256(0x00 || entry).
    /// @param index The leaf's index.
    /// @param proof The inclusion path, leaf to root.
    /// @return True when the leaf is proven to be in the anchored tree.
    function verifyInclusion(bytes32 logId, uint64 treeSize, bytes32 leafHash, uint64 index, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        bytes32 root = _rootAtSize[logId][treeSize];
        if (root == bytes32(0)) return false;
        return MerkleProofs.verifyInclusion(root, treeSize, leafHash, index, proof);
    }

    /// @notice The latest anchored checkpoint of `logId` (all zero before the first anchor).
    /// @param logId The log.
    /// @return The checkpoint: size, block number, timestamp, root.
    function latestCheckpoint(bytes32 logId) external view returns (Checkpoint memory) {
        return _latest[logId];
    }

    /// @notice Where `rootHash` was anchored for `logId` (all zero if it never was).
    /// @param logId The log.
    /// @param rootHash A root hash.
    /// @return Its tree size and the block number that anchored it.
    function anchoredRoot(bytes32 logId, bytes32 rootHash) external view returns (AnchoredRoot memory) {
        return _roots[logId][rootHash];
    }

    /// @notice The root anchored for `treeSize` of `logId`, or zero.
    /// @param logId The log.
    /// @param treeSize A tree size.
    /// @return The root hash, or bytes32(0) when that size was never anchored.
    function rootAt(bytes32 logId, uint64 treeSize) external view returns (bytes32) {
        return _rootAtSize[logId][treeSize];
    }

    /// @notice Whether `logId` was created.
    /// @param logId The log.
    /// @return True once `createLog` ran for it.
    function logExists(bytes32 logId) external view returns (bool) {
        return _exists[logId];
    }

    /// @notice Whether `account` may anchor `logId`.
    /// @param logId The log.
    /// @param account The account.
    /// @return True when it is an operator of that log.
    function isOperator(bytes32 logId, address account) external view returns (bool) {
        return _operators[logId][account];
    }
}
