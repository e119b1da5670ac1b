/**
 * Serves the built web app (`web/dist`) and its `/config.json` for the browser tests.
 * TEMPORARY: replaced by the explorer (WEB_DIR) once it lands; kept tiny on purpose.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import type { Manifest } from "../../../core/manifest.js";
import { publicConfig } from "../../../core/public-config.js";

export const WEB_DIST = resolve("web/dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export async function serveWeb(manifest: Manifest): Promise<{ url: string; close(): Promise<void> }> {
  const config = JSON.stringify(publicConfig(manifest));
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/config.json") {
      res.writeHead(200, { "content-type": "application/json" }).end(config);
      return;
    }
    const file = join(WEB_DIST, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      const index = await readFile(join(WEB_DIST, "index.html"));
      res.writeHead(200, { "content-type": TYPES[".html"]! }).end(index);
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
