/**
 * The devnet's explorer: `explorer/index.ts` as a service process over the devnet's manifest,
 * with its SQLite file in the devnet directory and, when the web app is built (`web/dist`), the
 * web app served at its root. `startDevnet` calls `startDevnetExplorer` once the other services
 * are up; `npm run devnet` prints its URL.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ManagedProcess, ProcessGroup } from "./processes.js";
import { startService } from "./services.js";

/** The built web app, when there is one. */
export const WEB_DIST = resolve("web", "dist");

export interface DevnetExplorer {
  url: string;
  port: number;
  process: ManagedProcess;
  /** Served at `url` when the web app was built, else undefined. */
  webDir?: string;
}

export interface DevnetExplorerOptions {
  group: ProcessGroup;
  manifestPath: string;
  /** The devnet directory: the SQLite file goes here. */
  dir: string;
  /** Environment shared by every devnet service (polling tuned for 1-second blocks, ...). */
  env: Record<string, string>;
  startTimeoutMs: number;
  /** Process (and log file) name; default "explorer". */
  name?: string;
}

/** Starts the explorer like every devnet service: up once its own /healthz names it. */
export async function startDevnetExplorer(o: DevnetExplorerOptions): Promise<DevnetExplorer> {
  const webDir = existsSync(join(WEB_DIST, "index.html")) ? WEB_DIST : undefined;
  const process = await startService(o.group, {
    name: o.name ?? "explorer",
    entry: "explorer/index.ts",
    env: {
      ...o.env,
      MANIFEST: o.manifestPath,
      SQLITE_PATH: join(resolve(o.dir), "explorer.sqlite"),
      ...(webDir ? { WEB_DIR: webDir } : {}),
    },
    startTimeoutMs: o.startTimeoutMs,
  });
  // The URL is read when asked for: a restart that had to move ports is followed.
  return {
    get url() {
      return process.url;
    },
    get port() {
      return process.port!;
    },
    process,
    webDir,
  };
}
