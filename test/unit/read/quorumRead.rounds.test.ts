import { describe, expect, it } from 'vitest';
import { ReadQuorumNotReachedError, type ReplicaClient, type StoredEntry } from '../../../lib';
import type { ReadRound } from '../../../lib/read/readFanOut';
import { quorumRead, type QuorumReadSettings } from '../../../lib/read/quorumRead';
import { applyEntry, readEntry } from '../../../lib/replica/replicaCommands';
import { advance, FakeReplicaSet, useFakeReplicaTime, valueAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

const read = (client: ReplicaClient) => readEntry(client, 'k');
const writeBack = (client: ReplicaClient, entry: StoredEntry) => applyEntry(client, 'k', entry, 0);

/**
 * A trio where every read reply differs (a at time 1, b at 2, c at 3), and a writer that lands a newer entry on each
 * replica just before the read's write-back reaches it: every round's write-back is refused, as if writes raced the
 * read for ever. Every call takes 1 ms, so a round takes 2. Counts the reads sent.
 */
function endlessRace(): { replicas: FakeReplicaSet; settings: QuorumReadSettings; reads: () => number } {
  const replicas = new FakeReplicaSet();
  replicas.replicas.forEach((replica, i) => replica.holds('k', valueAt(i + 1)).always({ afterMs: 1 }));
  let written = 100;
  let reads = 0;
  const settings: QuorumReadSettings = {
    required: 2,
    writeQuorum: 2,
    read: (client) => {
      reads += 1;
      return read(client);
    },
    writeBack: (client, entry) => {
      const replica = replicas.replicas.find((candidate) => candidate.client === (client as unknown))!;
      written += 1;
      replica.holds('k', valueAt(written));
      return writeBack(client, entry);
    },
  };
  return { replicas, settings, reads: () => reads };
}

describe('Function: quorumRead (rounds and write-backs)', () => {
  describe('when writes keep racing the read', () => {
    it('gives up after the rounds it was given, reading every replica once a round', async () => {
      // Prepare
      const race = endlessRace();

      // Act
      const answer = watch(quorumRead(race.replicas, { ...race.settings, rounds: 2 }));
      await advance(20);

      // Assess: each round ends at its first refused write-back (the other carries on); the entry the last round tried
      // sits on its one holder, and the replica the round did not wait for shows as pending.
      expect(answer.at).toBe(2 * 2);
      expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
      const error = answer.error as ReadQuorumNotReachedError;
      expect([error.answered, error.required]).toEqual([1, 2]);
      expect(error.replicas.map((r) => r.outcome).sort()).toEqual(['found', 'newer', 'pending']);
      expect(race.reads()).toBe(2 * 3);
    });

    it('tries five rounds unless told otherwise', async () => {
      // Prepare
      const race = endlessRace();

      // Act
      const answer = watch(quorumRead(race.replicas, race.settings));
      await advance(20);

      // Assess
      expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
      expect(race.reads()).toBe(5 * 3);
    });

    it('hands only the first round to onSettled (read repair looks at the replies of one round)', async () => {
      // Prepare
      const race = endlessRace();
      const settledRounds: ReadRound[] = [];

      // Act
      const answer = watch(quorumRead(race.replicas, { ...race.settings, rounds: 2 }, { onSettled: (round) => settledRounds.push(round) }));
      await advance(20);

      // Assess: the first round's replies, as the replicas held them before any write-back.
      expect(answer.settled).toBe(true);
      expect(settledRounds).toHaveLength(1);
      expect(settledRounds[0]!.replies.map((reply) => reply.entry?.value)).toEqual(['v1', 'v2', 'v3']);
    });
  });

  it('counts a replica that already holds the entry written back (it answers `same`) toward W', async () => {
    // Prepare: N = 3, W = 2, R = 2. a lags and its write-back fails; c, slow to read, holds the newest entry already.
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(1, 'old')).then({ afterMs: 1 }, { afterMs: 1, fails: 'command-error' });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 2 });
    replicas.replica(2).holds('k', valueAt(2, 'new')).then({ afterMs: 50 }, { afterMs: 1 });

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack }));
    await advance(3);

    // Assess: b read it and c holds it: W = 2, one round trip after the replies.
    expect(answer.error).toBeUndefined();
    expect(answer.at).toBe(3);
    expect(answer.result?.entry?.value).toBe('new');
    expect(answer.result?.writeBacks).toEqual([
      { node: 'a', outcome: 'error', ms: 1 },
      { node: 'c', outcome: 'same', ms: 1 },
    ]);
  });

  it('fails when the write-backs leave the entry short of W, counting the replicas that hold it and showing each failed write-back in place of its read', async () => {
    // Prepare: N = W = 4 (R = 1). b lags and takes the entry; c and d, not heard from when the read decides, get it
    // written back too: c holds it already (`same`), d times out.
    const replicas = new FakeReplicaSet(['a', 'b', 'c', 'd']);
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 1 });
    replicas.replica(1).holds('k', valueAt(1, 'old')).then({ afterMs: 2 }, { afterMs: 1 });
    replicas.replica(2).holds('k', valueAt(2, 'new')).then({ afterMs: 50 }, { afterMs: 1 });
    replicas.replica(3).then({ afterMs: 50 }, { afterMs: 5, fails: 'timeout' });

    // Act
    const answer = watch(quorumRead(replicas, { required: 1, writeQuorum: 4, read, writeBack }));
    await advance(2 + 5);

    // Assess: a read it, b took it, c held it: 3 of the 4 needed. The read decided at b's reply, with c and d pending.
    expect(answer.at).toBe(7);
    expect(answer.error).toBeInstanceOf(ReadQuorumNotReachedError);
    const error = answer.error as ReadQuorumNotReachedError;
    expect([error.answered, error.required]).toEqual([3, 4]);
    expect(error.replicas.map((r) => [r.node, r.outcome, r.ms])).toEqual([
      ['a', 'found', 1],
      ['b', 'found', 2],
      ['c', 'pending', 0],
      ['d', 'timeout', 5],
    ]);
  });

  it('writes nothing to the replicas it did not wait for when the replies it waited for agree', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 7 });
    replicas.replica(2).always({ afterMs: 80 });

    // Act
    const answer = watch(quorumRead(replicas, { required: 2, writeQuorum: 2, read, writeBack }));
    await advance(80 + 80);

    // Assess
    expect(answer.result?.entry?.value).toBe('new');
    expect(replicas.replicas.map((replica) => replica.commands)).toEqual([['get'], ['get'], ['get']]);
    expect(replicas.replica(2).entry('k')).toBeNull();
  });

  it('names the first replica to answer the entry as the one that answered it', async () => {
    // Prepare
    const replicas = new FakeReplicaSet();
    replicas.replica(0).holds('k', valueAt(2, 'new')).always({ afterMs: 9 });
    replicas.replica(1).holds('k', valueAt(2, 'new')).always({ afterMs: 3 });
    replicas.replica(2).holds('k', valueAt(2, 'new')).always({ afterMs: 5 });

    // Act
    const answer = watch(quorumRead(replicas, { required: 3, writeQuorum: 2, read, writeBack }));
    await advance(9);

    // Assess
    expect(answer.result?.answeredBy).toBe('b');
  });
});
