import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, transform } from 'esbuild';

const SOURCE = join(__dirname, '..', '..', 'console', 'lab');

/** The built lab page and its Content-Security-Policy (its own inline script and style, calls to its own origin). */
export interface LabPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

/**
 * Builds the lab page from `console/lab/` in memory, when the lab server starts (in `npm run dev` and in tests):
 * unlike the console, it is never packaged, so it needs no generated module.
 */
export async function buildLabPage(): Promise<LabPage> {
  const [template, css] = await Promise.all([readFile(join(SOURCE, 'lab.html'), 'utf8'), readFile(join(SOURCE, 'lab.css'), 'utf8')]);
  const bundle = await build({
    entryPoints: [join(SOURCE, 'lab.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    tsconfig: join(SOURCE, '..', 'tsconfig.json'),
    logLevel: 'silent',
  });
  const script = bundle.outputFiles[0]!.text.trim();
  const style = (await transform(css, { loader: 'css', minify: true, charset: 'utf8' })).code.trim();
  const html = template.replace('/*STYLE*/', () => style).replace('/*SCRIPT*/', () => script);
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(style)}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
