/**
 * Same addresses on every chain (deploy/create2.ts) on an in-process chain that, unlike anvil,
 * lacks the CREATE2 deployer: the planner installs it from its published keyless transaction,
 * creates the DeploymentFactory through it at the pinned address, and the factory puts a
 * contract where the offline prediction says — for the deployer only.
 */
import { network } from "hardhat";
import {
  encodeDeployData,
  getContractAddress,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  stringToHex,
  type Address,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentFactoryAbi, testTokenAbi, testTokenBytecode } from "../../../core/generated/abis.js";
import {
  CREATE2_DEPLOYER,
  CREATE2_DEPLOYER_SIGNER,
  CREATE2_DEPLOYER_TX,
  factoryAddress,
  factoryDeployCalldata,
  factoryDeployedAddress,
} from "../../../deploy/create2.js";
import { executeSteps, type DeployerWallet } from "../../../deploy/execute.js";
import { infraFindings, stepsOf } from "../../../deploy/plan.js";

/**
 * The factory's address on every chain. It follows from the factory's compiled bytecode: a
 * change to the contract or the compiler settings moves every Portcullis address, so it must
 * be deliberate (update this constant and say so in the release notes).
 */
const PINNED_FACTORY = "0xB79eF4fEDfaB9fa9827047B8695DC0C8Fcf631fA";

type Connection = Awaited<ReturnType<typeof network.connect>>;
let connection: Connection;
let publicClient: Awaited<ReturnType<Connection["viem"]["getPublicClient"]>>;
let deployer: DeployerWallet;
let other: DeployerWallet;

const hasCode = async (address: Address) => ((await publicClient.getCode({ address })) ?? "0x").length > 2;

beforeAll(async () => {
  connection = await network.connect({ network: "l2a" });
  publicClient = await connection.viem.getPublicClient();
  const wallets = (await connection.viem.getWalletClients()) as unknown as DeployerWallet[];
  deployer = wallets[0]!;
  other = wallets[1]!;
});

afterAll(async () => {
  await connection?.close();
});

describe("CREATE2 deployer and DeploymentFactory", () => {
  it("test_create2Deployer_publishedTransaction: keyless, chain-less, creates 0x4e59…", async () => {
    const tx = parseTransaction(CREATE2_DEPLOYER_TX);
    expect(tx.chainId).toBeUndefined();
    const signer = await recoverTransactionAddress({ serializedTransaction: CREATE2_DEPLOYER_TX as never });
    expect(signer).toBe(CREATE2_DEPLOYER_SIGNER);
    expect(getContractAddress({ from: signer, nonce: 0n })).toBe(CREATE2_DEPLOYER);
  });

  it("test_infra_missingEverywhere_installsDeployerThenFactory", async () => {
    expect(await hasCode(CREATE2_DEPLOYER)).toBe(false);
    const findings = infraFindings("l2a", factoryAddress(), {
      create2: {
        deployed: false,
        signerNonce: await publicClient.getTransactionCount({ address: CREATE2_DEPLOYER_SIGNER }),
        signerBalance: await publicClient.getBalance({ address: CREATE2_DEPLOYER_SIGNER }),
      },
      factory: await hasCode(factoryAddress()),
    });
    const steps = stepsOf(findings);
    expect(steps.map((s) => s.creates ?? "fund")).toEqual(["fund", CREATE2_DEPLOYER, factoryAddress()]);
    const lines: string[] = [];
    await executeSteps(steps, { l2a: { publicClient, wallet: deployer, confirmations: 1 } }, (l) => lines.push(l));
    expect(lines.filter((l) => l.includes("done in block"))).toHaveLength(3);
    expect(await hasCode(CREATE2_DEPLOYER)).toBe(true);
    expect(await hasCode(factoryAddress())).toBe(true);
    expect(factoryAddress()).toBe(PINNED_FACTORY);
  });

  it("test_factory_predictionMatchesChain_boundToDeployer", async () => {
    const salt = keccak256(stringToHex("portcullis/v1/gateway"));
    const predicted = factoryDeployedAddress(deployer.account.address, salt);
    const onChain = await publicClient.readContract({
      address: factoryAddress(),
      abi: deploymentFactoryAbi,
      functionName: "addressOf",
      args: [deployer.account.address, salt],
    });
    expect(onChain).toBe(predicted);
    // Someone else using the same salt lands elsewhere and leaves the deployer's address free.
    const initCode = encodeDeployData({ abi: testTokenAbi, bytecode: testTokenBytecode, args: ["T", "T", 18] });
    for (const wallet of [other, deployer]) {
      const hash = await wallet.sendTransaction({ to: factoryAddress(), data: factoryDeployCalldata(salt, initCode) });
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
      if (wallet === other) expect(await hasCode(predicted)).toBe(false);
    }
    expect(await hasCode(factoryDeployedAddress(other.account.address, salt))).toBe(true);
    expect(await hasCode(predicted)).toBe(true);
  });
});
