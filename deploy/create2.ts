/**
 * Same addresses on every chain (docs/deploy.md, "Addresses").
 *
 * Two layers:
 * 1. The well-known CREATE2 deployer at `0x4e59b448…4956c` (Arachnid's deterministic deployment
 *    proxy). anvil and most OP Stack chains ship it (a preinstall since Ecotone); where it is
 *    missing it is created the way it was created everywhere else: by broadcasting its published
 *    keyless transaction, after sending its one-time signer the gas money. Calling it with
 *    `salt ‖ initCode` CREATE2s `initCode`: the address is fixed by the code alone.
 * 2. Portcullis' `DeploymentFactory`, created through that deployer with a zero salt — one
 *    address on every chain — puts each Portcullis contract at an address fixed by (deployer
 *    key, salt) alone (`contracts/deploy/DeploymentFactory.sol`). So the gateway keeps its address
 *    when its constructor arguments (the guardian set, the large delay) change in the config
 *    later, a chain added next year gets the same address, and nobody but the deployer key can
 *    ever take one of these addresses (the factory hashes the salt with `msg.sender`): there is
 *    nothing to front-run.
 *
 * Third-party contracts without constructor arguments (the Safe contracts) go through layer 1
 * only, like everyone else's: whoever deployed them there first, they are the same code.
 */
import {
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  getContractAddress,
  keccak256,
  stringToHex,
  zeroHash,
  type Address,
  type Hex,
} from "viem";
import { deploymentFactoryAbi, deploymentFactoryBytecode } from "../core/generated/abis.js";

/** The deterministic deployment proxy: `salt ‖ initCode` in, CREATE2 out. */
export const CREATE2_DEPLOYER: Address = getAddress("0x4e59b44847b379578588920ca78fbf26c0b4956c");

/**
 * The transaction that creates it, as published with the proxy (github.com/Arachnid/
 * deterministic-deployment-proxy): legacy, without a chain id (so it replays on any chain),
 * gas 100 000 at 100 gwei, signed with r = s = 0x2222…, so nobody holds the signer's key and the
 * signer's nonce 0 can only ever create this contract.
 */
export const CREATE2_DEPLOYER_TX: Hex =
  "0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf31ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222";

/** The keyless signer of `CREATE2_DEPLOYER_TX` (recovered from its signature). */
export const CREATE2_DEPLOYER_SIGNER: Address = getAddress("0x3fab184622dc19b6109349b94811493bf2a45362");

/** What the signer must hold for the transaction to be mined: its gas limit times its gas price. */
export const CREATE2_DEPLOYER_FUNDING = 100_000n * 100_000_000_000n;

/** Where `initCode` lands when sent to the CREATE2 deployer with `salt`. */
export function create2Address(salt: Hex, initCode: Hex): Address {
  return getContractAddress({ opcode: "CREATE2", from: CREATE2_DEPLOYER, salt, bytecode: initCode });
}

/** Calldata for the CREATE2 deployer. */
export function create2Calldata(salt: Hex, initCode: Hex): Hex {
  return concat([salt, initCode]);
}

/** The `DeploymentFactory`'s salt at the CREATE2 deployer. */
export const FACTORY_SALT: Hex = zeroHash;

/**
 * The factory's address: fixed by its compiled bytecode. `test/ts/deploy/create2.test.ts` pins it,
 * so a change to the factory (or to the compiler settings) cannot move every address unnoticed.
 */
export function factoryAddress(): Address {
  return create2Address(FACTORY_SALT, deploymentFactoryBytecode);
}

/** The factory's creation code (what the CREATE2 deployer is sent with `FACTORY_SALT`). */
export const FACTORY_INIT_CODE: Hex = deploymentFactoryBytecode;

/** The 18-byte stub the factory CREATE2s (see `DeploymentFactory.sol`); mirrored to predict offline. */
const STUB_CODE: Hex = "0x68363d3d37363d34f00060005260096017f3";

/**
 * A salt of one Portcullis contract: `keccak256("<namespace>/<label>")`, where the namespace is
 * the config's `salt` (one deployment) and the label names the contract ("gateway", …).
 */
export function contractSalt(namespace: string, label: string): Hex {
  return keccak256(stringToHex(`${namespace}/${label}`));
}

/** Where the factory puts `deployer`'s contract with `salt`, on every chain (offline). */
export function factoryDeployedAddress(deployer: Address, salt: Hex): Address {
  const bound = keccak256(encodeAbiParameters([{ type: "address" }, { type: "bytes32" }], [deployer, salt]));
  const stub = getContractAddress({ opcode: "CREATE2", from: factoryAddress(), salt: bound, bytecode: STUB_CODE });
  return getContractAddress({ from: stub, nonce: 1n });
}

/** Calldata of `factory.deploy(salt, initCode)`. */
export function factoryDeployCalldata(salt: Hex, initCode: Hex): Hex {
  return encodeFunctionData({ abi: deploymentFactoryAbi, functionName: "deploy", args: [salt, initCode] });
}
