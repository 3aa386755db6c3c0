import { describe, expect, it } from 'vitest';
import { ReadQuorumNotReachedError, type ReplicaClient, type StoredEntry } from '../../../lib';
import { quorumRead } from '../../../lib/read/quorumRead';
import { applyEntry, readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');
const writeBack = (client: ReplicaClient, entry: StoredEntry) => applyEntry(client, 'k', entry, 0);
/** Quorum reads of a trio: `required` replies, a write quorum of 2 (or `writeQuorum`). */
const settings = (required: number, writeQuorum = 2) => ({ required, writeQuorum, read, writeBack });

describe('Function: quorumRead', () => {
  it('answers at once when the required replies agree: a write quorum holds the entry', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).holds('k', valueAt(9, 'newest, but slow')).always({ afterMs: 80 });

    // Act
    const answer = watch(quorumRead(replicas, settings(2)));
    await advance(80);

    // Assess
    expect(answer.at).toBe(7);
    expect(answer.result?.entry?.value).toBe('new');
    expect(answer.result?.writeBacks).toEqual([]);
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['found', 'found', 'pending']);
  });

  it('writes the newest entry back to a lagging reply before answering, so a write quorum holds what it returns', async () => {
    // Prepare: a and b disagree; c (slow) is not waited for.
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).holds('k', valueAt(1, 'old')).always({ afterMs: 80 });

    // Act
    const answer = watch(quorumRead(replicas, settings(2)));
    await advance(80);

    // Assess: one more round trip (to a, 3 ms), then the answer; a now holds the entry answered.
    expect(answer.at).toBe(10);
    expect(answer.result?.entry?.value).toBe('new');
    expect(answer.result?.answeredBy).toBe('b');
    expect(answer.result?.writeBacks.map((r) => [r.node, r.outcome])).toEqual([['a', 'repaired']]);
    expect(replicas.replica(0).entry('k')).toEqual(valueAt(2, 'new'));
  });

  it('reads again when the write-back meets a newer entry (a write racing the read), and answers that one', async () => {
    // Prepare: a's reply is old, but by the write-back it holds a newer entry.
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).holds('k', valueAt(3, 'newer')).always({ afterMs: 80 });

    // Act
    const answer = watch(quorumRead(replicas, settings(2)));
    await advance(8);
    replicas.replica(0).holds('k', valueAt(3, 'newer'));
    await advance(200);

    // Assess
    expect(answer.result?.entry?.value).toBe('newer');
  });

  it('counts a replica that holds nothing as a reply, and a tombstone as the newest entry when it is', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 1 });
    replicas.replica(1).holds('k', { value: null, version: versionAt(5) }).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(4)).always({ afterMs: 50 });

    // Act
    const answer = watch(quorumRead(replicas, settings(2)));
    await advance(2 + 1);

    // Assess
    expect(answer.result?.entry).toEqual({ value: null, version: versionAt(5) });
    expect(answer.result?.round.reports.map((r) => r.outcome)).toEqual(['missing', 'found', 'pending']);
    expect(answer.result?.round.reports[1]?.deleted).toBe(true);
    // The tombstone is written back to the replica that held nothing before the answer.
    expect(replicas.replica(0).entry('k')).toEqual({ value: null, version: versionAt(5) });
  });

  it('fails fast, as soon as too many replicas have failed for the quorum to be reachable', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).always({ afterMs: 4, fails: 'command-error' });
    replicas.replica(1).always({ fails: 'breaker-open' });
    replicas.replica(2).holds('k', valueAt(1)).always({ afterMs: 100 });

    // Act
    const answer = watch(quorumRead(replicas, settings(2)));
    await advance(4);

    // Assess
    expect(answer.at).toBe(4);
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
    const error = answer.error as ReadQuorumNotReachedError;
    expect([error.answered, error.required]).toEqual([0, 2]);
    expect(error.replicas.map((r) => r.outcome)).toEqual(['error', 'skipped', 'pending']);
  });

  it('at level all (every replica required) waits for the slowest replica', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(1)).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(3, 'slowest')).always({ afterMs: 45 });

    // Act
    const answer = watch(quorumRead(replicas, settings(3)));
    await advance(44);
    const early = answer.settled;
    await advance(1 + 2);

    // Assess: then it writes the newest entry back to the two that lag (1 and 2 ms), and answers once W = 2 replicas
    // hold it (a, 1 ms later); b's write-back goes on.
    expect(early).toBe(false);
    expect(answer.result?.entry?.value).toBe('slowest');
    expect(answer.at).toBe(46);
    expect(answer.result?.writeBacks.map((r) => [r.node, r.outcome])).toEqual([['a', 'repaired']]);
  });

  it('fails at level all on the first failure', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1)).always({ afterMs: 1 });
    replicas.replica(1).always({ afterMs: 10, fails: 'timeout' });
    replicas.replica(2).holds('k', valueAt(1)).always({ afterMs: 60 });

    // Act
    const answer = watch(quorumRead(replicas, settings(3)));
    await advance(10);

    // Assess
    expect(answer.at).toBe(10);
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
  });
  describe('when the write quorum is larger than the read quorum (W > N − W + 1)', () => {
    it('answers a healthy read at once when W = N = 3 (R = 1): it waits for W agreeing replies and writes nothing back', async () => {
      // Prepare
      const replicas = new FakeReplicaSet();
      replicas.replica(0).holds('k', valueAt(2, 'agreed')).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(2, 'agreed')).always({ afterMs: 2 });
      replicas.replica(2).holds('k', valueAt(2, 'agreed')).always({ afterMs: 3 });

      // Act
      const answer = watch(quorumRead(replicas, settings(1, 3)));
      await advance(3);

      // Assess
      expect(answer.error).toBeUndefined();
      expect(answer.at).toBe(3);
      expect(answer.result?.entry?.value).toBe('agreed');
      expect(answer.result?.writeBacks).toEqual([]);
      expect(replicas.replicas.map((replica) => replica.commands)).toEqual([['get'], ['get'], ['get']]);
    });

    it('writes the newest entry back to every replica not known to hold it, those not heard from included, and answers once W hold it', async () => {
      // Prepare: N = 5, W = 4, R = 2. Two replies lag; e (slow) holds the newest entry but has not answered.
      const replicas = new FakeReplicaSet(['a', 'b', 'c', 'd', 'e']);
      replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(1, 'old')).always({ afterMs: 2 });
      replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
      replicas.replica(3).holds('k', valueAt(1, 'old')).always({ afterMs: 4 });
      replicas.replica(4).holds('k', valueAt(2, 'new')).always({ afterMs: 100 });

      // Act
      const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 4, read, writeBack }));
      await advance(8);

      // Assess: after W = 4 replies (2 holders), b, d and e get the entry; b and d hold it 2 and 4 ms later.
      expect(answer.error).toBeUndefined();
      expect(answer.at).toBe(8);
      expect(answer.result?.entry?.value).toBe('new');
      expect(answer.result?.writeBacks.map((r) => [r.node, r.outcome])).toEqual([
        ['b', 'repaired'],
        ['d', 'repaired'],
      ]);
      expect(replicas.replicas.map((replica) => replica.entry('k')?.value)).toEqual(['new', 'new', 'new', 'new', 'new']);
      expect(replicas.replica(4).calls).toBe(2);
    });

    it('does not wait for a hung replica\'s read once W replies are in: it writes back to the lagging reply and to the hung replica', async () => {
      // Prepare: N = 4, W = 3, R = 2; d never answers within the node timeout (100 ms here).
      const replicas = new FakeReplicaSet(['a', 'b', 'c', 'd']);
      replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(1, 'old')).always({ afterMs: 2 });
      replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
      replicas.replica(3).always({ afterMs: 100, fails: 'timeout' });

      // Act
      const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 3, read, writeBack }));
      await advance(5);

      // Assess
      expect(answer.at).toBe(5);
      expect(answer.result?.entry?.value).toBe('new');
      expect(answer.result?.writeBacks.map((r) => [r.node, r.outcome])).toEqual([['b', 'repaired']]);
      expect(replicas.replica(3).calls).toBe(2);
    });

    it('does not take a first reply of nothing for the answer: the entry a later reply holds is answered and written back', async () => {
      // Prepare: W = N = 3 (R = 1); a answers first, holding nothing.
      const replicas = new FakeReplicaSet();
      replicas.replica(0).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(2, 'only here')).always({ afterMs: 2 });
      replicas.replica(2).always({ afterMs: 3 });

      // Act
      const answer = watch(quorumRead(replicas, settings(1, 3)));
      await advance(2 + 3);

      // Assess: at b's reply, a and c get the entry (c also before its read reply); c holds it last, at 5 ms.
      expect(answer.at).toBe(5);
      expect(answer.result?.entry?.value).toBe('only here');
      expect(replicas.replicas.map((replica) => replica.entry('k')?.value)).toEqual(['only here', 'only here', 'only here']);
    });

    it('answers nothing once W replicas answered nothing', async () => {
      // Prepare
      const replicas = new FakeReplicaSet();
      replicas.replica(0).always({ afterMs: 1 });
      replicas.replica(1).always({ afterMs: 2 });
      replicas.replica(2).always({ afterMs: 3 });

      // Act
      const answer = watch(quorumRead(replicas, settings(1, 3)));
      await advance(3);

      // Assess
      expect(answer.at).toBe(3);
      expect(answer.result?.entry).toBeNull();
      expect(answer.result?.writeBacks).toEqual([]);
    });

    it('fails when the write-back cannot reach W replicas (W = N and one replica down), reporting what each replica did', async () => {
      // Prepare
      const replicas = new FakeReplicaSet();
      replicas.replica(0).holds('k', valueAt(2)).always({ afterMs: 1 });
      replicas.replica(1).holds('k', valueAt(2)).always({ afterMs: 2 });
      replicas.replica(2).always({ afterMs: 5, fails: 'command-error' });

      // Act
      const answer = watch(quorumRead(replicas, settings(1, 3)));
      await advance(5 + 5);

      // Assess: the read failed at 5 ms, the write-back to c at 10 ms; no second round (nothing newer raced it).
      expect(answer.at).toBe(10);
      expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
      const error = answer.error as ReadQuorumNotReachedError;
      expect([error.answered, error.required]).toEqual([2, 3]);
      expect(error.replicas.map((r) => r.outcome)).toEqual(['found', 'found', 'error']);
      expect(replicas.replica(2).calls).toBe(2);
    });
  });
});
