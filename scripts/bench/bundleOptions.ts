import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

/**
 * The esbuild options `serverless.yml` gives serverless-esbuild (`custom.esbuild`), as esbuild's own options, so
 * that what the bench bundles itself (the handler scenario's bundle, the empty handler of the cold-start scenario)
 * is built exactly like the deployed functions. Only the keys that shape the output are taken.
 */
export function deployedBundleOptions(): BuildOptions {
  const template = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { custom: { esbuild: Record<string, unknown> } };
  const declared = template.custom.esbuild;
  const sourcemap = declared.sourcemap as BuildOptions['sourcemap'] | undefined;
  return {
    bundle: declared.bundle === true,
    minify: declared.minify === true,
    ...(sourcemap === undefined ? {} : { sourcemap, sourcesContent: declared.sourcesContent !== false }),
    format: declared.format as BuildOptions['format'],
    target: declared.target as string,
    platform: declared.platform as BuildOptions['platform'],
    ...(Array.isArray(declared.mainFields) ? { mainFields: declared.mainFields as string[] } : {}),
    external: (declared.exclude as string[] | undefined) ?? [],
  };
}
