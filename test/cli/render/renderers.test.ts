import { describe, expect, it } from 'vitest';
import type { AntiEntropyPage, StoreAnswer } from '../../../cli/client/storeClient';
import { renderBenchFrame, renderBenchSummary } from '../../../cli/render/bench';
import { latencyBuckets, renderHistogram } from '../../../cli/render/histogram';
import { advanceRepair, currentReplicaKeys, NO_PROGRESS, renderRepairReport, repairProgressLine } from '../../../cli/render/repairProgress';
import { renderHealth, renderKvAnswer } from '../../../cli/render/results';
import { renderFields, renderTable } from '../../../cli/render/table';
import { displayWidth, formatMs, printable, quotedValue } from '../../../cli/render/text';

const V1 = '1795808440933.00000.6441806726';

describe('Module: table', () => {
  it('aligns columns by terminal width, numbers to the right, under a rule as wide as each column', () => {
    // Prepare: a wide-character cell (CJK counts two columns per character).
    const rows = [
      { name: 'city', value: '서울', ms: '0.93' },
      { name: 'a-much-longer-key', value: 'x', ms: '120' },
    ];

    // Act
    const table = renderTable(
      [
        { header: 'key', cell: (row: (typeof rows)[number]) => row.name },
        { header: 'value', cell: (row: (typeof rows)[number]) => row.value },
        { header: 'ms', cell: (row: (typeof rows)[number]) => row.ms, align: 'right' },
      ],
      rows,
    );

    // Assess: every line's columns start at the same terminal column.
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`${'─'.repeat('a-much-longer-key'.length)}  ${'─'.repeat(5)}  ${'─'.repeat(4)}`);
    const msColumnEnd = displayWidth(lines[1]!);
    for (const line of [lines[2]!, lines[3]!]) expect(displayWidth(line)).toBe(msColumnEnd);
    expect(lines[2]).toBe(`city${' '.repeat(15)}서울${' '.repeat(3)}0.93`);
  });

  it('lines up label-value fields', () => {
    // Act & Assess
    expect(renderFields([['value', '"v"'], ['version', V1]])).toBe(`value    "v"\nversion  ${V1}`);
  });
});

describe('Module: text', () => {
  it('escapes control characters, so stored values cannot break tables or drive the terminal', () => {
    // Act & Assess
    expect(printable('a\nb\tc\u001b[31m\u0007')).toBe('a\\nb\\tc\\u001b[31m\\u0007');
    expect(printable('über ✓ 東京')).toBe('über ✓ 東京');
  });

  it('quotes long values shortened, with their full size', () => {
    // Act
    const shown = quotedValue('x'.repeat(100), 20);

    // Assess
    expect(displayWidth(shown.split('"')[1]!)).toBe(20);
    expect(shown).toMatch(/…" \(100 bytes\)$/);
  });

  it('formats milliseconds with the precision that matters at each size', () => {
    // Act & Assess
    expect([0.4213, 4.213, 42.13, 421.3].map(formatMs)).toEqual(['0.42', '4.21', '42.1', '421']);
  });
});

describe('Module: histogram', () => {
  const samples = [0.3, 0.31, 0.5, 0.9, 1.1, 1.2, 1.3, 2.5, 7, 210];

  it('puts every sample into the log-scale bucket that holds it, without empty buckets at either end', () => {
    // Act
    const buckets = latencyBuckets(samples);

    // Assess
    expect(buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(samples.length);
    for (const ms of samples) expect(buckets.filter((bucket) => ms >= bucket.fromMs && ms < bucket.toMs)).toHaveLength(1);
    for (const bucket of buckets) expect(bucket.count).toBe(samples.filter((ms) => ms >= bucket.fromMs && ms < bucket.toMs).length);
    for (let i = 1; i < buckets.length; i += 1) {
      expect(buckets[i]!.fromMs).toBeCloseTo(buckets[i - 1]!.toMs, 9);
      expect(buckets[i]!.toMs / buckets[i]!.fromMs).toBeCloseTo(buckets[0]!.toMs / buckets[0]!.fromMs, 9);
    }
    expect(buckets[0]!.count).toBeGreaterThan(0);
    expect(buckets.at(-1)!.count).toBeGreaterThan(0);
    expect(buckets.length).toBeLessThanOrEqual(14);
  });

  it('draws bars in proportion to the fullest bucket, with counts and shares', () => {
    // Prepare
    const buckets = [
      { fromMs: 1, toMs: 2, count: 8 },
      { fromMs: 2, toMs: 4, count: 2 },
      { fromMs: 4, toMs: 8, count: 0 },
    ];

    // Act
    const lines = renderHistogram(buckets, { barWidth: 20 }).split('\n');

    // Assess
    const bars = lines.map((line) => line.split('│')[1]!);
    expect(bars[0]).toBe('█'.repeat(20));
    expect(bars[1]).toBe(`${'█'.repeat(5)}${' '.repeat(15)}`);
    expect(bars[2]).toBe(' '.repeat(20));
    expect(lines[0]).toMatch(/^1\.00–2\.00 ms │.*│ 8   80\.0%$/);
    expect(lines[1]).toMatch(/│ 2   20\.0%$/);
    expect(renderHistogram([])).toBe('(no samples yet)');
  });

  it("shows a bench's progress line above the histogram, and a summary with percentiles per operation", () => {
    // Act
    const frame = renderBenchFrame({ elapsedS: 2, durationS: 5, concurrency: 4, requests: 500, failed: 3, samplesMs: samples });
    const summary = renderBenchSummary(
      {
        target: 'http://127.0.0.1:3000',
        durationS: 5,
        concurrency: 4,
        writePercent: 20,
        keys: 100,
        valueBytes: 64,
        requests: 500,
        failed: 3,
        requestsPerSecond: 100,
        operations: [{ op: 'get', requests: 400, failed: 1, meanMs: 1.5, p50Ms: 1.1, p90Ms: 2.5, p99Ms: 7, p999Ms: 210, maxMs: 210 }],
        failures: { '503 FAIL': 3 },
      },
      samples,
    );

    // Assess
    expect(frame.split('\n')[0]).toBe('bench 2.0 s of 5 s · 4 in flight · 500 requests (250/s) · 3 failed');
    expect(frame).toContain(renderHistogram(latencyBuckets(samples)));
    expect(summary).toMatch(/^op +requests +failed +mean +p50 +p90 +p99 +p99\.9 +max ms$/m);
    expect(summary).toMatch(/^get +400 +1 +1\.50 +1\.10 +2\.50 +7\.00 +210 +210$/m);
    expect(summary).toContain('3 × 503 FAIL');
  });
});

describe('Module: repairProgress', () => {
  const replicas = (keys: readonly (number | null)[]): AntiEntropyPage['replicaKeys'] => keys.map((count, i) => ({ node: `n${i}`, keys: count }));
  const page = (over: Partial<AntiEntropyPage>): AntiEntropyPage => ({
    passComplete: false,
    stoppedBecause: 'time-budget',
    startedAt: { node: 0, cursor: '0', pass: 4 },
    stoppedAt: { node: 0, cursor: '12', pass: 4 },
    hintsReplayed: 0,
    keysCompared: 10,
    keysScanned: 10,
    keysDiverged: 0,
    replicasRepaired: 0,
    unreachable: [],
    ms: 5,
    replicaKeys: replicas([30, 30, 30]),
    ...over,
  });

  it('counts a pass as the replicas scanned through plus the share of the current one scanned so far', () => {
    // Act: two pages of replica 0, then its last page, then one page of replica 1.
    let progress = advanceRepair(NO_PROGRESS, page({}));
    const afterOne = progress.share;
    progress = advanceRepair(progress, page({ startedAt: { node: 0, cursor: '12', pass: 4 }, stoppedAt: { node: 0, cursor: '7', pass: 4 } }));
    progress = advanceRepair(progress, page({ startedAt: { node: 0, cursor: '7', pass: 4 }, stoppedAt: { node: 1, cursor: '0', pass: 4 }, keysDiverged: 2, replicasRepaired: 2 }));
    const afterReplica0 = progress.share;
    progress = advanceRepair(progress, page({ startedAt: { node: 1, cursor: '0', pass: 4 }, stoppedAt: { node: 1, cursor: '3', pass: 4 }, keysScanned: 12 }));

    // Assess
    expect(afterOne).toBeCloseTo(10 / 30 / 3, 9);
    expect(afterReplica0).toBeCloseTo(1 / 3, 9);
    expect(progress.share).toBeCloseTo((1 + 12 / 30) / 3, 9);
    expect(currentReplicaKeys(progress)).toEqual({ scanned: 12, keys: 30 });
    expect(progress).toMatchObject({ pages: 4, keysCompared: 40, keysDiverged: 2, replicasRepaired: 2, done: false, ms: 20 });
    expect(repairProgressLine(progress)).toBe('repair 46% · replica 2/3 n1 (12/30 keys) · page 4 · 40 compared · 2 diverged · 2 repaired');
  });

  it('never goes back, even when the replica being scanned grows (the pass refilling it)', () => {
    // Act: replica 1 is half scanned, then found ten times larger (repairs copied keys into it meanwhile).
    const half = advanceRepair(NO_PROGRESS, page({ startedAt: { node: 1, cursor: '0', pass: 4 }, stoppedAt: { node: 1, cursor: '9', pass: 4 }, keysScanned: 15 }));
    const grown = advanceRepair(half, page({ startedAt: { node: 1, cursor: '9', pass: 4 }, stoppedAt: { node: 1, cursor: '4', pass: 4 }, keysScanned: 15, replicaKeys: replicas([30, 300, 30]) }));

    // Assess
    expect(half.share).toBeCloseTo(1.5 / 3, 9);
    expect(grown.share).toBe(half.share);
    expect(currentReplicaKeys(grown)).toEqual({ scanned: 30, keys: 300 });
  });

  it('is done, and all of it, when a run completes the pass', () => {
    // Act
    const progress = advanceRepair(NO_PROGRESS, page({ passComplete: true, stoppedBecause: 'pass-complete', stoppedAt: { node: 0, cursor: '0', pass: 5 } }));

    // Assess
    expect(progress.done).toBe(true);
    expect(progress.share).toBe(1);
    expect(repairProgressLine(progress)).toMatch(/^repair 100% · pass complete · page 1 · /);
    expect(renderRepairReport(progress, 12)).toMatch(/^outcome +pass complete: every replica was scanned through$/m);
  });

  it('stops at an unreachable replica and names it', () => {
    // Act
    const progress = advanceRepair(NO_PROGRESS, page({ stoppedBecause: 'unreachable', unreachable: ['n1'], replicaKeys: replicas([30, null, 30]) }));

    // Assess
    expect(progress).toMatchObject({ done: true, passComplete: false, unreachable: ['n1'] });
    expect(repairProgressLine(progress)).toContain('stopped: n1 unreachable');
    const report = renderRepairReport(progress, 12);
    expect(report).toContain('INCOMPLETE: could not scan, compare or repair n1');
    expect(report).toMatch(/^n1 +unreachable +0$/m);
  });

  it('counts pages only against a server that reports no key counts', () => {
    // Act
    const { replicaKeys: _sizes, keysScanned: _scanned, ...old } = page({});
    const progress = advanceRepair(NO_PROGRESS, old);

    // Assess
    expect(progress.share).toBeUndefined();
    expect(repairProgressLine(progress)).toBe('repair replica 1 · page 1 · 10 compared · 0 diverged · 0 repaired');
  });
});

describe('Module: results', () => {
  const answer = (status: number, body: StoreAnswer['body']): StoreAnswer => ({ status, body, roundTripMs: 2.5 });

  it("shows a read's value and version, and the replicas only when asked", () => {
    // Prepare
    const read = answer(200, { status: 'OK', value: 'Seoul', version: V1, consistency: 'one', repair: 'none', nodes: [{ node: 'a:1', outcome: 'found', ms: 0.5, version: V1 }] });

    // Act
    const plain = renderKvAnswer({ op: 'get', key: 'city' }, read, false);
    const traced = renderKvAnswer({ op: 'get', key: 'city' }, read, true);

    // Assess
    expect(plain).toMatch(/^value +"Seoul"\nversion +1795808440933\.00000\.6441806726\n/);
    expect(plain).not.toContain('a:1');
    expect(traced).toMatch(/^a:1 +found +0\.50 +1795808440933\.00000\.6441806726$/m);
  });

  it('shows a failed write with what the service said, its fate, and every replica, unasked', () => {
    // Act
    const text = renderKvAnswer(
      { op: 'set', key: 'k', value: 'v' },
      answer(503, {
        status: 'FAIL',
        success_nodes: 1,
        rolled_back: false,
        error: 'write quorum not reached',
        nodes: [
          { node: 'a:1', outcome: 'applied', ms: 0.5, version: null },
          { node: 'b:2', outcome: 'timeout', ms: 200, version: null, error: 'timed out' },
        ],
      }),
      false,
    );

    // Assess
    expect(text).toMatch(/^error +503 FAIL: write quorum not reached$/m);
    expect(text).toMatch(/^rolled back +no: it may still take effect/m);
    expect(text).toMatch(/^b:2 +timeout +200 +- +timed out$/m);
  });

  it('shows health as a table and whether a write quorum is reachable', () => {
    // Act
    const text = renderHealth(
      answer(503, {
        status: 'FAIL',
        writeQuorumReachable: false,
        writeQuorum: 2,
        nodes: [
          { node: 'a:1', up: true, breaker: 'closed', ms: 0.4 },
          { node: 'b:2', up: false, breaker: 'open', ms: 200, error: 'timed out' },
        ] as unknown as StoreAnswer['body']['nodes'],
      }),
    );

    // Assess
    expect(text).toMatch(/^b:2 +NO +open +200 +timed out$/m);
    expect(text).toContain('write quorum: NOT reachable: writes fail (1 of 2 replicas up, writes need 2)');
  });

  it('shows each master of a cluster replica under it, with its slots and breaker, and counts a degraded replica', () => {
    // Act
    const text = renderHealth(
      answer(200, {
        status: 'OK',
        writeQuorumReachable: true,
        writeQuorum: 2,
        nodes: [
          { node: 'a:1', up: true, status: 'up', breaker: 'closed', ms: 0.4 },
          {
            node: 'c:7000',
            up: false,
            status: 'degraded',
            breaker: 'closed',
            ms: 200,
            error: '1 of 2 masters down (8192 of 16384 slots unserved): timed out',
            masters: [
              { master: 'c:7000', up: true, ms: 0.6, slots: 8192, breaker: 'closed' },
              { master: 'c:7001', up: false, ms: 200, slots: 8192, breaker: 'open', error: 'timed out' },
            ],
          },
        ] as unknown as StoreAnswer['body']['nodes'],
      }),
    );

    // Assess
    expect(text).toMatch(/^c:7000 +PARTLY +closed +200 +1 of 2 masters down/m);
    expect(text).toMatch(/^ {2}c:7000 \(8192 slots\) +yes +closed +0\.6\d* *$/m);
    expect(text).toMatch(/^ {2}c:7001 \(8192 slots\) +NO +open +200 +timed out$/m);
    expect(text).toContain('write quorum: reachable (1 of 2 replicas up, 1 degraded, writes need 2)');
  });
});
