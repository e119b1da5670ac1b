/**
 * The devnet's explorer: `explorer/index.ts` as a service process over the devnet's manifest,
 * with its SQLite file in the devnet directory and, when the web app is built (`web/dist`), the
 * web app served at its root. `startDevnet` calls `startDevnetExplorer` once the other services
 * are up; `npm run devnet` prints its URL.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort, httpOk, waitFor, type ManagedProcess, type ProcessGroup } from "./processes.js";

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

export async function startDevnetExplorer(o: DevnetExplorerOptions): Promise<DevnetExplorer> {
  const port = await freePort();
  const webDir = existsSync(join(WEB_DIST, "index.html")) ? WEB_DIST : undefined;
  const process = o.group.start({
    name: o.name ?? "explorer",
    command: globalThis.process.execPath,
    args: ["--import", "tsx", resolve("explorer/index.ts")],
    env: {
      ...o.env,
      MANIFEST: o.manifestPath,
      PORT: String(port),
      SQLITE_PATH: join(resolve(o.dir), "explorer.sqlite"),
      ...(webDir ? { WEB_DIR: webDir } : {}),
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`explorer at ${url}/healthz`, () => httpOk(`${url}/healthz`), o.startTimeoutMs, 250);
  return { url, port, process, webDir };
}
