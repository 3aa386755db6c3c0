import { describe, expect, it } from 'vitest';
import { ReadQuorumNotReachedError, type ReplicaClient, type StoredEntry } from '../../../lib';
import { quorumRead } from '../../../lib/read/quorumRead';
import { raceRead } from '../../../lib/read/raceRead';
import { applyEntry, readEntry } from '../../../lib/replica/replicaCommands';
import { writeFanOut } from '../../../lib/write/writeFanOut';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

// The fake clock moves `performance.now()` too, so the fan-outs' timestamps are exact here.
useFakeReplicaTime();

const entry: StoredEntry = valueAt(10, 'written');
const apply = (client: ReplicaClient) => applyEntry(client, 'k', entry, 0);
const read = (client: ReplicaClient) => readEntry(client, 'k');
const writeBack = (client: ReplicaClient, written: StoredEntry) => applyEntry(client, 'k', written, 0);

describe('Timing: writeFanOut', () => {
  it('stamps when every replica was sent the write and when the W-th acknowledgement came', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 2 });
    replicas.replica(1).always({ afterMs: 6 });
    replicas.replica(2).always({ afterMs: 90 });
    const before = performance.now();

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(90);

    // Assess
    const result = answer.result!;
    expect(result.replicas.map((r) => r.sentAt)).toEqual([before, before, before]);
    expect(result.startedAt).toBe(before);
    expect(result.quorumAt - result.startedAt).toBe(6);
    expect(result.answeredAt).toBe(result.quorumAt);
    expect(result.replicas[2]).toMatchObject({ outcome: 'pending', ms: 0, sentAt: before });
  });

  it('gives a replica skipped by its open breaker no send time: it was never sent the write', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 1 });
    replicas.replica(2).always({ fails: 'breaker-open' });

    // Act
    const answer = watch(writeFanOut(replicas, 2, entry.version, apply));
    await advance(1);

    // Assess
    const reports = answer.result!.replicas;
    expect(reports[2]).toMatchObject({ outcome: 'skipped' });
    expect(reports[2]!.sentAt).toBeUndefined();
    expect(reports[0]!.sentAt).toEqual(expect.any(Number));
  });
});

describe('Timing: raceRead', () => {
  it('decides at the first entry, and keeps the send time of replicas still pending', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'a')).always({ afterMs: 30 });
    replicas.replica(1).holds('k', valueAt(1, 'b')).always({ afterMs: 10 });
    replicas.replica(2).always({ afterMs: 20, fails: 'timeout' });
    const before = performance.now();

    // Act
    const answer = watch(raceRead(replicas, read));
    await advance(30);

    // Assess
    const round = answer.result!.round;
    expect(round.decidedAt - before).toBe(10);
    expect(round.reports.map((r) => [r.outcome, r.sentAt])).toEqual([
      ['pending', before],
      ['found', before],
      ['pending', before],
    ]);
  });
});

describe('Timing: quorumRead', () => {
  it('decides at the R-th reply', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: 80 });
    const before = performance.now();

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack }));
    await advance(80);

    // Assess
    expect(answer.result!.round.decidedAt - before).toBe(7);
  });

  it('reports a timed-out replica with the time it was sent when the quorum is missed', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
    replicas.replica(1).always({ afterMs: 50, fails: 'timeout' });
    replicas.replica(2).always({ afterMs: 50, fails: 'timeout' });
    const before = performance.now();

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack }));
    await advance(50);

    // Assess
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
    const reports = (answer.error as ReadQuorumNotReachedError).replicas;
    expect(reports.map((r) => [r.outcome, r.sentAt, r.ms])).toEqual([
      ['found', before, 3],
      ['timeout', before, 50],
      ['timeout', before, 50],
    ]);
  });
});
