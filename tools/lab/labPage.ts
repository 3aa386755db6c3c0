import { join } from 'node:path';
import { buildInlinePage } from '../consolePage';

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
export function buildLabPage(): Promise<LabPage> {
  return buildInlinePage({ folder: SOURCE, html: 'lab.html', css: 'lab.css', entry: 'lab.ts', tsconfig: join(SOURCE, '..', 'tsconfig.json') });
}
