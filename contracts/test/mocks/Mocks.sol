// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MintmarkLicenses} from "../../src/MintmarkLicenses.sol";

/// @notice Plain ERC-20 with open minting.
contract MockERC20 is ERC20 {
    constructor() ERC20("Mock USD", "mUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice ERC-20 that burns 1% (rounded up) of every transfer between two accounts.
contract FeeOnTransferERC20 is ERC20 {
    constructor() ERC20("Fee Token", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0) && value > 0) {
            uint256 fee = (value + 99) / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @notice ERC-1271 smart-contract wallet owned by one ECDSA key.
contract ERC1271Wallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }

    function call(address target, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "not owner");
        (bool ok, bytes memory ret) = target.call(data);
        require(ok, "call failed");
        return ret;
    }
}

/// @notice A payee and buyer that re-enters the licences contract from every callback it gets
///         (ETH receipt, ERC-1155 receipt) and records whether any re-entry succeeded.
contract ReentrantActor is IERC1155Receiver {
    MintmarkLicenses public immutable licenses;
    MintmarkLicenses.Offer internal storedOffer;
    bytes internal storedSignature;
    bool public hasOffer;
    uint256 public reentrySuccesses;
    uint256 public reentryAttempts;

    constructor(MintmarkLicenses licenses_) {
        licenses = licenses_;
    }

    function setOffer(MintmarkLicenses.Offer calldata offer, bytes calldata signature) external {
        storedOffer = offer;
        storedSignature = signature;
        hasOffer = true;
    }

    function withdraw(address currency) external {
        licenses.withdraw(currency);
    }

    function buy(MintmarkLicenses.Offer calldata offer, bytes calldata signature, uint32 quantity) external payable {
        licenses.purchase{value: msg.value}(offer, signature, quantity);
    }

    function _reenter() internal {
        ++reentryAttempts;
        try licenses.withdraw(address(0)) {
            ++reentrySuccesses;
        } catch {}
        if (hasOffer) {
            uint256 price = storedOffer.currency == address(0) ? storedOffer.price : 0;
            if (address(this).balance >= price) {
                try licenses.purchase{value: price}(storedOffer, storedSignature, 1) {
                    ++reentrySuccesses;
                } catch {}
            }
        }
    }

    receive() external payable {
        _reenter();
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return IERC1155Receiver.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == 0x01ffc9a7;
    }
}
