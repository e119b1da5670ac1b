#!/usr/bin/env node
// `bridge`: runs cli/bridge.ts from source through tsx (no build step for the CLI itself).
import { register } from "tsx/esm/api";

register();
await import("../bridge.ts");
