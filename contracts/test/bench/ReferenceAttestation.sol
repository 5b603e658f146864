// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Bench reference (bench/chain-gas.mjs): an EAS-style single attestation, with the
///         storage layout of EAS's `Attestation` record (uid, schema, times, refUID, recipient,
///         attester, revocable, data) written once per asset, and the same event.
contract ReferenceAttestation {
    struct Attestation {
        bytes32 uid;
        bytes32 schema;
        uint64 time;
        uint64 expirationTime;
        uint64 revocationTime;
        bytes32 refUID;
        address recipient;
        address attester;
        bool revocable;
        bytes data;
    }

    mapping(bytes32 uid => Attestation) private _attestations;
    uint256 private _nonce;

    event Attested(address indexed recipient, address indexed attester, bytes32 uid, bytes32 indexed schema);

    function attest(bytes32 schema, address recipient, bytes calldata data) external returns (bytes32 uid) {
        uid = keccak256(abi.encodePacked(schema, recipient, msg.sender, block.timestamp, data, _nonce++));
        _attestations[uid] = Attestation({
            uid: uid,
            schema: schema,
            time: uint64(block.timestamp),
            expirationTime: 0,
            revocationTime: 0,
            refUID: bytes32(0),
            recipient: recipient,
            attester: msg.sender,
            revocable: true,
            data: data
        });
        emit Attested(recipient, msg.sender, uid, schema);
    }

    function getAttestation(bytes32 uid) external view returns (Attestation memory) {
        return _attestations[uid];
    }
}
