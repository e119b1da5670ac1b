#!/usr/bin/env node
// `bridge`: cli/bridge.ts, bundled or from source (./launch.mjs).
import { launch } from "./launch.mjs";

await launch("cli/bridge.ts");
