#!/usr/bin/env node
// `guardian`: the guardian operator CLI, cli/guardian.ts, bundled or from source (./launch.mjs).
import { launch } from "./launch.mjs";

await launch("cli/guardian.ts");
