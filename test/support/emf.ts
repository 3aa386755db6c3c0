import { expect, type MockInstance } from 'vitest';

/** One CloudWatch Embedded Metric Format blob, as Powertools Metrics writes it (one JSON line). */
export interface EmfBlob {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: readonly { readonly Namespace: string; readonly Dimensions: readonly string[][]; readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[] }[];
  };
  readonly [key: string]: unknown;
}

/**
 * The EMF blobs among the lines a console spy saw (Powertools Metrics writes them with `console.log` when
 * `POWERTOOLS_DEV=true`, its documented way to test), each checked against the EMF specification: a timestamp, one
 * directive with a namespace, dimension sets whose every dimension is a top-level string, and metric definitions
 * whose every value is a top-level number (or list of numbers).
 */
export function emfBlobs(spy: MockInstance): EmfBlob[] {
  return spy.mock.calls
    .map((args) => String(args[0]))
    .filter((line) => line.startsWith('{"_aws"'))
    .map((line) => {
      const blob = JSON.parse(line) as EmfBlob;
      expectValidEmf(blob);
      return blob;
    });
}

/** Asserts that `blob` follows the EMF specification (see {@link emfBlobs}). */
export function expectValidEmf(blob: EmfBlob): void {
  expect(Number.isInteger(blob._aws.Timestamp)).toBe(true);
  expect(Math.abs(blob._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  expect(blob._aws.CloudWatchMetrics).toHaveLength(1);
  const [directive] = blob._aws.CloudWatchMetrics;
  expect(typeof directive!.Namespace).toBe('string');
  for (const set of directive!.Dimensions) for (const dimension of set) expect(typeof blob[dimension]).toBe('string');
  expect(directive!.Metrics.length).toBeGreaterThan(0);
  for (const metric of directive!.Metrics) {
    const value = blob[metric.Name];
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) expect(typeof item).toBe('number');
  }
}

/** The total a blob carries for a metric (Powertools writes repeated values of one metric as a list). */
export function metricTotal(blob: EmfBlob, name: string): number {
  const value = blob[name];
  return (Array.isArray(value) ? (value as number[]) : [value as number]).reduce((sum, item) => sum + item, 0);
}

/** The blobs that carry metric `name`, optionally only those with dimension `replica` equal to `replica`. */
export function blobsWith(blobs: readonly EmfBlob[], name: string, replica?: string): EmfBlob[] {
  return blobs.filter(
    (blob) => blob._aws.CloudWatchMetrics[0]!.Metrics.some((metric) => metric.Name === name) && (replica === undefined || blob.replica === replica),
  );
}
