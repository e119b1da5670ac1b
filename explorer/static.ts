/**
 * Serves the web app's built files (WEB_DIR, e.g. web/dist) for every GET no API route answers,
 * with the single-page-app fallback: a path that is not a file gets index.html, so a reload on a
 * client-side route works. API-looking paths (/v1/…) never fall back: they get a JSON 404.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { HttpError, RawResponse, type Request } from "../core/service/http.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};

export function staticFiles(webDir: string | undefined) {
  const root = webDir ? resolve(webDir) : undefined;
  return async (req: Request): Promise<RawResponse> => {
    if (!root || req.path.startsWith("/v1/") || req.path === "/v1") {
      throw new HttpError(404, `no route GET ${req.path}`);
    }
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      throw new HttpError(400, "the path is not valid percent-encoding.");
    }
    const file = resolve(root, `.${normalize(`/${path}`)}`);
    if (file !== root && !file.startsWith(root + sep)) throw new HttpError(404, `no file ${req.path}`);
    const found = await fileAt(file);
    if (found) return serve(found.path, found.size);
    // Client-side routes have no extension; a missing asset is a real 404.
    if (extname(path) !== "") throw new HttpError(404, `no file ${req.path}`);
    const index = await fileAt(join(root, "index.html"));
    if (!index) throw new HttpError(404, `no index.html in ${root}`);
    return serve(index.path, index.size);
  };
}

async function fileAt(path: string): Promise<{ path: string; size: number } | undefined> {
  try {
    const s = await stat(path);
    if (s.isFile()) return { path, size: s.size };
    if (s.isDirectory()) return fileAt(join(path, "index.html"));
  } catch {
    // not there
  }
  return undefined;
}

function serve(path: string, size: number): RawResponse {
  return new RawResponse(
    (_req, res, headers) =>
      new Promise<void>((done) => {
        const type = TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
        // Vite puts content-hashed files under assets/: cache them forever, never index.html.
        const immutable = path.includes(`${sep}assets${sep}`);
        res.writeHead(200, {
          ...headers,
          "content-type": type,
          "content-length": size,
          "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        });
        const stream = createReadStream(path);
        stream.on("error", () => res.destroy());
        stream.on("end", () => done());
        res.on("close", () => done());
        stream.pipe(res);
      }),
  );
}
