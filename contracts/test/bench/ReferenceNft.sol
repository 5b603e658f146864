// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Bench reference (bench/chain-gas.mjs): the usual way to put one asset on-chain, an
///         OpenZeppelin ERC-721 mint with the asset's content hash as token id.
contract ReferenceNft is ERC721 {
    constructor() ERC721("Reference", "REF") {}

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
