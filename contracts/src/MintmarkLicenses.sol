// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC1155Pausable} from "@openzeppelin/contracts/token/ERC1155/extensions/ERC1155Pausable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title MintmarkLicenses
/// @notice Sells licences to Mintmark assets. A rights holder signs an EIP-712 `Offer`
///         off-chain; anyone buys with `purchase`, which checks the offer, takes exact payment
///         in ETH or an allow-listed ERC-20, credits every payee of the royalty split (pull
///         payments, see `withdraw`) and mints ERC-1155 licence tokens (id = uint256(offerHash)).
/// @dev Split rounding: each payee is owed floor(amount * bps / 10000); the dust
///      (amount - Σfloors, at most payees - 1 wei) goes one wei at a time, in listed order, to
///      the payees whose exact share has a fractional part. Every payee thus gets the floor or
///      the ceiling of its exact share, Σcredited == amount, and the result depends only on the
///      offer. Required shares (`setRequiredShares`) are set by REGISTRAR_ROLE, the on-chain
///      mirror of the registry's lineage rule: an offer for an asset must give each required
///      account at least its required bps, else `purchase` and `validateOffer` revert.
///      Pausing stops everything that moves value or tokens (purchase, withdraw, token
///      transfers); cancellations and admin settings stay available.
contract MintmarkLicenses is ERC1155Pausable, AccessControl, EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Role that may pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("MINTMARK_PAUSER_ROLE");
    /// @notice Role that may allow or disallow payment currencies.
    bytes32 public constant CURRENCY_ROLE = keccak256("MINTMARK_CURRENCY_ROLE");
    /// @notice Role that may set the shares an asset's offers must carry (the registry's key).
    bytes32 public constant REGISTRAR_ROLE = keccak256("MINTMARK_REGISTRAR_ROLE");

    /// @notice Basis points in 100%.
    uint16 public constant BPS_DENOMINATOR = 10_000;
    /// @notice Most payees (and most required shares) one offer may carry.
    uint256 public constant MAX_PAYEES = 50;
    /// @notice Currency id of native ETH.
    address public constant ETH = address(0);

    /// @notice One royalty recipient and its share in basis points.
    struct Payee {
        address account;
        uint16 bps;
    }

    /// @notice A signed offer to sell up to `maxSupply` licences to `assetId` under `termsHash`.
    struct Offer {
        bytes32 assetId;
        bytes32 termsHash;
        address seller;
        address currency;
        uint256 price;
        uint32 maxSupply;
        uint64 expiry;
        uint256 nonce;
        Payee[] payees;
    }

    /// @notice EIP-712 type hash of `Payee`.
    bytes32 public constant PAYEE_TYPEHASH = keccak256("Payee(address account,uint16 bps)");
    /// @notice EIP-712 type hash of `Offer` (referenced struct types appended, per EIP-712).
    bytes32 public constant OFFER_TYPEHASH = keccak256(
        "Offer(bytes32 assetId,bytes32 termsHash,address seller,address currency,uint256 price,uint32 maxSupply,uint64 expiry,uint256 nonce,Payee[] payees)Payee(address account,uint16 bps)"
    );

    mapping(address currency => mapping(address account => uint256)) private _owed;
    mapping(address currency => uint256) private _totalOwed;
    mapping(address currency => bool) private _currencyAllowed;
    mapping(bytes32 offerHash => uint256) private _sold;
    mapping(bytes32 offerHash => bool) private _offerCancelled;
    mapping(address seller => mapping(uint256 nonce => bool)) private _nonceCancelled;
    mapping(bytes32 assetId => Payee[]) private _requiredShares;

    /// @notice `quantity` licences under offer `offerHash` were bought for `amount`.
    event LicensePurchased(
        bytes32 indexed offerHash,
        bytes32 indexed assetId,
        address indexed buyer,
        address seller,
        address currency,
        uint256 amount,
        uint32 quantity
    );
    /// @notice `account` was credited `amount` of `currency` from a purchase of `offerHash`.
    event PaymentCredited(bytes32 indexed offerHash, address indexed account, address indexed currency, uint256 amount);
    /// @notice `account` withdrew `amount` of `currency` to `to`.
    event Withdrawn(address indexed account, address indexed currency, address to, uint256 amount);
    /// @notice The seller cancelled one offer.
    event OfferCancelled(bytes32 indexed offerHash, address indexed seller);
    /// @notice The seller cancelled every offer it signed with `nonce`.
    event NonceCancelled(address indexed seller, uint256 indexed nonce);
    /// @notice An ERC-20 currency was allowed or disallowed.
    event CurrencyAllowed(address indexed currency, bool allowed);
    /// @notice The shares every offer for `assetId` must carry were replaced.
    event RequiredSharesSet(bytes32 indexed assetId, Payee[] required);

    /// @notice The signature is not the seller's over this offer on this chain and contract.
    error MintmarkLicensesInvalidSignature(bytes32 offerHash, address seller);
    /// @notice The offer expired at `expiry`.
    error MintmarkLicensesOfferExpired(bytes32 offerHash, uint64 expiry);
    /// @notice The seller cancelled this offer.
    error MintmarkLicensesOfferIsCancelled(bytes32 offerHash);
    /// @notice The seller cancelled every offer with this nonce.
    error MintmarkLicensesNonceIsCancelled(address seller, uint256 nonce);
    /// @notice Buying `quantity` more would exceed the offer's `maxSupply`.
    error MintmarkLicensesSupplyExceeded(bytes32 offerHash, uint256 sold, uint32 quantity, uint32 maxSupply);
    /// @notice Quantity must be at least 1.
    error MintmarkLicensesZeroQuantity();
    /// @notice The currency is neither ETH nor an allow-listed ERC-20.
    error MintmarkLicensesCurrencyNotAllowed(address currency);
    /// @notice ETH sent (`received`) differs from the price (`expected`).
    error MintmarkLicensesWrongPayment(uint256 expected, uint256 received);
    /// @notice The token delivered less than transferred (fee-on-transfer tokens are refused).
    error MintmarkLicensesTransferShortfall(address currency, uint256 expected, uint256 received);
    /// @notice An offer needs 1..50 payees.
    error MintmarkLicensesPayeeCount(uint256 count);
    /// @notice Payee at `index` is the zero address or has 0 bps.
    error MintmarkLicensesInvalidPayee(uint256 index);
    /// @notice Payee bps sum to `sum`, not 10000.
    error MintmarkLicensesBpsSum(uint256 sum);
    /// @notice The offer gives `account` `offeredBps`, below the `requiredBps` the asset requires.
    error MintmarkLicensesRequiredShareMissing(
        bytes32 assetId, address account, uint16 requiredBps, uint256 offeredBps
    );
    /// @notice Required shares need 0..50 entries, non-zero accounts and bps, summing to ≤ 10000.
    error MintmarkLicensesInvalidRequiredShares();
    /// @notice Only the offer's seller may cancel it.
    error MintmarkLicensesNotSeller(address caller, address seller);
    /// @notice Nothing is owed to the caller in this currency.
    error MintmarkLicensesNothingOwed(address account, address currency);
    /// @notice Withdrawal to the zero address.
    error MintmarkLicensesZeroRecipient();
    /// @notice ETH is not an ERC-20 and is always allowed.
    error MintmarkLicensesNotAnErc20();

    /// @param admin Receives the default admin, pauser, currency and registrar roles.
    /// @param uri_ ERC-1155 metadata URI template (`{id}` substituted by clients).
    constructor(address admin, string memory uri_) ERC1155(uri_) EIP712("MintmarkLicenses", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(CURRENCY_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    // ---------------------------------------------------------------- purchase

    /// @notice Buys `quantity` licences under a signed offer; mints them to the caller.
    /// @dev Pays exactly `offer.price * quantity`: as msg.value for ETH, else by transferFrom
    ///      (approve first; msg.value must be 0). Credits the payees; nothing is pushed.
    /// @param offer The offer, as signed.
    /// @param signature The seller's EIP-712 signature (65-byte ECDSA, or ERC-1271 for contracts).
    /// @param quantity How many licences, ≥ 1.
    /// @return offerHash The EIP-712 struct hash of the offer; the licence token id is its uint256.
    function purchase(Offer calldata offer, bytes calldata signature, uint32 quantity)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (bytes32 offerHash)
    {
        offerHash = _validate(offer, signature, quantity);
        uint256 amount = offer.price * quantity;
        _sold[offerHash] += quantity;

        if (offer.currency == ETH) {
            if (msg.value != amount) revert MintmarkLicensesWrongPayment(amount, msg.value);
        } else {
            if (msg.value != 0) revert MintmarkLicensesWrongPayment(0, msg.value);
            IERC20 token = IERC20(offer.currency);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = token.balanceOf(address(this)) - before;
            if (received != amount) revert MintmarkLicensesTransferShortfall(offer.currency, amount, received);
        }

        uint256[] memory shares = _split(amount, offer.payees);
        for (uint256 i = 0; i < shares.length; ++i) {
            if (shares[i] == 0) continue;
            address account = offer.payees[i].account;
            _owed[offer.currency][account] += shares[i];
            emit PaymentCredited(offerHash, account, offer.currency, shares[i]);
        }
        _totalOwed[offer.currency] += amount;

        emit LicensePurchased(offerHash, offer.assetId, msg.sender, offer.seller, offer.currency, amount, quantity);
        // Last: the ERC-1155 acceptance callback runs on a contract buyer.
        _mint(msg.sender, uint256(offerHash), quantity, "");
    }

    /// @notice Runs every check `purchase` runs except payment; reverts with the first failure.
    /// @param offer The offer.
    /// @param signature The seller's signature.
    /// @param quantity The quantity to check against the remaining supply.
    /// @return offerHash The offer's EIP-712 struct hash.
    function validateOffer(Offer calldata offer, bytes calldata signature, uint32 quantity)
        external
        view
        returns (bytes32 offerHash)
    {
        return _validate(offer, signature, quantity);
    }

    // ---------------------------------------------------------------- withdrawals

    /// @notice Withdraws everything owed to the caller in `currency` to the caller.
    /// @param currency address(0) for ETH, else the ERC-20.
    function withdraw(address currency) external nonReentrant whenNotPaused {
        _withdraw(currency, payable(msg.sender));
    }

    /// @notice Withdraws everything owed to the caller in `currency` to `to` (for payees that
    ///         cannot receive ETH themselves).
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @param to Recipient of the funds.
    function withdrawTo(address currency, address payable to) external nonReentrant whenNotPaused {
        if (to == address(0)) revert MintmarkLicensesZeroRecipient();
        _withdraw(currency, to);
    }

    // ---------------------------------------------------------------- cancellation

    /// @notice Cancels one offer; only its seller may.
    /// @param offer The offer to cancel.
    function cancelOffer(Offer calldata offer) external {
        if (msg.sender != offer.seller) revert MintmarkLicensesNotSeller(msg.sender, offer.seller);
        bytes32 offerHash = hashOffer(offer);
        _offerCancelled[offerHash] = true;
        emit OfferCancelled(offerHash, msg.sender);
    }

    /// @notice Cancels every offer the caller signed with `nonce`.
    /// @param nonce The nonce.
    function cancelNonce(uint256 nonce) external {
        _nonceCancelled[msg.sender][nonce] = true;
        emit NonceCancelled(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Allows or disallows an ERC-20 as payment currency.
    /// @dev Allow only plain tokens: fee-on-transfer tokens revert at purchase, and rebasing
    ///      tokens would break the accounting of what is owed.
    /// @param currency The ERC-20.
    /// @param allowed Whether offers may be paid in it.
    function setCurrencyAllowed(address currency, bool allowed) external onlyRole(CURRENCY_ROLE) {
        if (currency == ETH) revert MintmarkLicensesNotAnErc20();
        _currencyAllowed[currency] = allowed;
        emit CurrencyAllowed(currency, allowed);
    }

    /// @notice Replaces the shares every offer for `assetId` must carry (empty clears them).
    /// @dev Held by the registry's publishing key, which computes them from the manifest's
    ///      lineage and the parents' terms.
    /// @param assetId The asset.
    /// @param required Accounts and minimum bps; ≤ 50 entries, non-zero, Σbps ≤ 10000.
    function setRequiredShares(bytes32 assetId, Payee[] calldata required) external onlyRole(REGISTRAR_ROLE) {
        if (required.length > MAX_PAYEES) revert MintmarkLicensesInvalidRequiredShares();
        uint256 sum;
        delete _requiredShares[assetId];
        Payee[] storage stored = _requiredShares[assetId];
        for (uint256 i = 0; i < required.length; ++i) {
            if (required[i].account == address(0) || required[i].bps == 0) {
                revert MintmarkLicensesInvalidRequiredShares();
            }
            sum += required[i].bps;
            stored.push(required[i]);
        }
        if (sum > BPS_DENOMINATOR) revert MintmarkLicensesInvalidRequiredShares();
        emit RequiredSharesSet(assetId, required);
    }

    /// @notice Pauses purchases, withdrawals and licence transfers.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @notice EIP-712 struct hash of `offer` (chain-independent; the signed digest adds the domain).
    /// @param offer The offer.
    /// @return The struct hash; `uint256` of it is the licence token id.
    function hashOffer(Offer calldata offer) public pure returns (bytes32) {
        bytes32[] memory payeeHashes = new bytes32[](offer.payees.length);
        for (uint256 i = 0; i < offer.payees.length; ++i) {
            payeeHashes[i] = keccak256(abi.encode(PAYEE_TYPEHASH, offer.payees[i].account, offer.payees[i].bps));
        }
        return keccak256(
            abi.encode(
                OFFER_TYPEHASH,
                offer.assetId,
                offer.termsHash,
                offer.seller,
                offer.currency,
                offer.price,
                offer.maxSupply,
                offer.expiry,
                offer.nonce,
                keccak256(abi.encodePacked(payeeHashes))
            )
        );
    }

    /// @notice The EIP-712 digest the seller signs for `offer` on this chain and contract.
    /// @param offer The offer.
    /// @return The digest.
    function offerDigest(Offer calldata offer) external view returns (bytes32) {
        return _hashTypedDataV4(hashOffer(offer));
    }

    /// @notice The EIP-712 domain separator (chain id and this contract bound in).
    /// @return The separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice How the contract splits `amount` among `payees` (see the contract's dev note).
    /// @param amount The amount paid.
    /// @param payees The split; must be valid (1..50 payees, Σbps == 10000).
    /// @return shares Amount credited to each payee, in order; Σshares == amount.
    function computeSplit(uint256 amount, Payee[] calldata payees) external pure returns (uint256[] memory shares) {
        _checkPayees(payees);
        return _split(amount, payees);
    }

    /// @notice Amount of `currency` owed to `account`, withdrawable now.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @param account The payee.
    /// @return The amount.
    function owed(address currency, address account) external view returns (uint256) {
        return _owed[currency][account];
    }

    /// @notice Σ owed over all accounts in `currency`; the contract holds at least this much.
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @return The total.
    function totalOwed(address currency) external view returns (uint256) {
        return _totalOwed[currency];
    }

    /// @notice Licences sold so far under `offerHash`.
    /// @param offerHash The offer's struct hash.
    /// @return The count.
    function sold(bytes32 offerHash) external view returns (uint256) {
        return _sold[offerHash];
    }

    /// @notice Whether the seller cancelled offer `offerHash`.
    /// @param offerHash The offer's struct hash.
    /// @return True if cancelled.
    function offerCancelled(bytes32 offerHash) external view returns (bool) {
        return _offerCancelled[offerHash];
    }

    /// @notice Whether `seller` cancelled `nonce`.
    /// @param seller The seller.
    /// @param nonce The nonce.
    /// @return True if cancelled.
    function nonceCancelled(address seller, uint256 nonce) external view returns (bool) {
        return _nonceCancelled[seller][nonce];
    }

    /// @notice Whether offers may be paid in `currency` (ETH always may).
    /// @param currency address(0) for ETH, else the ERC-20.
    /// @return True if allowed.
    function currencyAllowed(address currency) public view returns (bool) {
        return currency == ETH || _currencyAllowed[currency];
    }

    /// @notice The shares every offer for `assetId` must carry.
    /// @param assetId The asset.
    /// @return The required payees and their minimum bps.
    function requiredShares(bytes32 assetId) external view returns (Payee[] memory) {
        return _requiredShares[assetId];
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _validate(Offer calldata offer, bytes calldata signature, uint32 quantity)
        private
        view
        returns (bytes32 offerHash)
    {
        offerHash = hashOffer(offer);
        if (quantity == 0) revert MintmarkLicensesZeroQuantity();
        // Expiries are coarse (hours, days): a validator's few seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > offer.expiry) revert MintmarkLicensesOfferExpired(offerHash, offer.expiry);
        if (_offerCancelled[offerHash]) revert MintmarkLicensesOfferIsCancelled(offerHash);
        if (_nonceCancelled[offer.seller][offer.nonce]) {
            revert MintmarkLicensesNonceIsCancelled(offer.seller, offer.nonce);
        }
        uint256 soldSoFar = _sold[offerHash];
        if (soldSoFar + quantity > offer.maxSupply) {
            revert MintmarkLicensesSupplyExceeded(offerHash, soldSoFar, quantity, offer.maxSupply);
        }
        if (!currencyAllowed(offer.currency)) revert MintmarkLicensesCurrencyNotAllowed(offer.currency);
        _checkPayees(offer.payees);
        _checkRequiredShares(offer.assetId, offer.payees);
        // Covers ECDSA (low-s only, via OZ ECDSA.tryRecover) and ERC-1271 contract sellers.
        if (!SignatureChecker.isValidSignatureNowCalldata(offer.seller, _hashTypedDataV4(offerHash), signature)) {
            revert MintmarkLicensesInvalidSignature(offerHash, offer.seller);
        }
    }

    function _checkPayees(Payee[] calldata payees) private pure {
        uint256 n = payees.length;
        if (n == 0 || n > MAX_PAYEES) revert MintmarkLicensesPayeeCount(n);
        uint256 sum;
        for (uint256 i = 0; i < n; ++i) {
            if (payees[i].account == address(0) || payees[i].bps == 0) revert MintmarkLicensesInvalidPayee(i);
            sum += payees[i].bps;
        }
        if (sum != BPS_DENOMINATOR) revert MintmarkLicensesBpsSum(sum);
    }

    /// @dev An account listed several times in the offer counts with the sum of its entries.
    function _checkRequiredShares(bytes32 assetId, Payee[] calldata payees) private view {
        Payee[] storage required = _requiredShares[assetId];
        uint256 r = required.length;
        for (uint256 j = 0; j < r; ++j) {
            Payee memory need = required[j];
            uint256 offered;
            for (uint256 i = 0; i < payees.length; ++i) {
                if (payees[i].account == need.account) offered += payees[i].bps;
            }
            if (offered < need.bps) {
                revert MintmarkLicensesRequiredShareMissing(assetId, need.account, need.bps, offered);
            }
        }
    }

    /// @dev Floor shares, then the dust one wei each, in order, to payees with a fractional part.
    ///      Σ fractional parts == dust and each is < 1, so more than `dust` payees have one.
    function _split(uint256 amount, Payee[] calldata payees) private pure returns (uint256[] memory shares) {
        uint256 n = payees.length;
        shares = new uint256[](n);
        uint256 credited;
        for (uint256 i = 0; i < n; ++i) {
            uint256 share = Math.mulDiv(amount, payees[i].bps, BPS_DENOMINATOR);
            shares[i] = share;
            credited += share;
        }
        uint256 dust = amount - credited;
        for (uint256 i = 0; dust != 0 && i < n; ++i) {
            if (mulmod(amount, payees[i].bps, BPS_DENOMINATOR) != 0) {
                shares[i] += 1;
                --dust;
            }
        }
    }

    function _withdraw(address currency, address payable to) private {
        uint256 amount = _owed[currency][msg.sender];
        if (amount == 0) revert MintmarkLicensesNothingOwed(msg.sender, currency);
        _owed[currency][msg.sender] = 0;
        _totalOwed[currency] -= amount;
        emit Withdrawn(msg.sender, currency, to, amount);
        if (currency == ETH) {
            Address.sendValue(to, amount);
        } else {
            IERC20(currency).safeTransfer(to, amount);
        }
    }
}
