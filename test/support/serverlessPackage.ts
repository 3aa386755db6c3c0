import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(ROOT, 'node_modules', '.bin', 'serverless');

/** One resource of a CloudFormation template. */
export type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
/** The parts of a packaged CloudFormation template the deployment tests read. */
export type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };

/**
 * Runs `serverless package` for a stage into `out` (with its own esbuild folder) and returns what it printed; `env` is
 * the deploy-time environment. One run at a time on this machine: every run writes and then removes the service's
 * `.serverless/` folder, so two at once (two test files in two workers) break each other.
 */
export async function runServerlessPackage(stage: string, out: string, env: Record<string, string> = {}): Promise<string> {
  const workFolder = `.esbuild-package-${stage}-${process.pid}-${Date.now()}`;
  const release = await packageLock();
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const child = spawn(SERVERLESS_BIN, ['package', '--stage', stage, '--package', out], {
        cwd: ROOT,
        env: { ...process.env, ESBUILD_WORK_FOLDER: workFolder, AWS_EC2_METADATA_DISABLED: 'true', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`serverless package --stage ${stage} failed:\n${text}`))));
    });
  } finally {
    await release();
    await rm(join(ROOT, workFolder), { recursive: true, force: true });
  }
}

/**
 * Runs `serverless package` for a stage into a temporary folder and returns the CloudFormation template; `env` is
 * the deploy-time environment.
 */
export async function packageStage(stage: string, env: Record<string, string> = {}): Promise<Template> {
  const out = await mkdtemp(join(tmpdir(), `quorum-kv-package-${stage}-`));
  try {
    const output = await runServerlessPackage(stage, out, env);
    expect(output).toMatch(/Service packaged/);
    return JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** How long a package run may hold the lock before another takes it over (a crashed run's lock). */
const LOCK_STALE_MS = 300_000;

/** Takes this checkout's package lock (a file created exclusively, named after the checkout); resolves with its release. */
async function packageLock(): Promise<() => Promise<void>> {
  const lock = join(tmpdir(), `quorum-kv-package-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`);
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      return () => rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then((found) => Date.now() - found.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The template's resources of one type, with their logical ids. */
export const ofType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

/** The one resource of `type` in the template (failing the test if there is not exactly one). */
export function onlyOf(template: Template, type: string): Resource {
  const found = ofType(template, type);
  expect(found.map(([id]) => id)).toHaveLength(1);
  return found[0]![1];
}

/** One widget of a CloudWatch dashboard body. */
export interface DashboardWidget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly region?: string; readonly metrics?: unknown[][]; readonly annotations?: unknown };
}

/** The widgets of the template's one dashboard, parsed from its body (a JSON string in the template). */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const body = onlyOf(template, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody as string;
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}

/** The metric math and SEARCH expressions of a dashboard widget's metrics. */
export function expressionsOf(widget: DashboardWidget): string[] {
  return (widget.properties.metrics ?? []).flatMap((row) =>
    row.flatMap((item) => (typeof item === 'object' && item !== null && 'expression' in item ? [String((item as { expression: string }).expression)] : [])),
  );
}
