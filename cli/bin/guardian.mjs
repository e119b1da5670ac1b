#!/usr/bin/env node
// `guardian`: the guardian operator CLI, cli/guardian.ts, run from source through tsx.
import { register } from "tsx/esm/api";

register();
await import("../guardian.ts");
