/**
 * `portcullis-deploy`: deploys Portcullis to real networks (docs/deploy.md).
 *
 *   portcullis-deploy plan  --config deploy.json [--json] [--calldata]
 *   portcullis-deploy apply --config deploy.json [--manifest out.json] [--keystore file] [--password-file file]
 *   portcullis-deploy check --config deploy.json [--manifest out.json] [--json]
 *
 * `plan` prints every transaction `apply` would send now, per chain, in order; `apply` sends them
 * (resumable: a re-run continues from what is on-chain) and writes the manifest; `check` reports
 * every difference between the config and the chains and exits 1 on any (for CI).
 *
 * The deployer key (apply only): `--keystore`/`DEPLOYER_KEYSTORE`, an encrypted key file (Web3
 * Secret Storage v3), whose password is the first line of `--password-file`/
 * `DEPLOYER_KEYSTORE_PASSWORD_FILE` or typed at a prompt; `DEPLOYER_KEY` (a raw key) only when
 * every L2 of the config is a devnet. See docs/keys.md.
 *
 * Exit codes: 0 done / no drift; 1 drift left (check, or apply with differences only governance
 * can fix); 2 the config, a chain or the key is wrong (one line per problem, nothing sent).
 */
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { formatEther } from "viem";
import { z } from "zod";
import { loadManifest } from "../core/manifest-file.js";
import type { Manifest } from "../core/manifest.js";
import { keySourceOf, loadSigner, type Signer } from "../core/signer.js";
import { configWarnings, isDevnet, loadDeployConfig, type DeployConfig } from "./config.js";
import { apply, inspect, knownBlocksOf } from "./engine.js";
import { stepsOf, unfixable, type Finding, type Step } from "./plan.js";

const EXIT = { ok: 0, drift: 1, error: 2 } as const;

class UsageError extends Error {
  override name = "UsageError";
}

const configOption = () => new Option("--config <file>", "the deployment config (deploy.json)").makeOptionMandatory();
const manifestOption = () =>
  new Option("--manifest <file>", "the deployment manifest (default: manifest.json next to the config)");

const program = new Command("portcullis-deploy")
  .description("Deploy Portcullis: plan, apply (resumable) and check a deployment against its config.")
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command("plan")
  .description("print every transaction apply would send now, per chain, in order")
  .addOption(configOption())
  .addOption(manifestOption())
  .option("--json", "machine-readable: the transactions and the differences only governance can fix")
  .option("--calldata", "print each transaction's full calldata")
  .action((o) => run(() => planCommand(o)));

program
  .command("apply")
  .description("send the plan's transactions, then write the manifest (re-run to resume)")
  .addOption(configOption())
  .addOption(manifestOption())
  .addOption(new Option("--keystore <file>", "the deployer's encrypted key file").env("DEPLOYER_KEYSTORE"))
  .addOption(
    new Option("--password-file <file>", "file whose first line is the key file's password").env(
      "DEPLOYER_KEYSTORE_PASSWORD_FILE",
    ),
  )
  .action((o) => run(() => applyCommand(o)));

program
  .command("check")
  .description("report every difference between the config and the chains; exit 1 on any")
  .addOption(configOption())
  .addOption(manifestOption())
  .option("--json", "machine-readable differences")
  .action((o) => run(() => checkCommand(o)));

async function run(command: () => Promise<number>) {
  try {
    process.exitCode = await command();
  } catch (e) {
    const err = e as Error;
    const known = [
      "DeployConfigError",
      "ChainMismatchError",
      "EscapeContractsError",
      "DeployerMismatchError",
      "UsageError",
      "KeystoreError",
      "WrongPasswordError",
      "ManifestError",
      "StepFailedError",
      "ManifestIncompleteError",
    ];
    process.stderr.write(`${known.includes(err.name) ? err.message : (err.stack ?? String(err))}\n`);
    process.exitCode = EXIT.error;
  }
}

interface Common {
  config: string;
  manifest?: string;
}

function load(o: Common): { config: DeployConfig; manifestPath: string; previous?: Manifest } {
  const config = loadDeployConfig(o.config);
  for (const w of configWarnings(config)) process.stderr.write(`${w}\n`);
  const manifestPath = resolve(o.manifest ?? join(dirname(resolve(o.config)), "manifest.json"));
  const previous = existsSync(manifestPath) ? loadManifest(manifestPath) : undefined;
  return { config, manifestPath, previous };
}

async function planCommand(o: Common & { json?: boolean; calldata?: boolean }): Promise<number> {
  const { config, previous } = load(o);
  const { findings } = await inspect(config, { knownBlock: knownBlocksOf(previous) });
  const steps = stepsOf(findings);
  const blocked = unfixable(findings);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ steps, unfixable: blocked }, jsonBigint, 2)}\n`);
    return EXIT.ok;
  }
  const out: string[] = [`plan for ${config.network} (deployer ${config.deployer}), from what the chains hold now:`];
  const chains = [config.l1, ...config.chains];
  for (const c of chains) {
    const mine = steps.filter((s) => s.chain === c.name);
    if (!mine.length) continue;
    out.push("", `${c.name} (chain ${c.chainId}): ${mine.length} transaction(s)`);
    mine.forEach((s, i) => out.push(`  ${String(i + 1).padStart(3)}. ${s.title}`, `       ${txLine(s, !!o.calldata)}`));
  }
  if (blocked.length) {
    out.push("", "the deployer cannot change these (fix them as shown, or change the config):");
    for (const f of blocked) out.push(`  ${findingLine(f)}`);
  }
  out.push(
    "",
    steps.length
      ? `${steps.length} transaction(s) on ${new Set(steps.map((s) => s.chain)).size} chain(s): run \`portcullis-deploy apply\` to send them`
      : "nothing to send: every chain already has what the deployer can set",
  );
  process.stdout.write(`${out.join("\n")}\n`);
  return EXIT.ok;
}

function txLine(s: Step, calldata: boolean): string {
  if (s.raw) return calldata ? `raw ${s.raw}` : `raw transaction, ${(s.raw.length - 2) / 2} bytes`;
  const value = s.value ? ` value ${formatEther(s.value)} ETH` : "";
  const data =
    s.data && s.data !== "0x" ? (calldata ? ` data ${s.data}` : ` data ${(s.data.length - 2) / 2} bytes`) : "";
  return `to ${s.to}${value}${data}`;
}

function findingLine(f: Finding): string {
  return `${f.chain}: ${f.text}${f.remedy ? ` — ${f.remedy}` : f.fix.length ? " — apply fixes it" : ""}`;
}

async function applyCommand(o: Common & { keystore?: string; passwordFile?: string }): Promise<number> {
  const { config, manifestPath, previous } = load(o);
  const signer = await deployerSigner(config, o);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const result = await apply(config, signer, { log, knownBlock: knownBlocksOf(previous) });
  writeFileSync(manifestPath, `${JSON.stringify(result.manifest, null, 2)}\n`);
  log(`sent ${result.sent} transaction(s); manifest written to ${manifestPath}`);
  if (result.remaining.length) {
    log(`${result.remaining.length} difference(s) left that the deployer cannot fix:`);
    for (const f of result.remaining) log(`  ${findingLine(f)}`);
    return EXIT.drift;
  }
  log("no drift: every chain matches the config");
  return EXIT.ok;
}

async function checkCommand(o: Common & { json?: boolean }): Promise<number> {
  const { config, previous } = load(o);
  const { findings } = await inspect(config, { knownBlock: knownBlocksOf(previous) });
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ drift: findings }, jsonBigint, 2)}\n`);
  } else if (findings.length) {
    process.stdout.write(
      `${config.network}: ${findings.length} difference(s) between the config and the chains:\n` +
        findings.map((f) => `  ${findingLine(f)}\n`).join(""),
    );
  } else {
    const n = config.chains.length + 1;
    process.stdout.write(`${config.network}: no drift (${n} chains, ${config.tokens.length} tokens checked)\n`);
  }
  return findings.length ? EXIT.drift : EXIT.ok;
}

/** The deployer's signer: key file (+ password file or prompt), or DEPLOYER_KEY on a devnet. */
async function deployerSigner(config: DeployConfig, o: { keystore?: string; passwordFile?: string }): Promise<Signer> {
  const vars = {
    key: process.env.DEPLOYER_KEY,
    keystore: o.keystore,
    passwordFile: o.passwordFile,
    devnet: isDevnet(config),
  };
  const parsed = z
    .object({})
    .transform((_, ctx) => keySourceOf("DEPLOYER", vars, ctx))
    .safeParse({});
  if (!parsed.success || !parsed.data) {
    const lines = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new UsageError(`no deployer key:\n  ${lines.join("\n  ") || "pass --keystore"}`);
  }
  return loadSigner(parsed.data, {
    logger: {
      warn: (_o: object, m: string) => process.stderr.write(`WARNING: ${m}\n`),
      info: () => {},
    } as never,
  });
}

function jsonBigint(_key: string, value: unknown) {
  return typeof value === "bigint" ? value.toString() : value;
}

await program.parseAsync(process.argv);
