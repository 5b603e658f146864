// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MintmarkLicenses} from "../../src/MintmarkLicenses.sol";
import {TestBase} from "./TestBase.sol";

/// @notice Offer building and signing shared by the licence tests and handlers.
abstract contract LicensesFixture is TestBase {
    function _payees(uint256 seed, uint256 n, address[] memory pool)
        internal
        pure
        returns (MintmarkLicenses.Payee[] memory payees)
    {
        payees = new MintmarkLicenses.Payee[](n);
        uint256 left = 10_000 - n; // every payee gets at least 1 bps
        for (uint256 i = 0; i < n; ++i) {
            uint256 extra = i == n - 1 ? left : uint256(keccak256(abi.encode(seed, i))) % (left + 1);
            left -= extra;
            payees[i] = MintmarkLicenses.Payee({account: pool[i % pool.length], bps: uint16(1 + extra)});
        }
    }

    /// @dev `n` distinct payee addresses derived from `seed` (none of them has code).
    function _distinctAccounts(uint256 seed, uint256 n) internal pure returns (address[] memory accounts) {
        accounts = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            accounts[i] = address(uint160(uint256(keccak256(abi.encode("payee", seed, i)))));
        }
    }

    function _offer(
        bytes32 assetId,
        address seller,
        address currency,
        uint256 price,
        uint32 maxSupply,
        uint64 expiry,
        uint256 nonce,
        MintmarkLicenses.Payee[] memory payees
    ) internal pure returns (MintmarkLicenses.Offer memory) {
        return MintmarkLicenses.Offer({
            assetId: assetId,
            termsHash: keccak256(abi.encode("terms", assetId)),
            seller: seller,
            currency: currency,
            price: price,
            maxSupply: maxSupply,
            expiry: expiry,
            nonce: nonce,
            payees: payees
        });
    }

    /// @dev The EIP-712 struct hash written out independently of the contract's `hashOffer`.
    function _structHash(MintmarkLicenses.Offer memory offer) internal pure returns (bytes32) {
        bytes memory packed;
        for (uint256 i = 0; i < offer.payees.length; ++i) {
            packed = abi.encodePacked(
                packed,
                keccak256(
                    abi.encode(
                        keccak256("Payee(address account,uint16 bps)"), offer.payees[i].account, offer.payees[i].bps
                    )
                )
            );
        }
        return keccak256(
            abi.encode(
                keccak256(
                    "Offer(bytes32 assetId,bytes32 termsHash,address seller,address currency,uint256 price,uint32 maxSupply,uint64 expiry,uint256 nonce,Payee[] payees)Payee(address account,uint16 bps)"
                ),
                offer.assetId,
                offer.termsHash,
                offer.seller,
                offer.currency,
                offer.price,
                offer.maxSupply,
                offer.expiry,
                offer.nonce,
                keccak256(packed)
            )
        );
    }

    function _domainSeparator(address verifyingContract, uint256 chainId) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("MintmarkLicenses"),
                keccak256("1"),
                chainId,
                verifyingContract
            )
        );
    }

    function _digest(MintmarkLicenses.Offer memory offer, address verifyingContract, uint256 chainId)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(verifyingContract, chainId), _structHash(offer)));
    }

    function _sign(uint256 key, MintmarkLicenses.Offer memory offer, address verifyingContract)
        internal
        view
        returns (bytes memory)
    {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(offer, verifyingContract, block.chainid));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The other valid-looking ECDSA form (s' = n - s, v flipped): recovers the same key
    ///      mathematically, so only a low-s check refuses it.
    function _malleate(bytes memory signature) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }
}
