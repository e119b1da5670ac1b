/**
 * What a browser may know of a deployment: the manifest without its dev keys, and where the
 * status API is. The explorer serves it as `/config.json` next to the web app (`web/`), which
 * reads it at start-up, so one build of the app serves any deployment and no key ever reaches a
 * page.
 */
import { z } from "zod";
import { manifestSchema, type Manifest } from "./manifest.js";

export const publicConfigSchema = z.object({
  manifest: manifestSchema.refine((m) => m.devKeys === undefined, {
    message: "a public configuration must not carry keys",
  }),
  /** The explorer's base URL; absent: the origin that served the configuration. */
  explorerUrl: z.string().url().optional(),
});

export type PublicConfig = z.infer<typeof publicConfigSchema>;

export function publicConfig(manifest: Manifest, explorerUrl?: string): PublicConfig {
  const { devKeys: _keys, ...rest } = manifest;
  return { manifest: rest, ...(explorerUrl ? { explorerUrl } : {}) };
}
