import { describe, expect, it, vi } from 'vitest';
import type { Coordinator, ReadOutcome } from '../../../lib';
import type { LocalReplica } from '../../../tools/localCluster';
import type { LocalRedisNode } from '../../../tools/localRedisNode';
import { TEST_NODE_TIMEOUT_MS, useCoordinators, usePartitionable } from '../../support/coordinators';
import { directClient, storedOnNode, useRedisCluster } from '../../support/redisCluster';

/** `GET` calls each server has run so far (`INFO commandstats`), in node order. */
async function getCalls(nodes: readonly LocalReplica[]): Promise<number[]> {
  return Promise.all(
    nodes.map(async (node) => {
      const client = directClient(node);
      try {
        const info = await client.info('commandstats');
        return Number(/^cmdstat_get:calls=(\d+)/m.exec(info)?.[1] ?? 0);
      } finally {
        client.disconnect();
      }
    }),
  );
}

/** Replicas a read sent its command to (every report but `not-sent`). */
function asked(read: ReadOutcome): number {
  return read.replicas.filter((report) => report.outcome !== 'not-sent').length;
}

// Standalone replicas: one `GET` per asked replica shows in one server's commandstats (a cluster replica's would be
// on whichever master serves the key); hedging decides which replicas are asked, the same in both modes.
describe('Hedged reads against real standalone replicas', () => {
  const cluster = useRedisCluster({ count: 3 });
  const newCoordinator = useCoordinators(cluster);
  const nodeNamed = (name: string): LocalRedisNode => cluster().nodes.find((node) => name.endsWith(`:${node.port}`)) as LocalRedisNode;

  const newLinkedCoordinator = usePartitionable(cluster, newCoordinator);

  /**
   * A hedged reader whose latency record has seen every replica, and the replica it asks first: node 0, the only one
   * it reaches without delay (its links to nodes 1 and 2 add 2 ms each way), so the order does not depend on how the
   * machine's load happens to fall between three equally fast local servers.
   */
  async function warmReader(env: Record<string, string> = {}): Promise<{ reader: Coordinator; fastest: LocalRedisNode }> {
    const { coordinator: reader, links } = await newLinkedCoordinator({ READ_STRATEGY: 'hedged', ...env });
    links.proxies[1]!.delay(2);
    links.proxies[2]!.delay(2);
    const fastest = cluster().nodes[0] as LocalRedisNode;
    // A key every replica holds: a missing reply would move on to the next replica.
    await reader.set('warm-up', 'w', { consistency: 'all' });
    const before = await getCalls(cluster().nodes);
    // Race reads ask every replica, so every replica's latency is known after them.
    for (let i = 0; i < 10; i += 1) await reader.get('warm-up', { strategy: 'race' });
    let sent = 30;
    await vi.waitFor(async () => {
      const read = await reader.get('warm-up');
      sent += asked(read);
      expect(read.replicas.filter((report) => report.outcome !== 'not-sent').map((report) => nodeNamed(report.node))).toEqual([fastest]);
    });
    // Every GET sent so far has reached its server (delayed ones arrive after their read answered), so tests can count.
    await vi.waitFor(async () => expect((await getCalls(cluster().nodes)).reduce((total, n, i) => total + n - before[i]!, 0)).toBe(sent));
    return { reader, fastest };
  }

  it('sends one GET per healthy read, as its trace shows, where a race sends one to every replica', async () => {
    // Prepare
    const writer = newCoordinator();
    await writer.set('k', 'v', { consistency: 'all' });
    // Direct links, so every GET has reached its server when its read answers (which one is fastest is irrelevant).
    const reader = newCoordinator({ READ_STRATEGY: 'hedged' });
    await reader.set('warm-up', 'w', { consistency: 'all' });
    for (let i = 0; i < 10; i += 1) await reader.get('warm-up', { strategy: 'race' });
    const before = await getCalls(cluster().nodes);

    // Act
    const reads: ReadOutcome[] = [];
    for (let i = 0; i < 20; i += 1) reads.push(await reader.get('k'));
    const afterHedged = await getCalls(cluster().nodes);
    for (let i = 0; i < 20; i += 1) await reader.get('k', { strategy: 'race' });
    const afterRace = await getCalls(cluster().nodes);

    // Assess: every GET a hedged read sent is in its trace; a hedge is legitimate when a reply is late (a loaded
    // machine, where tests run in parallel), so most reads, not all, ask one replica; a race asks all three.
    const sum = (calls: number[], from: number[]): number => calls.reduce((total, n, i) => total + n - from[i]!, 0);
    expect(reads.every((read) => read.value === 'v')).toBe(true);
    expect(sum(afterHedged, before)).toBe(reads.reduce((total, read) => total + asked(read), 0));
    expect(reads.filter((read) => asked(read) === 1).length).toBeGreaterThan(reads.length / 2);
    expect(sum(afterRace, afterHedged)).toBe(60);
  });

  it('answers from the next replica after the hedge delay when the fastest hangs, well within one node timeout', async () => {
    // Prepare
    const writer = newCoordinator();
    await writer.set('k', 'v', { consistency: 'all' });
    const { reader, fastest } = await warmReader();
    fastest.pause();

    // Act
    const read = await reader.get('k');
    const next = await reader.get('k');

    // Assess: asked late, not at once; and the next read no longer waits on the hung replica.
    const elapsed = read.answeredAt - read.startedAt;
    expect(read.value).toBe('v');
    const hung = read.replicas.find((report) => nodeNamed(report.node) === fastest)!;
    const answering = read.replicas.find((report) => report.outcome === 'found')!;
    expect(answering.hedged).toBe(true);
    expect(answering.sentAt!).toBeGreaterThan(hung.sentAt!);
    expect(elapsed).toBeLessThan(TEST_NODE_TIMEOUT_MS / 2);
    expect(next.replicas.find((report) => nodeNamed(report.node) === fastest)?.outcome).toBe('not-sent');
  });

  it('moves on at once from a replica that holds nothing, and repairs it from the reply that followed', async () => {
    // Prepare
    const writer = newCoordinator();
    const written = await writer.set('k', 'v', { consistency: 'all' });
    const { reader, fastest } = await warmReader({ READ_REPAIR: 'blocking' });
    const direct = directClient(fastest);
    await direct.del('k');
    direct.disconnect();

    // Act
    const read = await reader.get('k');

    // Assess: the next replica was asked the moment the missing reply came, not a hedge delay later.
    expect(read.value).toBe('v');
    const first = read.replicas.find((report) => nodeNamed(report.node) === fastest)!;
    const next = read.replicas.find((report) => report.hedged === true && report.outcome === 'found')!;
    expect(next.sentAt! - (first.sentAt! + first.ms)).toBeLessThan(0.5);
    expect(first.outcome).toBe('repaired');
    expect(read.repair).toBe('repaired');
    expect(await storedOnNode(fastest, 'k')).toEqual({ value: 'v', version: written.version });
  });

  it('repairs a replica hedged to that answered an older entry, once the hung fastest replica answers the newer one', async () => {
    // Prepare: every replica holds "new"; the one asked second gets "old" back; the fastest then hangs.
    const writer = newCoordinator();
    await writer.set('k', 'old', { consistency: 'all' });
    const { reader, fastest } = await warmReader({ READ_REPAIR: 'async' });
    const oldEntries = await Promise.all(
      cluster().nodes.map(async (node) => {
        const client = directClient(node);
        const entry = await client.get('k');
        client.disconnect();
        return entry!;
      }),
    );
    const written = await writer.set('k', 'new', { consistency: 'all' });
    for (const [i, node] of cluster().nodes.entries()) {
      if (node === fastest) continue;
      const client = directClient(node);
      await client.set('k', oldEntries[i]!);
      client.disconnect();
    }
    fastest.pause();

    // Act: level one answers the first entry it gets, the old one; the fastest's reply comes once it resumes.
    const read = await reader.get('k');
    fastest.resume();

    // Assess
    expect(read.value).toBe('old');
    const answering = read.replicas.find((report) => report.outcome === 'found')!;
    await vi.waitFor(async () => expect(await storedOnNode(nodeNamed(answering.node), 'k')).toEqual({ value: 'new', version: written.version }));
  });

  it('returns what a quorum holds from a hedged quorum read, asking R replicas when healthy', async () => {
    // Prepare
    const writer = newCoordinator();
    await writer.set('k', 'v', { consistency: 'all' });
    const { reader, fastest } = await warmReader();
    const before = await getCalls(cluster().nodes);

    // Act
    const healthy = await reader.get('k', { consistency: 'quorum' });
    const afterHealthy = await getCalls(cluster().nodes);
    fastest.pause();
    const withHung = await reader.get('k', { consistency: 'quorum' });

    // Assess
    expect(healthy.value).toBe('v');
    expect(asked(healthy)).toBeGreaterThanOrEqual(2);
    expect(afterHealthy.reduce((total, n, i) => total + n - before[i]!, 0)).toBe(asked(healthy));
    expect(withHung.value).toBe('v');
    expect(withHung.answeredAt - withHung.startedAt).toBeLessThan(TEST_NODE_TIMEOUT_MS);
  });
});
