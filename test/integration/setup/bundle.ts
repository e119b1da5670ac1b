/**
 * The integration project's global setup: bundles the services and CLIs once per vitest run,
 * before any file starts a devnet, so the processes the tests start load in about a third of the
 * CPU of a tsx start (core/bundles.mjs). `npm test` already built them; this keeps a single-file
 * run (`npx vitest run --project integration test/integration/x.test.ts`) as fast, and correct
 * after an edit.
 */
import { bundleAll } from "../../../scripts/bundle.js";

export default async function setup(): Promise<void> {
  await bundleAll();
}
