import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coordinator, loadConfig, QuorumNotReachedError, ReadQuorumNotReachedError, ReplicaPool } from '../../lib';
import type { LocalReplica } from '../../tools/localCluster';
import { TEST_NODE_TIMEOUT_MS, useCoordinators } from '../support/coordinators';
import { RecordingObserver } from '../support/recordingObserver';
import { directClient, onEveryMaster, useRedisCluster } from '../support/redisCluster';

/** A replica's name as the store reports it: `host:port` of its URL. */
const nameOf = (node: LocalReplica): string => new URL(node.url).host;

describe.each(['standalone', 'cluster'] as const)('Store events: what the coordinator reports, and when (real Redis, %s replicas)', (mode) => {
  const cluster = useRedisCluster({ count: 3, mode });
  // Puts the cluster back after each test (paused nodes resumed, killed ones restarted, data flushed).
  const newCoordinator = useCoordinators(cluster);
  const opened: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((coordinator) => coordinator.close()));
  });

  /**
   * A coordinator on the file's cluster whose pool reports to `observer`, as the container's does; resolves once it
   * has measured the replicas' clock, so that no calibration command is in flight when a test pauses a node.
   */
  async function observedCoordinator(observer: RecordingObserver, env: Record<string, string> = {}): Promise<Coordinator> {
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS), ...env });
    const coordinator = new Coordinator(config, new ReplicaPool(config, undefined, observer));
    opened.push(coordinator);
    await coordinator.whenClockCalibrated();
    return coordinator;
  }

  it('reports a failed write quorum before the write is answered, with the timeouts of the two paused nodes', async () => {
    // Prepare
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer);
    await (await coordinator.set('k', 'v0')).settled;
    cluster().nodes[1]!.pause();
    cluster().nodes[2]!.pause();

    // Act
    const error = await coordinator.set('k', 'v1').catch((failure: unknown) => failure);

    // Assess: recorded by the time the 503 is thrown, once.
    expect(error).toBeInstanceOf(QuorumNotReachedError);
    expect(observer.ofType('write-quorum-failed')).toEqual([
      { type: 'write-quorum-failed', operation: 'set', consistency: 'quorum', acknowledged: 1, required: 2, rolledBack: false },
    ]);
    expect(observer.ofType('node-timeout').map((event) => event.replica).sort()).toEqual(
      [nameOf(cluster().nodes[1]!), nameOf(cluster().nodes[2]!)].sort(),
    );
  });

  it('reports a failed read quorum, and nothing for reads and writes that succeed', async () => {
    // Prepare
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer);
    await (await coordinator.set('k', 'v')).settled;
    await coordinator.get('k', { consistency: 'quorum' });
    const quietBefore = observer.events.length;
    cluster().nodes[0]!.pause();
    cluster().nodes[1]!.pause();

    // Act
    const error = await coordinator.get('k', { consistency: 'quorum' }).catch((failure: unknown) => failure);

    // Assess
    expect(quietBefore).toBe(0);
    expect(error).toBeInstanceOf(ReadQuorumNotReachedError);
    expect(observer.ofType('read-quorum-failed')).toEqual([{ type: 'read-quorum-failed', consistency: 'quorum', answered: 1, required: 2 }]);
  });

  /** Makes node 2 stale: down while `new` is written (by a writer that then goes away with its hints), restarted with its old data. */
  async function staleNodeTwo(): Promise<void> {
    const writer = newCoordinator();
    await (await writer.set('k', 'old')).settled;
    await cluster().nodes[2]!.kill();
    await writer.set('k', 'new');
    await writer.close();
    await cluster().nodes[2]!.restart('keep');
  }

  it('reports the stale replica a blocking read finds, and its repair, before the read answers', async () => {
    // Prepare
    await staleNodeTwo();
    const observer = new RecordingObserver();
    const reader = await observedCoordinator(observer, { READ_REPAIR: 'blocking' });
    const stale = nameOf(cluster().nodes[2]!);

    // Act
    const read = await reader.get('k', { consistency: 'all' });

    // Assess
    expect(read).toMatchObject({ value: 'new', repair: 'repaired' });
    expect(observer.events).toEqual([
      { type: 'divergence-found', replica: stale, seenBy: 'read' },
      { type: 'read-repaired', replica: stale },
    ]);
  });

  it('reports an async read repair when it is done, after the answer', async () => {
    // Prepare
    await staleNodeTwo();
    const observer = new RecordingObserver();
    const reader = await observedCoordinator(observer, { READ_REPAIR: 'async' });
    const stale = nameOf(cluster().nodes[2]!);

    // Act
    const read = await reader.get('k', { consistency: 'all' });
    const repairedAtAnswer = observer.ofType('read-repaired').length;

    // Assess: found at the answer, repaired after it (the repair write needs a round trip the answer does not wait for).
    expect(read.repair).toBe('scheduled');
    expect(observer.ofType('divergence-found')).toEqual([{ type: 'divergence-found', replica: stale, seenBy: 'read' }]);
    expect(repairedAtAnswer).toBe(0);
    await vi.waitFor(() => expect(observer.ofType('read-repaired')).toEqual([{ type: 'read-repaired', replica: stale }]), { timeout: 5_000 });
  });

  it('reports a hint queued for a replica that missed a write, then replayed when it comes back', async () => {
    // Prepare
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer);
    const missing = nameOf(cluster().nodes[2]!);
    await (await coordinator.set('warm', 'up')).settled;
    await cluster().nodes[2]!.kill();

    // Act
    await coordinator.set('k', 'v');
    await vi.waitFor(() => expect(observer.ofType('hint-queued')).toEqual([{ type: 'hint-queued', replica: missing }]), { timeout: 5_000 });
    expect(observer.ofType('hints-replayed')).toEqual([]);
    await cluster().nodes[2]!.restart('keep');

    // Assess: the coordinator sees the connection come back and replays the one hinted key.
    await vi.waitFor(() => expect(observer.ofType('hints-replayed')).toEqual([{ type: 'hints-replayed', replica: missing, keys: 1 }]), {
      timeout: 10_000,
    });
    expect(observer.firstAt('hint-queued')!).toBeLessThan(observer.firstAt('hints-replayed')!);
  });

  it('reports a node timeout once the node timeout has passed, also for a command the answer did not wait for', async () => {
    // Prepare
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer);
    await (await coordinator.set('k', 'v')).settled;
    const hung = nameOf(cluster().nodes[0]!);
    cluster().nodes[0]!.pause();
    const asked = performance.now();

    // Act
    const read = await coordinator.get('k');

    // Assess: answered by the others at once; the hung node's timeout comes after the node timeout.
    expect(read.value).toBe('v');
    await vi.waitFor(() => expect(observer.ofType('node-timeout')).toEqual([{ type: 'node-timeout', replica: hung }]), { timeout: 5_000 });
    expect(observer.firstAt('node-timeout', hung)! - asked).toBeGreaterThanOrEqual(TEST_NODE_TIMEOUT_MS - 1);
  });

  it('reports a breaker opening once per opening: on the failure that opens it, not on a probe that fails', async () => {
    // Prepare
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer, { BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '300' });
    await (await coordinator.set('warm', 'up')).settled;
    const hung = nameOf(cluster().nodes[0]!);
    cluster().nodes[0]!.pause();

    // Act: writes until the breaker has opened, then until a probe has failed too (a fourth timeout). The keys share a
    // hash tag: on a cluster replica each master has its own breaker, and these keys all reach the same one.
    for (let i = 0; i < 3; i += 1) await coordinator.set(`{breaker}k${i}`, 'v');
    await vi.waitFor(() => expect(observer.ofType('breaker-opened', hung)).toHaveLength(1), { timeout: 5_000 });
    const timeoutsWhenOpened = observer.ofType('node-timeout', hung).length;
    await vi.waitFor(
      async () => {
        await coordinator.set('{breaker}probe', 'v');
        expect(observer.ofType('node-timeout', hung).length).toBeGreaterThan(3);
      },
      { timeout: 10_000, interval: 50 },
    );

    // Assess
    expect(timeoutsWhenOpened).toBeLessThanOrEqual(3);
    expect(observer.ofType('breaker-opened')).toEqual([{ type: 'breaker-opened', replica: hung }]);
  });

  it('reports every replica anti-entropy finds behind, key by key', async () => {
    // Prepare: node 2 loses its data behind the coordinator's back (no hints record that).
    const observer = new RecordingObserver();
    const coordinator = await observedCoordinator(observer);
    await (await coordinator.set('a', '1')).settled;
    await (await coordinator.set('b', '2')).settled;
    await onEveryMaster(cluster().nodes[2]!, (master) => master.flushall());

    // Act
    const report = await coordinator.antiEntropy({ budgetMs: 10_000, fromStart: true });

    // Assess
    expect(report).toMatchObject({ passComplete: true, keysDiverged: 2, replicasRepaired: 2 });
    expect(observer.events).toEqual([
      { type: 'divergence-found', replica: nameOf(cluster().nodes[2]!), seenBy: 'anti-entropy' },
      { type: 'divergence-found', replica: nameOf(cluster().nodes[2]!), seenBy: 'anti-entropy' },
    ]);
  });
});
