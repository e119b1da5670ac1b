/**
 * `@portcullis/sdk/node`: what only Node can do. The main entry takes a parsed `Manifest`; here
 * it is read from a file, and council signatures are kept in a JSON file.
 */
export { loadManifest } from "../core/manifest-file.js";
export { defaultStorePath, FileCouncilStore } from "./council/file-store.js";
