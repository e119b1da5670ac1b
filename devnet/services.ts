/**
 * Portcullis services (guardian, relayer, monitor, the rollup operator, and any later one built
 * on `core/service/http.ts`) as devnet processes: `node <bundle>` (or `node --import tsx <entry>`
 * while the bundle is missing or stale, core/bundles.mjs) with a port from
 * the allocator in `PORT` and a fresh `SERVICE_INSTANCE` per start. A service is up when its own
 * `/healthz` answers 200 naming that instance; a /healthz naming another instance means another
 * process has the port, and the service is started again on a fresh one (`processes.ts`).
 */
import { resolve } from "node:path";
import { freshBundle } from "../core/bundles.mjs";
import type { PortLease } from "./ports.js";
import { probeServiceHealth, type Listening, type ManagedProcess, type ProcessGroup } from "./processes.js";

/**
 * `node dist/<entry>.mjs` when `npm run build` bundled the service and nothing changed since;
 * otherwise `node --import tsx <entry>`, from the TypeScript sources. Same code either way; the
 * bundle starts with about a third of the CPU (core/bundles.mjs).
 */
export function serviceCommand(entry: string) {
  const bundle = freshBundle(entry);
  if (bundle) return { command: process.execPath, args: [bundle] };
  return { command: process.execPath, args: ["--import", "tsx", resolve(entry)] };
}

export interface ServiceOptions {
  /** Process and log file name, e.g. "relayer-0". */
  name: string;
  /** The service's entry file, e.g. "relayer/index.ts". */
  entry: string;
  /** Its environment (PORT and SERVICE_INSTANCE are added). */
  env: Record<string, string>;
  /** A port reserved in advance (a guardian's is in the manifest before it starts). */
  lease?: PortLease;
  /** How long one start may take (services load slowly on a busy machine). Default 180 s. */
  startTimeoutMs?: number;
  /** Called (and awaited) when the service had to move to another port than its previous one. */
  onPortChange?: (port: number, previous: number) => void | Promise<void>;
}

export function serviceListening(o: ServiceOptions): Listening {
  return {
    name: o.name,
    launch: (port, instance) => ({
      ...serviceCommand(o.entry),
      env: { ...o.env, PORT: String(port), SERVICE_INSTANCE: instance },
    }),
    probe: probeServiceHealth,
    startTimeoutMs: o.startTimeoutMs ?? 180_000,
    lease: o.lease,
    onPortChange: o.onPortChange,
  };
}

/** Adds the service to `group` and starts it; resolves once it is up on its own port. */
export function startService(group: ProcessGroup, o: ServiceOptions): Promise<ManagedProcess> {
  return group.start(serviceListening(o));
}
