// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MintmarkAnchor} from "../src/MintmarkAnchor.sol";
import {MintmarkLicenses} from "../src/MintmarkLicenses.sol";
import {LicensesFixture} from "./utils/LicensesFixture.sol";
import {VirtualTree} from "./utils/RefTree.sol";

/// @notice The gas figures the issue asks for, measured around single calls (execution gas,
///         without the 21,000 base and calldata of a transaction) and printed with -vv; the same
///         calls show in `forge test --gas-report`. Each also checks the call did its job.
contract GasTest is LicensesFixture {
    MintmarkAnchor internal anchorContract;
    MintmarkLicenses internal lic;
    uint256 internal constant SELLER_KEY = 0x5E11E5;
    bytes32 internal logId = sha256("log.mintmark.example/gas");

    function setUp() public {
        anchorContract = new MintmarkAnchor(address(this));
        anchorContract.createLog(logId, address(this));
        lic = new MintmarkLicenses(address(this), "");
        vm.warp(1_700_000_000);
    }

    function test_gas_anchorFirst() public {
        uint256 g = gasleft();
        anchorContract.anchor(logId, 1_000_000, keccak256("root"), new bytes32[](0));
        g -= gasleft();
        emit log_named_uint("anchor, first (no proof)", g);
        assertEq(anchorContract.latestCheckpoint(logId).treeSize, 1_000_000, "anchored");
    }

    function _anchorGrowth(uint256 m, uint256 n, string memory label) internal {
        uint256 seed = 42;
        anchorContract.anchor(logId, uint64(m), VirtualTree.root(seed, 0, m, m, true), new bytes32[](0));
        bytes32[] memory proof = VirtualTree.consistencyPath(seed, m, n);
        bytes32 newRoot = VirtualTree.root(seed, 0, n, m, true);
        uint256 g = gasleft();
        anchorContract.anchor(logId, uint64(n), newRoot, proof);
        g -= gasleft();
        emit log_named_uint(string.concat(label, ", proof elements"), proof.length);
        emit log_named_uint(label, g);
        assertEq(anchorContract.latestCheckpoint(logId).rootHash, newRoot, "anchored");
    }

    function test_gas_anchorWithConsistencyProof_2e20() public {
        // ~20-element proof: 2^20 - 12345 -> 2^20 + 777 leaves.
        _anchorGrowth((1 << 20) - 12_345, (1 << 20) + 777, "anchor, 2^20-12345 -> 2^20+777");
    }

    function test_gas_anchorWithConsistencyProof_2e30() public {
        _anchorGrowth((1 << 30) - 123_456_789, (1 << 30) + 987_654, "anchor, 2^30-123456789 -> 2^30+987654");
    }

    function _verifyAtDepth(uint256 depth) internal {
        uint256 seed = 7;
        uint256 size = 1 << depth;
        uint256 index = size / 3;
        anchorContract.anchor(logId, uint64(size), VirtualTree.root(seed, 0, size, index, false), new bytes32[](0));
        bytes32[] memory path = VirtualTree.inclusionPath(seed, index, size);
        bytes32 leaf = VirtualTree.leaf(seed, index);
        uint256 g = gasleft();
        bool ok = anchorContract.verifyInclusion(logId, uint64(size), leaf, uint64(index), path);
        g -= gasleft();
        assertTrue(ok, "included");
        assertEq(path.length, depth, "path length == depth");
        emit log_named_uint(string.concat("verifyInclusion, 2^", vm.toString(depth), " leaves"), g);
    }

    function test_gas_verifyInclusion_depth20() public {
        _verifyAtDepth(20);
    }

    function test_gas_verifyInclusion_depth30() public {
        _verifyAtDepth(30);
    }

    function _purchase(uint256 payeeCount) internal {
        address seller = vm.addr(SELLER_KEY);
        MintmarkLicenses.Offer memory offer = _offer(
            keccak256("asset"),
            seller,
            address(0),
            0.01 ether,
            100,
            uint64(block.timestamp + 1 days),
            payeeCount,
            _payees(payeeCount, payeeCount, _distinctAccounts(payeeCount, payeeCount))
        );
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        address buyer = address(0xB0B);
        vm.deal(buyer, 1 ether);
        vm.prank(buyer);
        uint256 g = gasleft();
        lic.purchase{value: 0.01 ether}(offer, sig, 1);
        g -= gasleft();
        emit log_named_uint(string.concat("purchase, ", vm.toString(payeeCount), " payees, first sale"), g);
        // A later sale of the same offer, as its own transaction would see it: storage cold
        // again, but every payee slot already non-zero.
        vm.cool(address(lic));
        vm.prank(buyer);
        g = gasleft();
        lic.purchase{value: 0.01 ether}(offer, sig, 1);
        g -= gasleft();
        emit log_named_uint(string.concat("purchase, ", vm.toString(payeeCount), " payees, later sale"), g);
        assertEq(lic.totalOwed(address(0)), 0.02 ether, "credited");
    }

    function test_gas_purchase_1payee() public {
        _purchase(1);
    }

    function test_gas_purchase_5payees() public {
        _purchase(5);
    }

    function test_gas_purchase_20payees() public {
        _purchase(20);
    }
}
