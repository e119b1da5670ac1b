#!/usr/bin/env node
// `portcullis-deploy`: deploy/cli.ts, run from source through tsx (no build step).
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
