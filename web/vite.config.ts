/**
 * Builds the web app into `web/dist`, which the explorer serves (WEB_DIR) next to its API and
 * `/config.json`. The build holds no deployment: the app reads chains, gateways and tokens from
 * `/config.json` at start-up, so one build serves any deployment.
 *
 * `npm run dev -w web` serves the sources with hot reload; set PORTCULLIS_EXPLORER to a running
 * explorer's URL (e.g. the one `npm run devnet` prints) and the dev server forwards `/config.json`
 * and `/v1/*` to it.
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const explorer = process.env.PORTCULLIS_EXPLORER;

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2_000 },
  server: explorer
    ? { host: "127.0.0.1", proxy: { "/config.json": explorer, "/v1": explorer } }
    : { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
