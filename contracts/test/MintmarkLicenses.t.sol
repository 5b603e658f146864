// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MintmarkLicenses} from "../src/MintmarkLicenses.sol";
import {LicensesFixture} from "./utils/LicensesFixture.sol";
import {MockERC20, FeeOnTransferERC20, ERC1271Wallet, ReentrantActor} from "./mocks/Mocks.sol";

contract MintmarkLicensesTest is LicensesFixture {
    event LicensePurchased(
        bytes32 indexed offerHash,
        bytes32 indexed assetId,
        address indexed buyer,
        address seller,
        address currency,
        uint256 amount,
        uint32 quantity
    );
    event Withdrawn(address indexed account, address indexed currency, address to, uint256 amount);
    event OfferCancelled(bytes32 indexed offerHash, address indexed seller);
    event NonceCancelled(address indexed seller, uint256 indexed nonce);

    MintmarkLicenses internal lic;
    MockERC20 internal usd;
    uint256 internal constant SELLER_KEY = 0x5E11E5;
    address internal seller;
    address internal buyer = address(0xB0B);
    address internal stranger = address(0xBAD);
    bytes32 internal assetId = keccak256("bafy-asset");
    address internal constant ETH = address(0);

    function setUp() public {
        lic = new MintmarkLicenses(address(this), "mintmark:license/{id}");
        usd = new MockERC20();
        lic.setCurrencyAllowed(address(usd), true);
        seller = vm.addr(SELLER_KEY);
        vm.warp(1_700_000_000);
    }

    function _onePayee(address account) internal pure returns (MintmarkLicenses.Payee[] memory payees) {
        payees = new MintmarkLicenses.Payee[](1);
        payees[0] = MintmarkLicenses.Payee({account: account, bps: 10_000});
    }

    function _basicOffer(address currency, uint256 price) internal view returns (MintmarkLicenses.Offer memory) {
        return _offer(assetId, seller, currency, price, 10, uint64(block.timestamp + 1 days), 1, _onePayee(seller));
    }

    function _buyEth(MintmarkLicenses.Offer memory offer, bytes memory sig, uint32 quantity)
        internal
        returns (bytes32)
    {
        uint256 amount = offer.price * quantity;
        vm.deal(buyer, amount);
        vm.prank(buyer);
        return lic.purchase{value: amount}(offer, sig, quantity);
    }

    // ------------------------------------------------------------------ hashing and domain

    function testFuzz_hashOffer_matchesEip712(uint256 seed, uint8 n, uint256 price, uint256 nonce) public view {
        n = uint8(bound(n, 1, 50));
        MintmarkLicenses.Payee[] memory payees = _payees(seed, n, _distinctAccounts(seed, n));
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, price);
        offer.assetId = bytes32(seed);
        offer.nonce = nonce;
        offer.payees = payees;
        assertEq(lic.hashOffer(offer), _structHash(offer), "struct hash");
        assertEq(lic.domainSeparator(), _domainSeparator(address(lic), block.chainid), "domain");
        assertEq(lic.offerDigest(offer), _digest(offer, address(lic), block.chainid), "digest");
    }

    // ------------------------------------------------------------------ purchase: success

    function testFuzz_purchase_eth_creditsPayeesAndMints(uint256 seed, uint8 n, uint96 price, uint32 quantity) public {
        n = uint8(bound(n, 1, 50));
        quantity = uint32(bound(quantity, 1, 1000));
        address[] memory accounts = _distinctAccounts(seed, n);
        MintmarkLicenses.Offer memory offer =
            _offer(assetId, seller, ETH, price, 1000, uint64(block.timestamp), seed, _payees(seed, n, accounts));
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        bytes32 offerHash = _structHash(offer);
        uint256 amount = uint256(price) * quantity;

        vm.expectEmit(true, true, true, true, address(lic));
        emit LicensePurchased(offerHash, assetId, buyer, seller, ETH, amount, quantity);
        assertEq(_buyEth(offer, sig, quantity), offerHash, "returns offer hash");

        uint256 sum;
        for (uint256 i = 0; i < n; ++i) {
            uint256 got = lic.owed(ETH, accounts[i]);
            uint256 exactFloor = amount * offer.payees[i].bps / 10_000;
            assertTrue(got == exactFloor || got == exactFloor + 1, "floor or ceiling");
            sum += got;
        }
        assertEq(sum, amount, "sum credited == amount");
        assertEq(lic.totalOwed(ETH), amount, "total owed");
        assertEq(address(lic).balance, amount, "held");
        assertEq(lic.sold(offerHash), quantity, "sold");
        assertEq(lic.balanceOf(buyer, uint256(offerHash)), quantity, "licences minted");
    }

    function testFuzz_purchase_erc20_pullsExactAmount(uint128 price, uint32 quantity) public {
        quantity = uint32(bound(quantity, 1, 10));
        MintmarkLicenses.Offer memory offer = _basicOffer(address(usd), price);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        uint256 amount = uint256(price) * quantity;
        usd.mint(buyer, amount);
        vm.startPrank(buyer);
        usd.approve(address(lic), amount);
        lic.purchase(offer, sig, quantity);
        vm.stopPrank();
        assertEq(usd.balanceOf(address(lic)), amount, "held");
        assertEq(usd.balanceOf(buyer), 0, "buyer paid");
        assertEq(lic.owed(address(usd), seller), amount, "seller owed");
        assertEq(lic.owed(ETH, seller), 0, "no eth owed");
    }

    function test_purchase_contractWalletSeller() public {
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(SELLER_KEY));
        MintmarkLicenses.Offer memory offer = _offer(
            assetId, address(wallet), ETH, 1 ether, 5, uint64(block.timestamp + 1), 3, _onePayee(address(wallet))
        );
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, 2);
        assertEq(lic.owed(ETH, address(wallet)), 2 ether, "wallet owed");

        bytes memory wrong = _sign(SELLER_KEY + 1, offer, address(lic));
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), address(wallet)
            )
        );
        _buyEth(offer, wrong, 1);
    }

    function test_computeSplit_knownValues() public view {
        MintmarkLicenses.Payee[] memory p = new MintmarkLicenses.Payee[](3);
        p[0] = MintmarkLicenses.Payee(address(1), 3333);
        p[1] = MintmarkLicenses.Payee(address(2), 3333);
        p[2] = MintmarkLicenses.Payee(address(3), 3334);
        // 100 wei: exact 33.33 / 33.33 / 33.34, floors 33+33+33, 1 wei dust to the first with a fraction.
        uint256[] memory s = lic.computeSplit(100, p);
        assertEq(s[0], 34, "p0");
        assertEq(s[1], 33, "p1");
        assertEq(s[2], 33, "p2");
        // 10000 wei: exact, no dust.
        s = lic.computeSplit(10_000, p);
        assertEq(s[0], 3333, "p0 exact");
        assertEq(s[2], 3334, "p2 exact");
        // 1 wei: exact .3333/.3333/.3334, floors 0, dust 1 to payee 0.
        s = lic.computeSplit(1, p);
        assertEq(s[0] + s[1] + s[2], 1, "one wei");
        assertEq(s[0], 1, "dust to first fractional");
        // 2 wei: dust 2 to payees 0 and 1.
        s = lic.computeSplit(2, p);
        assertEq(s[0], 1, "2 wei p0");
        assertEq(s[1], 1, "2 wei p1");
        assertEq(s[2], 0, "2 wei p2");
    }

    function testFuzz_computeSplit_conservesAndBoundsDust(uint256 amount, uint256 seed, uint8 n) public view {
        n = uint8(bound(n, 1, 50));
        MintmarkLicenses.Payee[] memory p = _payees(seed, n, _distinctAccounts(seed, n));
        uint256[] memory shares = lic.computeSplit(amount, p);
        uint256 sum;
        uint256 floors;
        for (uint256 i = 0; i < n; ++i) {
            // floor(amount * bps / 10000) without overflow: amount = q*10000 + r.
            uint256 fl = (amount / 10_000) * p[i].bps + ((amount % 10_000) * p[i].bps) / 10_000;
            bool fractional = ((amount % 10_000) * p[i].bps) % 10_000 != 0;
            assertTrue(shares[i] == fl || (fractional && shares[i] == fl + 1), "floor or ceiling of exact share");
            sum += shares[i];
            floors += fl;
        }
        assertEq(sum, amount, "sum == amount");
        assertLe(amount - floors, n - 1, "dust <= payees - 1");
        uint256[] memory again = lic.computeSplit(amount, p);
        for (uint256 i = 0; i < n; ++i) {
            assertEq(again[i], shares[i], "deterministic");
        }
    }

    // ------------------------------------------------------------------ purchase: refusals

    function test_purchase_rejectsZeroQuantity() public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(MintmarkLicenses.MintmarkLicensesZeroQuantity.selector);
        _buyEth(offer, sig, 0);
    }

    function testFuzz_purchase_rejectsAfterExpiry(uint64 late) public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 gwei);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.warp(bound(late, uint256(offer.expiry) + 1, type(uint64).max));
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesOfferExpired.selector, _structHash(offer), offer.expiry
            )
        );
        _buyEth(offer, sig, 1);
    }

    function testFuzz_purchase_rejectsBeyondMaxSupply(uint32 maxSupply, uint32 first, uint32 extra) public {
        maxSupply = uint32(bound(maxSupply, 1, 1000));
        first = uint32(bound(first, 1, maxSupply));
        extra = uint32(bound(extra, maxSupply - first + 1, maxSupply + 10));
        MintmarkLicenses.Offer memory offer =
            _offer(assetId, seller, ETH, 1 wei, maxSupply, uint64(block.timestamp), 1, _onePayee(seller));
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, first);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesSupplyExceeded.selector, _structHash(offer), first, extra, maxSupply
            )
        );
        _buyEth(offer, sig, extra);
    }

    function testFuzz_purchase_rejectsWrongEthAmount(uint96 price, uint96 sent) public {
        vm.assume(sent != price);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, price);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.deal(buyer, sent);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesWrongPayment.selector, uint256(price), uint256(sent)
            )
        );
        vm.prank(buyer);
        lic.purchase{value: sent}(offer, sig, 1);
    }

    function testFuzz_purchase_rejectsEthWithErc20Offer(uint96 sent) public {
        sent = uint96(bound(sent, 1, type(uint96).max));
        MintmarkLicenses.Offer memory offer = _basicOffer(address(usd), 5);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        usd.mint(buyer, 5);
        vm.deal(buyer, sent);
        vm.startPrank(buyer);
        usd.approve(address(lic), 5);
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesWrongPayment.selector, 0, uint256(sent))
        );
        lic.purchase{value: sent}(offer, sig, 1);
        vm.stopPrank();
    }

    function testFuzz_purchase_rejectsCurrencyNotAllowed(address token) public {
        vm.assume(token != ETH && token != address(usd));
        MintmarkLicenses.Offer memory offer = _basicOffer(token, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesCurrencyNotAllowed.selector, token));
        vm.prank(buyer);
        lic.purchase(offer, sig, 1);
        // Disallowing an allowed token closes it too.
        lic.setCurrencyAllowed(address(usd), false);
        offer = _basicOffer(address(usd), 1);
        sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesCurrencyNotAllowed.selector, address(usd))
        );
        vm.prank(buyer);
        lic.purchase(offer, sig, 1);
    }

    function testFuzz_purchase_refusesFeeOnTransferToken(uint96 price) public {
        price = uint96(bound(price, 1, type(uint96).max));
        FeeOnTransferERC20 fee = new FeeOnTransferERC20();
        lic.setCurrencyAllowed(address(fee), true);
        MintmarkLicenses.Offer memory offer = _basicOffer(address(fee), price);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        fee.mint(buyer, price);
        vm.startPrank(buyer);
        fee.approve(address(lic), price);
        uint256 fee1 = (uint256(price) + 99) / 100;
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesTransferShortfall.selector,
                address(fee),
                uint256(price),
                uint256(price) - fee1
            )
        );
        lic.purchase(offer, sig, 1);
        vm.stopPrank();
        assertEq(lic.totalOwed(address(fee)), 0, "nothing credited");
    }

    function test_purchase_rejectsBadPayeeLists() public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        offer.payees = new MintmarkLicenses.Payee[](0);
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesPayeeCount.selector, 0));
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), 1);

        offer.payees = _payees(1, 51, _distinctAccounts(1, 51));
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesPayeeCount.selector, 51));
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), 1);

        offer.payees = _payees(1, 3, _distinctAccounts(1, 3));
        offer.payees[1].account = address(0);
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesInvalidPayee.selector, 1));
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), 1);

        offer.payees = new MintmarkLicenses.Payee[](2);
        offer.payees[0] = MintmarkLicenses.Payee(seller, 10_000);
        offer.payees[1] = MintmarkLicenses.Payee(buyer, 0);
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesInvalidPayee.selector, 1));
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), 1);
    }

    function testFuzz_purchase_rejectsBpsNotSummingTo10000(uint16 a, uint16 b) public {
        a = uint16(bound(a, 1, 10_000));
        b = uint16(bound(b, 1, 10_000));
        vm.assume(uint256(a) + b != 10_000);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        offer.payees = new MintmarkLicenses.Payee[](2);
        offer.payees[0] = MintmarkLicenses.Payee(seller, a);
        offer.payees[1] = MintmarkLicenses.Payee(buyer, b);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesBpsSum.selector, uint256(a) + b));
        _buyEth(offer, sig, 1);
    }

    function testFuzz_purchase_rejectsTamperedOffer(uint256 newPrice, uint16 newBps) public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether);
        offer.payees = new MintmarkLicenses.Payee[](2);
        offer.payees[0] = MintmarkLicenses.Payee(seller, 9000);
        offer.payees[1] = MintmarkLicenses.Payee(stranger, 1000);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        // The buyer lowers the price...
        newPrice = bound(newPrice, 0, 1 ether - 1);
        MintmarkLicenses.Offer memory cheaper = _basicOffer(ETH, newPrice);
        cheaper.payees = offer.payees;
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(cheaper), seller
            )
        );
        _buyEth(cheaper, sig, 1);
        // ...or moves royalty share to itself.
        newBps = uint16(bound(newBps, 1001, 9999));
        offer.payees[0].bps = 10_000 - newBps;
        offer.payees[1].bps = newBps;
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), seller
            )
        );
        _buyEth(offer, sig, 1);
    }

    function testFuzz_purchase_rejectsOtherSigner(uint256 key) public {
        key = bound(key, 1, SECP256K1_N - 1);
        vm.assume(key != SELLER_KEY);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(key, offer, address(lic));
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), seller
            )
        );
        _buyEth(offer, sig, 1);
    }

    // ------------------------------------------------------------------ replay (E5)

    function testFuzz_signature_notReplayableOnOtherChain(uint64 otherChain) public {
        vm.assume(otherChain != block.chainid && otherChain != 0);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, 1);
        vm.chainId(otherChain);
        assertEq(lic.domainSeparator(), _domainSeparator(address(lic), otherChain), "domain follows chain id");
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), seller
            )
        );
        _buyEth(offer, sig, 1);
    }

    function test_signature_notReplayableOnOtherContract() public {
        MintmarkLicenses other = new MintmarkLicenses(address(this), "");
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, 1);
        vm.deal(buyer, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), seller
            )
        );
        vm.prank(buyer);
        other.purchase{value: 1}(offer, sig, 1);
    }

    function test_signature_highSMalleatedIsRefused() public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesInvalidSignature.selector, _structHash(offer), seller
            )
        );
        _buyEth(offer, _malleate(sig), 1);
        _buyEth(offer, sig, 1); // the canonical form still works
    }

    function test_signature_notReplayableOnceSoldOut() public {
        MintmarkLicenses.Offer memory offer =
            _offer(assetId, seller, ETH, 1, 1, uint64(block.timestamp), 1, _onePayee(seller));
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesSupplyExceeded.selector, _structHash(offer), 1, 1, 1
            )
        );
        _buyEth(offer, sig, 1);
    }

    // ------------------------------------------------------------------ required shares

    function testFuzz_requiredShares_enforced(uint16 requiredBps, uint16 offeredBps) public {
        requiredBps = uint16(bound(requiredBps, 1, 9999));
        offeredBps = uint16(bound(offeredBps, 1, 9999));
        address parent = address(0x9A7E);
        MintmarkLicenses.Payee[] memory req = new MintmarkLicenses.Payee[](1);
        req[0] = MintmarkLicenses.Payee(parent, requiredBps);
        lic.setRequiredShares(assetId, req);

        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether);
        offer.payees = new MintmarkLicenses.Payee[](2);
        offer.payees[0] = MintmarkLicenses.Payee(seller, 10_000 - offeredBps);
        offer.payees[1] = MintmarkLicenses.Payee(parent, offeredBps);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        if (offeredBps < requiredBps) {
            bytes memory err = abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesRequiredShareMissing.selector,
                assetId,
                parent,
                requiredBps,
                uint256(offeredBps)
            );
            vm.expectRevert(err);
            lic.validateOffer(offer, sig, 1);
            vm.expectRevert(err);
            _buyEth(offer, sig, 1);
        } else {
            assertEq(lic.validateOffer(offer, sig, 1), _structHash(offer), "valid");
            _buyEth(offer, sig, 1);
            assertEq(lic.owed(ETH, parent), 1 ether * uint256(offeredBps) / 10_000, "parent paid");
        }
    }

    function test_requiredShares_dropShareRefusedAndDuplicatesSummed() public {
        address parent = address(0x9A7E);
        MintmarkLicenses.Payee[] memory req = new MintmarkLicenses.Payee[](1);
        req[0] = MintmarkLicenses.Payee(parent, 1000);
        lic.setRequiredShares(assetId, req);
        assertEq(lic.requiredShares(assetId).length, 1, "stored");

        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether); // drops the parent
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        vm.expectRevert(
            abi.encodeWithSelector(
                MintmarkLicenses.MintmarkLicensesRequiredShareMissing.selector, assetId, parent, 1000, 0
            )
        );
        _buyEth(offer, sig, 1);

        offer.payees = new MintmarkLicenses.Payee[](3);
        offer.payees[0] = MintmarkLicenses.Payee(seller, 9000);
        offer.payees[1] = MintmarkLicenses.Payee(parent, 600);
        offer.payees[2] = MintmarkLicenses.Payee(parent, 400);
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), 1);
        assertEq(lic.owed(ETH, parent), 0.1 ether, "both entries credited");

        // Clearing the requirement re-opens the first offer.
        lic.setRequiredShares(assetId, new MintmarkLicenses.Payee[](0));
        assertEq(lic.requiredShares(assetId).length, 0, "cleared");
        offer = _basicOffer(ETH, 1 ether);
        _buyEth(offer, sig, 1);
    }

    function testFuzz_setRequiredShares_validatesAndIsRestricted(address caller, uint16 a, uint16 b) public {
        vm.assume(caller != address(this));
        MintmarkLicenses.Payee[] memory req = new MintmarkLicenses.Payee[](2);
        req[0] = MintmarkLicenses.Payee(address(1), uint16(bound(a, 0, 10_000)));
        req[1] = MintmarkLicenses.Payee(address(2), uint16(bound(b, 0, 10_000)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, lic.REGISTRAR_ROLE()
            )
        );
        vm.prank(caller);
        lic.setRequiredShares(assetId, req);
        if (req[0].bps == 0 || req[1].bps == 0 || uint256(req[0].bps) + req[1].bps > 10_000) {
            vm.expectRevert(MintmarkLicenses.MintmarkLicensesInvalidRequiredShares.selector);
            lic.setRequiredShares(assetId, req);
        } else {
            lic.setRequiredShares(assetId, req);
            assertEq(lic.requiredShares(assetId)[1].bps, req[1].bps, "stored");
        }
        req[0].account = address(0);
        vm.expectRevert(MintmarkLicenses.MintmarkLicensesInvalidRequiredShares.selector);
        lic.setRequiredShares(assetId, req);
        MintmarkLicenses.Payee[] memory tooMany = _payees(1, 51, _distinctAccounts(2, 51));
        vm.expectRevert(MintmarkLicenses.MintmarkLicensesInvalidRequiredShares.selector);
        lic.setRequiredShares(assetId, tooMany);
    }

    // ------------------------------------------------------------------ cancellation

    function testFuzz_cancelOffer_onlySellerThenRefused(address caller) public {
        vm.assume(caller != seller);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        bytes32 h = _structHash(offer);
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesNotSeller.selector, caller, seller));
        vm.prank(caller);
        lic.cancelOffer(offer);
        _buyEth(offer, sig, 1);
        vm.expectEmit(true, true, true, true, address(lic));
        emit OfferCancelled(h, seller);
        vm.prank(seller);
        lic.cancelOffer(offer);
        assertTrue(lic.offerCancelled(h), "cancelled");
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesOfferIsCancelled.selector, h));
        _buyEth(offer, sig, 1);
    }

    function testFuzz_cancelNonce_refusesEveryOfferWithIt(uint256 nonce, uint96 priceA, uint96 priceB) public {
        MintmarkLicenses.Offer memory a = _basicOffer(ETH, priceA);
        MintmarkLicenses.Offer memory b = _basicOffer(ETH, priceB);
        a.nonce = nonce;
        b.nonce = nonce;
        b.termsHash = keccak256("other terms");
        bytes memory sigA = _sign(SELLER_KEY, a, address(lic));
        bytes memory sigB = _sign(SELLER_KEY, b, address(lic));
        vm.expectEmit(true, true, true, true, address(lic));
        emit NonceCancelled(seller, nonce);
        vm.prank(seller);
        lic.cancelNonce(nonce);
        assertTrue(lic.nonceCancelled(seller, nonce), "cancelled");
        assertFalse(lic.nonceCancelled(stranger, nonce), "per seller");
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesNonceIsCancelled.selector, seller, nonce)
        );
        _buyEth(a, sigA, 1);
        vm.expectRevert(
            abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesNonceIsCancelled.selector, seller, nonce)
        );
        _buyEth(b, sigB, 1);
    }

    // ------------------------------------------------------------------ withdraw

    function testFuzz_withdraw_paysOwedOnceEth(uint96 price, uint32 quantity) public {
        price = uint96(bound(price, 1, type(uint96).max));
        quantity = uint32(bound(quantity, 1, 10));
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, price);
        _buyEth(offer, _sign(SELLER_KEY, offer, address(lic)), quantity);
        uint256 amount = uint256(price) * quantity;
        uint256 before = seller.balance;
        vm.expectEmit(true, true, true, true, address(lic));
        emit Withdrawn(seller, ETH, seller, amount);
        vm.prank(seller);
        lic.withdraw(ETH);
        assertEq(seller.balance - before, amount, "paid");
        assertEq(lic.owed(ETH, seller), 0, "zeroed");
        assertEq(lic.totalOwed(ETH), 0, "total zeroed");
        vm.expectRevert(abi.encodeWithSelector(MintmarkLicenses.MintmarkLicensesNothingOwed.selector, seller, ETH));
        vm.prank(seller);
        lic.withdraw(ETH);
    }

    function testFuzz_withdrawTo_erc20(uint128 price, address to) public {
        vm.assume(to != address(0) && to != address(lic));
        price = uint128(bound(price, 1, type(uint128).max));
        MintmarkLicenses.Offer memory offer = _basicOffer(address(usd), price);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        usd.mint(buyer, price);
        vm.startPrank(buyer);
        usd.approve(address(lic), price);
        lic.purchase(offer, sig, 1);
        vm.stopPrank();
        uint256 before = usd.balanceOf(to);
        vm.prank(seller);
        lic.withdrawTo(address(usd), payable(to));
        assertEq(usd.balanceOf(to) - before, price, "paid to recipient");
        vm.expectRevert(MintmarkLicenses.MintmarkLicensesZeroRecipient.selector);
        vm.prank(seller);
        lic.withdrawTo(address(usd), payable(address(0)));
    }

    function test_withdraw_reentrantPayeeGainsNothing() public {
        ReentrantActor actor = new ReentrantActor(lic);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether);
        offer.payees = _onePayee(address(actor));
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        actor.setOffer(offer, sig);
        _buyEth(offer, sig, 3);
        // A second payee's funds sit in the contract too: the attacker must not reach them.
        MintmarkLicenses.Offer memory other = _basicOffer(ETH, 2 ether);
        other.nonce = 2;
        _buyEth(other, _sign(SELLER_KEY, other, address(lic)), 1);

        actor.withdraw(ETH);
        assertEq(address(actor).balance, 3 ether, "exactly its credit");
        assertTrue(actor.reentryAttempts() > 0, "re-entry attempted");
        assertEq(actor.reentrySuccesses(), 0, "every re-entry refused");
        assertEq(address(lic).balance, 2 ether, "others' funds intact");
        assertEq(lic.owed(ETH, seller), 2 ether, "other payee intact");
    }

    function test_purchase_reentrantBuyerCannotReenter() public {
        ReentrantActor actor = new ReentrantActor(lic);
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        actor.setOffer(offer, sig);
        vm.deal(address(actor), 5 ether);
        vm.deal(address(this), 1 ether);
        actor.buy{value: 1 ether}(offer, sig, 1);
        assertEq(actor.reentrySuccesses(), 0, "re-entry from onERC1155Received refused");
        assertEq(lic.sold(_structHash(offer)), 1, "one sale");
        assertEq(lic.balanceOf(address(actor), uint256(_structHash(offer))), 1, "one licence");
    }

    // ------------------------------------------------------------------ pause and roles (E7)

    function test_paused_nothingMoves() public {
        MintmarkLicenses.Offer memory offer = _basicOffer(ETH, 1 ether);
        bytes memory sig = _sign(SELLER_KEY, offer, address(lic));
        _buyEth(offer, sig, 1);
        uint256 id = uint256(_structHash(offer));
        lic.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _buyEth(offer, sig, 1);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(seller);
        lic.withdraw(ETH);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(seller);
        lic.withdrawTo(ETH, payable(stranger));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(buyer);
        lic.safeTransferFrom(buyer, stranger, id, 1, "");
        // Cancelling still works while paused: it can only reduce what may move later.
        vm.prank(seller);
        lic.cancelNonce(77);
        lic.unpause();
        vm.prank(seller);
        lic.withdraw(ETH);
        vm.prank(buyer);
        lic.safeTransferFrom(buyer, stranger, id, 1, "");
        assertEq(lic.balanceOf(stranger, id), 1, "transferable when unpaused");
    }

    function testFuzz_adminSelectors_refuseStrangers(address caller) public {
        vm.assume(caller != address(this));
        vm.startPrank(caller);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, lic.PAUSER_ROLE())
        );
        lic.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, lic.PAUSER_ROLE())
        );
        lic.unpause();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, caller, lic.CURRENCY_ROLE()
            )
        );
        lic.setCurrencyAllowed(address(usd), false);
        vm.stopPrank();
        assertTrue(lic.currencyAllowed(address(usd)), "unchanged");
    }

    function test_setCurrencyAllowed_rejectsEthAndTracksState() public {
        vm.expectRevert(MintmarkLicenses.MintmarkLicensesNotAnErc20.selector);
        lic.setCurrencyAllowed(ETH, false);
        assertTrue(lic.currencyAllowed(ETH), "eth always allowed");
        lic.setCurrencyAllowed(address(usd), false);
        assertFalse(lic.currencyAllowed(address(usd)), "disallowed");
    }

    function test_erc1155Metadata() public view {
        assertEq(keccak256(bytes(lic.uri(1))), keccak256("mintmark:license/{id}"), "uri");
        assertTrue(lic.supportsInterface(type(IERC1155).interfaceId), "erc1155");
        assertTrue(lic.supportsInterface(type(IAccessControl).interfaceId), "access control");
        assertFalse(lic.supportsInterface(0xdeadbeef), "other");
    }
}
