// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {MintmarkLicenses} from "../src/MintmarkLicenses.sol";
import {LicensesFixture} from "./utils/LicensesFixture.sol";
import {MockERC20, ReentrantActor} from "./mocks/Mocks.sol";

/// @notice Drives MintmarkLicenses with random purchases (ETH and ERC-20, 1..20 payees),
///         withdrawals (including a re-entering payee), cancellations, pauses and replay
///         attempts, and keeps the ghost totals the invariants compare against.
contract LicensesHandler is LicensesFixture {
    struct OfferParams {
        uint256 seed;
        uint8 payeeCount;
        uint8 payeeOffset;
        uint8 sellerIndex;
        bool token;
        uint96 price;
        uint32 maxSupply;
        uint64 expiry;
        uint256 nonce;
    }

    MintmarkLicenses public immutable lic;
    MintmarkLicenses public immutable otherLic;
    MockERC20 public immutable usd;
    ReentrantActor public immutable actor;
    address internal constant ETH = address(0);
    uint256 internal constant POOL = 20;

    uint256[3] internal sellerKeys = [uint256(0x5E11E1), 0x5E11E2, 0x5E11E3];
    address[] public pool; // pool[POOL - 1] is the re-entrant actor
    address[3] internal buyers = [address(0xB001), address(0xB002), address(0xB003)];
    OfferParams[] internal offers;

    mapping(address currency => uint256) public paid;
    mapping(address currency => uint256) public withdrawn;
    uint256 public splitViolations;
    uint256 public maxDustSeen;
    uint256 public reentryGain;
    uint256 public replaysAccepted;
    uint256 public replaysTried;
    uint256 public pausedMoves;
    uint256 public purchases;
    uint256 public withdrawals;

    constructor(MintmarkLicenses lic_, MintmarkLicenses otherLic_, MockERC20 usd_) {
        lic = lic_;
        otherLic = otherLic_;
        usd = usd_;
        actor = new ReentrantActor(lic_);
        for (uint256 i = 0; i < POOL - 1; ++i) {
            pool.push(address(uint160(0xA000 + i)));
        }
        pool.push(address(actor));
    }

    function poolLength() external view returns (uint256) {
        return pool.length;
    }

    function _build(OfferParams memory p) internal view returns (MintmarkLicenses.Offer memory offer) {
        address[] memory accounts = new address[](p.payeeCount);
        for (uint256 i = 0; i < p.payeeCount; ++i) {
            accounts[i] = pool[(p.payeeOffset + i) % POOL];
        }
        offer = _offer(
            keccak256(abi.encode("asset", p.seed % 4)),
            vm.addr(sellerKeys[p.sellerIndex]),
            p.token ? address(usd) : ETH,
            p.price,
            p.maxSupply,
            p.expiry,
            p.nonce,
            _payees(p.seed, p.payeeCount, accounts)
        );
    }

    function _pay(address buyer, MintmarkLicenses.Offer memory offer, bytes memory sig, uint32 quantity)
        internal
        returns (bool ok)
    {
        uint256 amount = offer.price * quantity;
        uint256 value;
        if (offer.currency == ETH) {
            vm.deal(buyer, amount);
            value = amount;
        } else {
            usd.mint(buyer, amount);
            vm.prank(buyer);
            usd.approve(address(lic), amount);
        }
        vm.prank(buyer);
        try lic.purchase{value: value}(offer, sig, quantity) {
            ok = true;
        } catch {
            ok = false;
        }
    }

    /// @dev Snapshot of each payee's credit, to check the split this purchase made.
    function _owedOf(MintmarkLicenses.Offer memory offer) internal view returns (uint256[] memory before) {
        before = new uint256[](offer.payees.length);
        for (uint256 i = 0; i < before.length; ++i) {
            before[i] = lic.owed(offer.currency, offer.payees[i].account);
        }
    }

    function _checkSplit(MintmarkLicenses.Offer memory offer, uint256 amount, uint256[] memory before) internal {
        uint256 sum;
        uint256 bumps;
        uint256[] memory expected = lic.computeSplit(amount, offer.payees);
        for (uint256 i = 0; i < before.length; ++i) {
            uint256 got = lic.owed(offer.currency, offer.payees[i].account) - before[i];
            uint256 fl = amount * offer.payees[i].bps / 10_000;
            bool fractional = (amount * offer.payees[i].bps) % 10_000 != 0;
            if (got == fl + 1 && fractional) ++bumps;
            else if (got != fl) ++splitViolations;
            if (got != expected[i]) ++splitViolations; // deterministic: same as the pure rule
            sum += got;
        }
        if (sum != amount || bumps + 1 > before.length) ++splitViolations;
        if (bumps > maxDustSeen) maxDustSeen = bumps;
    }

    // ------------------------------------------------------------------ actions

    function purchaseNew(
        uint256 seed,
        uint256 payeeCount,
        uint256 price,
        uint256 quantity,
        bool token,
        uint256 buyerIndex
    ) external {
        OfferParams memory p = OfferParams({
            seed: seed,
            payeeCount: uint8(bound(payeeCount, 1, POOL)),
            payeeOffset: uint8(seed % POOL),
            sellerIndex: uint8(seed % 3),
            token: token,
            price: uint96(bound(price, 0, 100 ether)),
            maxSupply: uint32(bound(seed >> 8, 1, 20)),
            expiry: uint64(block.timestamp + bound(seed >> 16, 0, 3 days)),
            nonce: offers.length
        });
        offers.push(p);
        MintmarkLicenses.Offer memory offer = _build(p);
        bytes memory sig = _sign(sellerKeys[p.sellerIndex], offer, address(lic));
        if (!actor.hasOffer() && !token) actor.setOffer(offer, sig);
        _purchase(offer, sig, uint32(bound(quantity, 1, p.maxSupply)), buyers[buyerIndex % 3], true);
    }

    function purchaseAgain(uint256 index, uint256 quantity, uint256 buyerIndex) external {
        if (offers.length == 0) return;
        OfferParams memory p = offers[index % offers.length];
        MintmarkLicenses.Offer memory offer = _build(p);
        bytes memory sig = _sign(sellerKeys[p.sellerIndex], offer, address(lic));
        _purchase(offer, sig, uint32(bound(quantity, 1, 25)), buyers[buyerIndex % 3], false);
    }

    function _purchase(
        MintmarkLicenses.Offer memory offer,
        bytes memory sig,
        uint32 quantity,
        address buyer,
        bool fresh
    ) internal {
        bytes32 h = lic.hashOffer(offer);
        bool mayBuy = !lic.paused() && block.timestamp <= offer.expiry && !lic.offerCancelled(h)
            && !lic.nonceCancelled(offer.seller, offer.nonce) && lic.sold(h) + quantity <= offer.maxSupply;
        uint256 amount = offer.price * quantity;
        uint256[] memory before = _owedOf(offer);
        uint256 soldBefore = lic.sold(h);
        bool ok = _pay(buyer, offer, sig, quantity);
        if (ok && !mayBuy) {
            if (lic.paused()) ++pausedMoves;
            else ++replaysAccepted;
        }
        if (!ok && mayBuy) revert("a valid purchase was refused");
        if (!ok && fresh == false) ++replaysTried;
        if (ok) {
            ++purchases;
            paid[offer.currency] += amount;
            _checkSplit(offer, amount, before);
            if (lic.sold(h) != soldBefore + quantity || lic.sold(h) > offer.maxSupply) ++replaysAccepted;
        }
    }

    /// @dev The same signed offer on another chain id, on another contract, malleated to
    ///      high-s, or after its expiry: every one must be refused.
    function replay(uint256 index, uint256 kind, uint64 otherChain) external {
        if (offers.length == 0) return;
        OfferParams memory p = offers[index % offers.length];
        MintmarkLicenses.Offer memory offer = _build(p);
        bytes memory sig = _sign(sellerKeys[p.sellerIndex], offer, address(lic));
        address buyer = buyers[0];
        vm.deal(buyer, offer.price);
        uint256 value = offer.currency == ETH ? offer.price : 0;
        if (offer.currency != ETH) {
            usd.mint(buyer, offer.price);
            vm.prank(buyer);
            usd.approve(address(lic), offer.price);
            vm.prank(buyer);
            usd.approve(address(otherLic), offer.price);
        }
        kind = kind % 4;
        uint256 savedChain = block.chainid;
        uint256 savedTime = block.timestamp;
        MintmarkLicenses target = lic;
        if (kind == 0) vm.chainId(bound(otherChain, savedChain + 1, savedChain + 1_000_000));
        else if (kind == 1) target = otherLic;
        else if (kind == 2) sig = _malleate(sig);
        else vm.warp(uint256(offer.expiry) + 1);
        ++replaysTried;
        vm.prank(buyer);
        try target.purchase{value: value}(offer, sig, 1) {
            ++replaysAccepted;
        } catch {}
        vm.chainId(savedChain);
        vm.warp(savedTime);
    }

    /// @dev Picks a payee of an offer made so far (most pool accounts are owed nothing), or a
    ///      random pool account when `fromOffer` is false.
    function withdraw(uint256 accountIndex, bool token, bool fromOffer) external {
        address account = pool[accountIndex % (POOL - 1)];
        if (fromOffer && offers.length > 0) {
            OfferParams memory p = offers[accountIndex % offers.length];
            address payee = pool[(p.payeeOffset + (accountIndex >> 8) % p.payeeCount) % POOL];
            if (payee != address(actor)) account = payee;
        }
        address currency = token ? address(usd) : ETH;
        uint256 due = lic.owed(currency, account);
        uint256 before = token ? usd.balanceOf(account) : account.balance;
        vm.prank(account);
        try lic.withdraw(currency) {
            if (lic.paused()) ++pausedMoves;
            uint256 got = (token ? usd.balanceOf(account) : account.balance) - before;
            if (got != due || due == 0) ++reentryGain;
            withdrawn[currency] += got;
            ++withdrawals;
        } catch {
            if (due != 0 && !lic.paused()) revert("a valid withdrawal was refused");
        }
    }

    /// @dev The actor re-enters withdraw and purchase from its receive hook.
    function actorWithdraw() external {
        uint256 due = lic.owed(ETH, address(actor));
        uint256 before = address(actor).balance;
        uint256 successesBefore = actor.reentrySuccesses();
        try actor.withdraw(ETH) {
            if (lic.paused()) ++pausedMoves;
            uint256 got = address(actor).balance - before;
            if (got != due) ++reentryGain;
            withdrawn[ETH] += got;
            ++withdrawals;
        } catch {
            if (due != 0 && !lic.paused()) revert("the actor's withdrawal was refused");
        }
        if (actor.reentrySuccesses() != successesBefore) ++reentryGain;
    }

    function transferLicence(uint256 index, uint256 from, uint256 to) external {
        if (offers.length == 0) return;
        uint256 id = uint256(lic.hashOffer(_build(offers[index % offers.length])));
        address a = buyers[from % 3];
        address b = buyers[to % 3];
        if (lic.balanceOf(a, id) == 0) return;
        vm.prank(a);
        try lic.safeTransferFrom(a, b, id, 1, "") {
            if (lic.paused()) ++pausedMoves;
        } catch {
            if (!lic.paused()) revert("transfer refused while unpaused");
        }
    }

    function cancel(uint256 index, bool byNonce) external {
        if (offers.length == 0) return;
        OfferParams memory p = offers[index % offers.length];
        MintmarkLicenses.Offer memory offer = _build(p);
        vm.prank(offer.seller);
        if (byNonce) lic.cancelNonce(offer.nonce);
        else lic.cancelOffer(offer);
    }

    function togglePause(uint256 coin) external {
        if (coin % 4 != 0) return; // pause a quarter of the time it is picked
        if (lic.paused()) lic.unpause();
        else lic.pause();
    }

    function unpause() external {
        if (lic.paused()) lic.unpause();
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 0, 1 days));
    }
}

contract LicensesInvariantTest is LicensesFixture {
    MintmarkLicenses internal lic;
    MockERC20 internal usd;
    LicensesHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        lic = new MintmarkLicenses(address(this), "");
        MintmarkLicenses otherLic = new MintmarkLicenses(address(this), "");
        usd = new MockERC20();
        lic.setCurrencyAllowed(address(usd), true);
        otherLic.setCurrencyAllowed(address(usd), true);
        handler = new LicensesHandler(lic, otherLic, usd);
        lic.grantRole(lic.PAUSER_ROLE(), address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = LicensesHandler.purchaseNew.selector;
        selectors[1] = LicensesHandler.purchaseAgain.selector;
        selectors[2] = LicensesHandler.replay.selector;
        selectors[3] = LicensesHandler.withdraw.selector;
        selectors[4] = LicensesHandler.actorWithdraw.selector;
        selectors[5] = LicensesHandler.transferLicence.selector;
        selectors[6] = LicensesHandler.cancel.selector;
        selectors[7] = LicensesHandler.togglePause.selector;
        selectors[8] = LicensesHandler.unpause.selector;
        selectors[9] = LicensesHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev One campaign checks every property after every call (forge runs a separate
    ///      campaign per invariant_ function, so splitting them would multiply the run time).
    function invariant_licenses() public view {
        _fundsConserved();
        _owedMatchesHoldings();
        _splitRounding();
        _noReentrancyGain();
        _signaturesNotReplayable();
        _pausedNothingMoves();
    }

    /// E2: balance + Σwithdrawn == Σpaid, for ETH and for the ERC-20.
    function _fundsConserved() internal view {
        assertEq(address(lic).balance + handler.withdrawn(address(0)), handler.paid(address(0)), "ETH conserved");
        assertEq(
            usd.balanceOf(address(lic)) + handler.withdrawn(address(usd)),
            handler.paid(address(usd)),
            "ERC-20 conserved"
        );
    }

    /// E2: Σowed over every account == totalOwed == what the contract holds.
    function _owedMatchesHoldings() internal view {
        uint256 eth;
        uint256 tok;
        uint256 n = handler.poolLength();
        for (uint256 i = 0; i < n; ++i) {
            eth += lic.owed(address(0), handler.pool(i));
            tok += lic.owed(address(usd), handler.pool(i));
        }
        assertEq(eth, lic.totalOwed(address(0)), "sum owed ETH");
        assertEq(tok, lic.totalOwed(address(usd)), "sum owed ERC-20");
        assertEq(address(lic).balance, eth, "ETH held == owed");
        assertEq(usd.balanceOf(address(lic)), tok, "ERC-20 held == owed");
    }

    /// E3: every purchase split exactly, floor or ceiling per payee, dust ≤ payees − 1.
    function _splitRounding() internal view {
        assertEq(handler.splitViolations(), 0, "split violations");
        assertLe(handler.maxDustSeen(), 19, "dust bound");
    }

    /// E4: withdrawals pay exactly what is owed, once; re-entry never succeeds.
    function _noReentrancyGain() internal view {
        assertEq(handler.reentryGain(), 0, "re-entrancy gain");
        assertEq(handler.actor().reentrySuccesses(), 0, "re-entries that succeeded");
    }

    /// E5: no replayed, expired, cancelled, sold-out, cross-chain, cross-contract or malleated use.
    function _signaturesNotReplayable() internal view {
        assertEq(handler.replaysAccepted(), 0, "replays accepted");
    }

    /// E7: nothing moved while paused.
    function _pausedNothingMoves() internal view {
        assertEq(handler.pausedMoves(), 0, "moves while paused");
    }

    /// Reports how much the campaign exercised (visible with -vv).
    function afterInvariant() public {
        emit log_named_uint("purchases", handler.purchases());
        emit log_named_uint("withdrawals", handler.withdrawals());
        emit log_named_uint("replays tried", handler.replaysTried());
        emit log_named_uint("max dust (wei)", handler.maxDustSeen());
    }
}
