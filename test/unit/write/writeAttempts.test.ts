import { describe, expect, it } from 'vitest';
import type { ReplicaClient, Version } from '../../../lib';
import { HybridLogicalClock, parseVersion } from '../../../lib/core/hybridLogicalClock';
import { applyEntry } from '../../../lib/replica/replicaCommands';
import { StoreClock } from '../../../lib/replica/storeClock';
import { issueWrite, mayStillTakeEffect, type WriteAttemptSettings } from '../../../lib/write/writeAttempts';
import { advance, FakeReplica, FakeReplicaSet, useFakeReplicaTime, versionAt, watch } from '../../support/fakeReplicaSet';

useFakeReplicaTime();

/** The replicas' time when a test starts (epoch ms): the containers' clocks read it plus the fake timers' time. */
const T0 = 1_800_000_000_000;
const wallClock = () => T0 + Date.now();
/** Milliseconds from T0 of a version's time. */
const msOf = (version: Version): number => parseVersion(version)!.ms - T0;

/** Settings for a write of `x` that needs `required` acknowledgements; no deadline unless given. */
function settingsFor(replicas: FakeReplicaSet, required: number, deadlines: Partial<WriteAttemptSettings['deadlines']> = {}) {
  const clock = new HybridLogicalClock(7, wallClock);
  const settings: WriteAttemptSettings = {
    required,
    clock,
    applyAt: (version) => (client: ReplicaClient) => applyEntry(client, 'k', { value: 'x', version }, 0),
    deadlines: { awaitPendingUntil: Number.POSITIVE_INFINITY, reissueUntil: Number.POSITIVE_INFINITY, ...deadlines },
  };
  return { clock, settings };
}

/** A trio whose replicas hold values at the versions of times `ms` from T0 (null: nothing) and answer after `delays`. */
function trio(ms: readonly (number | null)[], delays: readonly number[] = [1, 2, 3]): FakeReplicaSet {
  const replicas = new FakeReplicaSet();
  replicas.replicas.forEach((replica, i) => {
    const at = ms[i];
    replica.holds('k', at === null || at === undefined ? null : { value: `held ${at}`, version: versionAt(T0 + at) });
    replica.always({ afterMs: delays[i]! });
  });
  return replicas;
}

describe('Function: issueWrite', () => {
  it('commits on the first attempt when a quorum takes it, stamped with the clock\'s next version', async () => {
    // Prepare
    const replicas = trio([null, null, null]);
    const { settings } = settingsFor(replicas, 2);

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(2);

    // Assess
    expect(issued.result).toMatchObject({ committed: true, attempts: 1 });
    const written = issued.result?.committed === true ? issued.result.result : undefined;
    expect([written?.acknowledged, msOf(written!.version)]).toEqual([2, 0]);
  });

  it('issues a write that landed nowhere again, just above the newest version that refused it', async () => {
    // Prepare: every replica holds a newer entry, written by a container whose clock runs seconds ahead.
    const replicas = trio([5_000, 7_000, 6_000]);
    const { settings } = settingsFor(replicas, 2);

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(3 + 3);

    // Assess: c's refusal (3 ms) decides the re-issue; a and b take the second attempt at 4 and 5 ms.
    expect(issued.at).toBe(5);
    expect(issued.result).toMatchObject({ committed: true, attempts: 2 });
    const written = issued.result?.committed === true ? issued.result.result : undefined;
    expect(written!.version > versionAt(T0 + 7_000)).toBe(true);
    expect(msOf(written!.version)).toBe(7_000);
    expect(replicas.replicas.map((replica) => replica.entry('k')?.value)).toEqual(['x', 'x', 'x']);
  });

  it('leaps further above each time a writer keeps winning the key (0, 2, 8, 32 ms), and gives up after five attempts', async () => {
    // Prepare: a writer whose clock runs 1 ms ahead lands a newer entry on each replica just before every attempt.
    const replicas = trio([null, null, null], [1, 1, 1]);
    const { settings } = settingsFor(replicas, 2);
    const racedAt = (version: Version) => (client: ReplicaClient) => {
      const replica = replicas.replicas.find((candidate: FakeReplica) => candidate.client === (client as unknown))!;
      replica.holds('k', { value: 'racer', version: versionAt(T0 + msOf(version) + 1) });
      return settings.applyAt(version)(client);
    };

    // Act
    const issued = watch(issueWrite(replicas, { ...settings, applyAt: racedAt }));
    await advance(5 * 1);

    // Assess
    expect(issued.result?.committed).toBe(false);
    const missed = issued.result?.committed === false ? issued.result.missed : [];
    expect(missed.map((attempt) => msOf(attempt.version))).toEqual([0, 1, 1 + 1 + 2, 4 + 1 + 8, 13 + 1 + 32]);
  });

  it('does not issue again an attempt that landed on a replica: it may have been read there', async () => {
    // Prepare
    const replicas = trio([null, 5_000, 6_000]);
    const { settings } = settingsFor(replicas, 2);

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(3);

    // Assess
    expect(issued.result?.committed).toBe(false);
    expect(issued.result?.committed === false && issued.result.missed.length).toBe(1);
    expect(replicas.replica(0).entry('k')?.value).toBe('x');
  });

  it.each([
    ['refuses it too: the attempt landed nowhere, and goes again above', 6_000, true],
    ['takes it: the attempt landed, and the write fails', null, false],
  ] as const)('waits for a replica not heard from when the others refused, and when it %s', async (_what, held, committed) => {
    // Prepare: a and b refuse at 1 and 2 ms, which decides the attempt (two failures of three); c answers at 10.
    const replicas = trio([5_000, 5_000, held], [1, 2, 10]);
    const { settings } = settingsFor(replicas, 2);

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(10 + 10);

    // Assess
    expect(issued.result?.committed).toBe(committed);
    expect(issued.at).toBeGreaterThanOrEqual(10);
  });

  it('gives up at once on an attempt a replica took, without waiting for the replicas still pending', async () => {
    // Prepare: every replica must take it; a does, b refuses at 2 ms, c would answer at 50.
    const replicas = trio([null, 5_000, 6_000], [1, 2, 50]);
    const { settings } = settingsFor(replicas, 3);

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(50);

    // Assess
    expect([issued.at, issued.result?.committed]).toEqual([2, false]);
  });

  it('at the deadline for waiting, gives up on an attempt whose pending replicas would decide', async () => {
    // Prepare: the attempt is decided at 2 ms, the deadline.
    const replicas = trio([5_000, 5_000, 6_000], [1, 2, 10]);
    const { settings } = settingsFor(replicas, 2, { awaitPendingUntil: performance.now() + 2 });

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(10);

    // Assess
    expect([issued.at, issued.result?.committed]).toEqual([2, false]);
  });

  it('at the deadline for re-issuing, does not issue again even an attempt that landed nowhere', async () => {
    // Prepare: the last refusal comes at 3 ms, the deadline.
    const replicas = trio([5_000, 7_000, 6_000]);
    const { settings } = settingsFor(replicas, 2, { reissueUntil: performance.now() + 3 });

    // Act
    const issued = watch(issueWrite(replicas, settings));
    await advance(10);

    // Assess
    expect(issued.result?.committed).toBe(false);
    expect(issued.result?.committed === false && issued.result.missed.length).toBe(1);
  });
});

describe('Function: mayStillTakeEffect', () => {
  it('says a write that landed on a replica may still take effect, once the replicas\' clock passed its version by the clocks\' uncertainty', async () => {
    // Prepare: the attempt, stamped at 0 ms, lands on a only.
    const replicas = trio([null, 5_000, 6_000]);
    const { clock, settings } = settingsFor(replicas, 2);
    const issued = await issueWriteNow(replicas, settings);

    // Act
    const answer = watch(mayStillTakeEffect(issued, clock, new StoreClock(wallClock)));
    await advance(100);

    // Assess: 1 ms past the version's millisecond, plus both containers' uncertainty (10 ms each).
    expect([answer.result, answer.at]).toEqual([true, 1 + 2 * 10]);
  });

  it('says a write every replica refused never takes effect, at once, and keeps the clock ahead of what they hold', async () => {
    // Prepare
    const replicas = trio([5_000, 7_000, 6_000]);
    const { clock, settings } = settingsFor(replicas, 2, { reissueUntil: 0 });
    const issued = await issueWriteNow(replicas, settings);
    const askedAt = Date.now();

    // Act
    const answer = watch(mayStillTakeEffect(issued, clock, new StoreClock(wallClock)));
    await advance(0);

    // Assess
    expect([answer.result, answer.at]).toEqual([false, askedAt]);
    expect(clock.next() > versionAt(T0 + 7_000)).toBe(true);
  });
});

describe('Functions: issueWrite and mayStillTakeEffect, over two attempts', () => {
  it('says a write may still take effect when a later attempt landed, and does not wait for a version far ahead', async () => {
    // Prepare: the first attempt is refused everywhere and issued again above 7 s ahead; the second lands on a, b
    // refuses it (a writer got there first) and c times out.
    const replicas = trio([5_000, 7_000, 6_000]);
    replicas.replica(2).then({ afterMs: 3 }, { afterMs: 5, fails: 'timeout' });
    const { clock, settings } = settingsFor(replicas, 2);
    const racedOnB = (version: Version) => (client: ReplicaClient) => {
      if (msOf(version) > 0 && client === (replicas.replica(1).client as unknown)) replicas.replica(1).holds('k', { value: 'racer', version: versionAt(T0 + 8_000) });
      return settings.applyAt(version)(client);
    };
    const issued = watch(issueWrite(replicas, { ...settings, applyAt: racedOnB }));
    await advance(3 + 5);
    const missed = issued.result?.committed === false ? issued.result.missed : [];
    const askedAt = Date.now();

    // Act
    const answer = watch(mayStillTakeEffect(missed, clock, new StoreClock(wallClock)));
    await advance(0);

    // Assess: the second attempt's version is 7 s ahead of the replicas' clock: past the commit wait's cap.
    expect(missed.map((attempt) => msOf(attempt.version))).toEqual([0, 7_000]);
    expect([answer.result, answer.at]).toEqual([true, askedAt]);
    expect(clock.next() > versionAt(T0 + 8_000)).toBe(true);
  });
});

/** Issues a write that misses its quorum for good, moving the fake clock until it has; returns its attempts. */
async function issueWriteNow(replicas: FakeReplicaSet, settings: WriteAttemptSettings) {
  const issued = watch(issueWrite(replicas, settings));
  await advance(3);
  if (issued.result?.committed !== false) throw new Error('the write was expected to miss its quorum');
  return issued.result.missed;
}
