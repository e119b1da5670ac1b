/**
 * `@portcullis/sdk/node`: what only Node can do. The main entry takes a parsed `Manifest`; here
 * it is read from a file.
 */
export { loadManifest } from "../core/manifest-file.js";
