import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_API_PREFIX, LAB_TOKEN_HEADER } from '../../tools/lab/labServer';
import { readZip } from '../../tools/zipArchive';
import { runServerlessPackage } from '../support/serverlessPackage';

/**
 * What the lab leaves in any bundle that includes a piece of it: its routes and token header (string literals a
 * minifier keeps), fault names only the lab uses, and its modules' paths and names (the linked source maps list every
 * bundled source file).
 */
const LAB_MARKS = [
  LAB_API_PREFIX.replace(/^\/|\/$/g, ''),
  LAB_TOKEN_HEADER,
  'restart-snapshot',
  'restart-empty',
  'labServer',
  'labReplica',
  'labPage',
  'startLabServer',
  'tools/lab/',
  'console/lab/',
  'tcpProxy',
];

describe('Deployment: the packaged functions contain none of the lab', () => {
  let out: string;
  /** Every packaged file, as `<zip>:<entry>`, with its content. */
  const files: { name: string; text: string }[] = [];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'quorum-kv-lab-absent-'));
    await runServerlessPackage('dev', out);
    for (const zip of (await readdir(out)).filter((name) => name.endsWith('.zip'))) {
      for (const entry of await readZip(join(out, zip))) files.push({ name: `${zip}:${entry.name}`, text: entry.read().toString('latin1') });
    }
  }, 180_000);

  afterAll(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('packages every function, each with its bundle and source map', () => {
    // Assess: the grep below reads real bundles, not an empty folder.
    const zips = new Set(files.map((file) => file.name.split(':')[0]));
    expect(zips.size).toBeGreaterThanOrEqual(10);
    expect(files.filter((file) => file.name.endsWith('.js')).length).toBeGreaterThanOrEqual(zips.size);
    expect(files.filter((file) => file.name.endsWith('.js.map')).length).toBeGreaterThanOrEqual(zips.size);
    expect(files.some((file) => file.text.includes('applyIfNewer'))).toBe(true);
  });

  it('finds none of the lab\'s routes, token header, fault names or modules in any packaged file', () => {
    // Act
    const found = files.flatMap((file) => LAB_MARKS.filter((mark) => file.text.includes(mark)).map((mark) => `${file.name}: ${mark}`));

    // Assess
    expect(found).toEqual([]);
  });
});
