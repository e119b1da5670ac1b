/**
 * Per-source-line gas of one contract's steps in an opcode trace (`bench:gas -- --lines`): each
 * traced `pc` of the contract is mapped to a line of the Solidity source through the compiler's
 * source map (`deployedBytecode.sourceMap` in the artifact's build info). This is how docs/gas.md
 * finds where the gateway's own code spends gas; it reads the artifacts `npm run build` wrote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface LineStep {
  pc: number;
  depth: number;
  cost: number;
}

interface SourceMapEntry {
  start: number;
  length: number;
  file: number;
}

/** `pc` → instruction index: PUSH1..PUSH32 carry 1..32 bytes of immediate data. */
function instructionIndexByPc(code: Uint8Array): Map<number, number> {
  const byPc = new Map<number, number>();
  let index = 0;
  for (let pc = 0; pc < code.length; index++) {
    byPc.set(pc, index);
    const op = code[pc]!;
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
  }
  return byPc;
}

/** Decodes the compressed "s:l:f:j:m;..." source map (empty fields repeat the previous entry). */
function decodeSourceMap(map: string): SourceMapEntry[] {
  const entries: SourceMapEntry[] = [];
  let previous: SourceMapEntry = { start: -1, length: -1, file: -1 };
  for (const item of map.split(";")) {
    const [s, l, f] = item.split(":");
    const entry = {
      start: s ? Number(s) : previous.start,
      length: l ? Number(l) : previous.length,
      file: f ? Number(f) : previous.file,
    };
    entries.push(entry);
    previous = entry;
  }
  return entries;
}

/**
 * Gas of `steps` at `depth` attributed to "file:line" of `contract` (an artifact path under
 * `artifacts/`, e.g. "contracts/gateway/BridgeGateway.sol/BridgeGateway.json"); steps with no
 * source (compiler-generated code) count under "(generated)".
 */
export function gasBySourceLine(contract: string, steps: readonly LineStep[], depth: number): Map<string, number> {
  const artifact = JSON.parse(readFileSync(join("artifacts", contract), "utf8")) as {
    contractName: string;
    inputSourceName: string;
    buildInfoId: string;
  };
  const buildInfo = JSON.parse(readFileSync(join("artifacts/build-info", `${artifact.buildInfoId}.json`), "utf8")) as {
    input: { sources: Record<string, { content: string }> };
  };
  const output = JSON.parse(
    readFileSync(join("artifacts/build-info", `${artifact.buildInfoId}.output.json`), "utf8"),
  ) as {
    output: {
      sources: Record<string, { id: number }>;
      contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string; sourceMap: string } } }>>;
    };
  };
  const deployed = output.output.contracts[artifact.inputSourceName]![artifact.contractName]!.evm.deployedBytecode;
  const code = Buffer.from(deployed.object, "hex");
  const byPc = instructionIndexByPc(code);
  const map = decodeSourceMap(deployed.sourceMap);
  const files = new Map<number, { name: string; lineStarts: number[] }>();
  for (const [name, { id }] of Object.entries(output.output.sources)) {
    const content = buildInfo.input.sources[name]?.content ?? "";
    const lineStarts = [0];
    for (let i = 0; i < content.length; i++) if (content[i] === "\n") lineStarts.push(i + 1);
    files.set(id, { name: name.replace(/^project\//, ""), lineStarts });
  }
  // Source offsets are in bytes; the contracts are ASCII, so bytes and characters agree.
  const lineOf = (starts: number[], offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const gas = new Map<string, number>();
  for (const step of steps) {
    if (step.depth !== depth) continue;
    const entry = map[byPc.get(step.pc) ?? -1];
    const file = entry && entry.file >= 0 ? files.get(entry.file) : undefined;
    const key = file ? `${file.name}:${lineOf(file.lineStarts, entry!.start)}` : "(generated)";
    gas.set(key, (gas.get(key) ?? 0) + step.cost);
  }
  return gas;
}
