import { describe, expect, it } from 'vitest';
import { ReadQuorumNotReachedError, type ReplicaClient } from '../../../lib';
import { quorumRead } from '../../../lib/read/quorumRead';
import { raceRead } from '../../../lib/read/raceRead';
import type { ReadPath } from '../../../lib/read/hedgedFanOut';
import { LatencyRecord } from '../../../lib/read/replicaLatency';
import { applyEntry, readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');
const NODE_TIMEOUT_MS = 300;

/** A hedged path whose record has seen each replica answer in the given ms (steady: deviation decays to near 0). */
function hedgedAfter(...replyMs: number[]): { path: ReadPath; latency: LatencyRecord } {
  const latency = new LatencyRecord(replyMs.length, NODE_TIMEOUT_MS);
  for (let i = 0; i < replyMs.length; i += 1) for (let n = 0; n < 40; n += 1) latency.recordReply(i, replyMs[i]!);
  return { path: { strategy: 'hedged', latency }, latency };
}

describe('Function: raceRead, hedged', () => {
  it('asks only the replica with the best recent latency when it answers in time, and shows the others as not sent', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    for (const replica of replicas.replicas) replica.holds('k', valueAt(1, replica.name)).always({ afterMs: 2 });
    const { path } = hedgedAfter(5, 2, 5);

    // Act
    const answer = watch(raceRead(replicas, read, {}, path));
    await advance(2);

    // Assess
    expect(answer.result?.entry?.value).toBe('b');
    expect(replicas.replicas.map((r) => r.calls)).toEqual([0, 1, 0]);
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['not-sent', 'found', 'not-sent']);
  });

  it('asks the next replica after the hedge delay of the first, and answers with whichever entry comes first', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'a')).always({ afterMs: 200 });
    replicas.replica(1).holds('k', valueAt(1, 'b')).always({ afterMs: 3 });
    replicas.replica(2).holds('k', valueAt(1, 'c')).always({ afterMs: 3 });
    const { path, latency } = hedgedAfter(2, 3, 4);
    const delay = latency.plan().delaysMs[0]!;

    // Act
    const answer = watch(raceRead(replicas, read, {}, path));
    await advance(Math.floor(delay) - 1);
    const callsBeforeDelay = replicas.replicas.map((r) => r.calls);
    await advance(10);

    // Assess
    expect(callsBeforeDelay).toEqual([1, 0, 0]);
    expect(answer.result?.entry?.value).toBe('b');
    expect(answer.at).toBeGreaterThanOrEqual(delay + 3 - 1);
    expect(answer.at).toBeLessThanOrEqual(delay + 3 + 1);
    const hedged = answer.result?.round.reports[1];
    expect(hedged).toMatchObject({ outcome: 'found', hedged: true });
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['pending', 'found', 'not-sent']);
  });

  it('moves on at once from a replica that holds nothing, and from one that fails', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 1, fails: 'connection-down' });
    replicas.replica(2).holds('k', valueAt(1, 'c')).always({ afterMs: 1 });
    const { path } = hedgedAfter(1, 1, 1);

    // Act
    const answer = watch(raceRead(replicas, read, {}, path));
    await advance(3);

    // Assess
    expect(answer.at).toBe(3);
    expect(answer.result?.entry?.value).toBe('c');
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['missing', 'error', 'found']);
  });

  it('hands read repair every reply, also a replica found behind that answered after the hedge', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).always({ afterMs: 40 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
    replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
    const { path } = hedgedAfter(1, 2, 3);
    const settled: string[][] = [];

    // Act
    const answer = watch(raceRead(replicas, read, { onSettled: (round) => settled.push(round.replies.map((r) => r.entry?.value ?? '-')) }, path));
    await advance(100);

    // Assess
    expect(answer.result?.entry?.value).toBe('new');
    expect(settled).toEqual([['new', 'old']]);
  });

  it('gives up by one node timeout after the start when every replica asked hangs', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    for (const replica of replicas.replicas) replica.always({ afterMs: NODE_TIMEOUT_MS, fails: 'timeout' });
    const { path } = hedgedAfter(1, 1, 1);

    // Act
    const answer = watch(raceRead(replicas, read, {}, path));
    await advance(NODE_TIMEOUT_MS + 5);

    // Assess
    expect(answer.settled).toBe(true);
    expect(answer.at).toBeLessThanOrEqual(NODE_TIMEOUT_MS);
    expect(replicas.replicas.map((r) => r.calls)).toEqual([1, 1, 1]);
  });

  it('learns: a replica that timed out is asked last on the next read', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'a')).then({ afterMs: NODE_TIMEOUT_MS, fails: 'timeout' }).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(1, 'b')).always({ afterMs: 1 });
    replicas.replica(2).holds('k', valueAt(1, 'c')).always({ afterMs: 1 });
    const { path } = hedgedAfter(1, 2, 3);
    await advance(0);
    watch(raceRead(replicas, read, {}, path));
    await advance(NODE_TIMEOUT_MS);

    // Act
    const second = watch(raceRead(replicas, read, {}, path));
    await advance(1);

    // Assess
    expect(second.result?.entry?.value).toBe('b');
    expect(second.result?.round.reports.map((r) => r.outcome)).toEqual(['not-sent', 'found', 'not-sent']);
  });
});

describe('Function: quorumRead, hedged', () => {
  const writeBack = (client: ReplicaClient, entry: Parameters<typeof applyEntry>[2]) => applyEntry(client, 'k', entry, 1_000_000);

  it('asks the R fastest replicas and answers from them when they agree', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    for (const replica of replicas.replicas) replica.holds('k', valueAt(1, 'v')).always({ afterMs: 1 });
    const { path } = hedgedAfter(3, 1, 2);

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack, path }));
    await advance(1);

    // Assess
    expect(answer.result?.entry?.value).toBe('v');
    expect(replicas.replicas.map((r) => r.calls)).toEqual([0, 1, 1]);
    expect(answer.result?.writeBacks).toEqual([]);
  });

  it('asks the third replica at once when one of the first two fails, and still answers the newest a quorum holds', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 1, fails: 'connection-down' });
    replicas.replica(2).holds('k', valueAt(1, 'old')).always({ afterMs: 1 });
    const { path } = hedgedAfter(1, 1, 9);

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack, path }));
    await advance(10);

    // Assess
    expect(answer.result?.entry?.value).toBe('new');
    expect(answer.at).toBeLessThanOrEqual(3);
    expect(replicas.replica(2).entry('k')?.value).toBe('new');
  });

  it('fails with ReadQuorumNotReachedError when too few replicas answer, as a race does', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'v')).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 1, fails: 'connection-down' });
    replicas.replica(2).always({ afterMs: 1, fails: 'command-error' });
    const { path } = hedgedAfter(1, 2, 3);

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack, path }));
    await advance(5);

    // Assess
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
  });
});
