import { describe, expect, it } from 'vitest';
import {
  hedgeBounds,
  hedgeDelayMs,
  hedgePlan,
  LatencyRecord,
  replicaOrder,
  type LatencyEstimate,
} from '../../../lib/read/replicaLatency';

const never: LatencyEstimate = { srtt: 0, rttvar: 0, sampled: false };
const seen = (srtt: number, rttvar: number): LatencyEstimate => ({ srtt, rttvar, sampled: true });

describe('Function: hedgeBounds', () => {
  it.each([
    { replicas: 3, nodeTimeoutMs: 300, maxMs: 75 },
    { replicas: 5, nodeTimeoutMs: 300, maxMs: 37.5 },
    { replicas: 2, nodeTimeoutMs: 100, maxMs: 50 },
    { replicas: 1, nodeTimeoutMs: 300, maxMs: 150 },
    { replicas: 3, nodeTimeoutMs: 2, maxMs: 1 },
  ])('lets $replicas replicas at a $nodeTimeoutMs ms node timeout wait at most $maxMs ms each, and at least 1', ({ replicas, nodeTimeoutMs, maxMs }) => {
    // Act
    const bounds = hedgeBounds(replicas, nodeTimeoutMs);

    // Assess
    expect(bounds).toEqual({ minMs: 1, maxMs });
  });
});

describe('Function: hedgeDelayMs', () => {
  const bounds = { minMs: 1, maxMs: 75 };
  it.each([
    { why: 'a replica never heard from gets the floor', estimate: never, delay: 1 },
    { why: 'a steady fast replica is raised to the floor', estimate: seen(0.2, 0.05), delay: 1 },
    { why: 'srtt + 4 rttvar within the bounds', estimate: seen(2, 0.5), delay: 4 },
    { why: 'a jittery replica waits for its tail', estimate: seen(3, 2), delay: 11 },
    { why: 'a slow history is capped', estimate: seen(60, 20), delay: 75 },
  ])('$why', ({ estimate, delay }) => {
    // Act
    const result = hedgeDelayMs(estimate, bounds);

    // Assess
    expect(result).toBe(delay);
  });
});

describe('Function: replicaOrder', () => {
  it.each([
    { why: 'orders by smoothed round trip', estimates: [seen(3, 0), seen(1, 0), seen(2, 0)], order: [1, 2, 0] },
    { why: 'keeps configuration order on ties', estimates: [seen(1, 0), seen(1, 0), seen(1, 0)], order: [0, 1, 2] },
    { why: 'asks a replica never heard from first, so it gets measured', estimates: [seen(1, 0), never, seen(0.5, 0)], order: [1, 2, 0] },
    { why: 'ignores the deviation', estimates: [seen(2, 0), seen(1, 9)], order: [1, 0] },
    { why: 'keeps a cold container in configuration order', estimates: [never, never, never], order: [0, 1, 2] },
  ])('$why', ({ estimates, order }) => {
    // Act
    const result = replicaOrder(estimates);

    // Assess
    expect(result).toEqual(order);
  });
});

describe('Function: hedgePlan', () => {
  it('gives the order and each replica its own delay, indexed like the replicas', () => {
    // Act
    const plan = hedgePlan([seen(5, 1), seen(1, 1), never], { minMs: 1, maxMs: 75 });

    // Assess
    expect(plan).toEqual({ order: [2, 1, 0], delaysMs: [9, 5, 1] });
  });
});

describe('Class: LatencyRecord', () => {
  it('starts from the first reply as RFC 6298 does: srtt the sample, rttvar half of it', () => {
    // Prepare
    const record = new LatencyRecord(3, 300);

    // Act
    record.recordReply(1, 2);

    // Assess
    expect(record.estimate(1)).toEqual({ srtt: 2, rttvar: 1, sampled: true });
    expect(record.estimate(0).sampled).toBe(false);
  });

  it('moves srtt by an eighth and rttvar by a quarter of each new difference', () => {
    // Prepare
    const record = new LatencyRecord(1, 300);
    record.recordReply(0, 2);

    // Act
    record.recordReply(0, 10);

    // Assess
    expect(record.estimate(0)).toEqual({ srtt: 3, rttvar: 2.75, sampled: true });
  });

  it('raises the round trip of a replica found late to at least how long it has been waited on', () => {
    // Prepare
    const record = new LatencyRecord(2, 300);
    record.recordReply(0, 0.2);
    record.recordReply(1, 0.4);

    // Act
    record.recordLate(0, 1.5);

    // Assess
    expect(record.estimate(0)).toEqual({ srtt: 1.5, rttvar: 0.1, sampled: true, late: true });
    expect(record.estimate(1)).toEqual({ srtt: 0.4, rttvar: 0.2, sampled: true });
    expect(record.plan().order).toEqual([1, 0]);
  });

  it('asks a replica found late after every other, also those slower than the wait, until its reply comes', () => {
    // Prepare: replica 0 answers in 0.2 ms, replicas 1 and 2 (farther away) in 4 and 6 ms.
    const record = new LatencyRecord(3, 300);
    record.recordReply(0, 0.2);
    record.recordReply(1, 4);
    record.recordReply(2, 6);

    // Act: replica 0 hangs; its hedge fires after 1 ms; then replica 1 answers slowly, twice.
    record.recordLate(0, 1);
    record.recordReply(1, 9);
    record.recordReply(1, 9);

    // Assess
    expect(record.plan().order).toEqual([1, 2, 0]);
  });

  it('puts a replica late once back in front when its reply comes, counted from before it was late', () => {
    // Prepare
    const record = new LatencyRecord(2, 300);
    record.recordReply(0, 0.2);
    record.recordReply(1, 4);
    record.recordLate(0, 1);

    // Act: its reply came after 1.2 ms, a blip.
    record.recordReply(0, 1.2);

    // Assess: 7/8 × 0.2 + 1/8 × 1.2, not an average from the raised 1.
    expect(record.estimate(0)).toEqual({ srtt: expect.closeTo(0.325, 6), rttvar: expect.any(Number), sampled: true });
    expect(record.plan().order).toEqual([0, 1]);
  });

  it('counts a failed call as one node timeout, which sends the replica to the back of the order', () => {
    // Prepare
    const record = new LatencyRecord(3, 300);
    for (let i = 0; i < 3; i += 1) record.recordReply(i, 1);

    // Act
    record.recordFailure(0);

    // Assess
    expect(record.estimate(0).srtt).toBeCloseTo(1 + 299 / 8);
    expect(record.plan().order).toEqual([1, 2, 0]);
    expect(record.plan().delaysMs[0]).toBe(75);
  });
});
