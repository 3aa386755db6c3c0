import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coordinator, loadConfig, QuorumNotReachedError, ReplicaPool } from '../../../lib';
import { useRedisCluster } from '../../support/redisCluster';
import { useTestCertificates } from '../../support/tlsCertificates';
import { storedFields } from '../../support/storedEntries';

describe('Class: ReplicaPool over TLS (rediss://)', () => {
  const certificates = useTestCertificates();
  const cluster = useRedisCluster({
    count: 3,
    tls: { certFile: certificates.certFile, keyFile: certificates.keyFile, caFile: certificates.caFile },
  });
  const opened: Coordinator[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((coordinator) => coordinator.close()));
  });

  const coordinator = (env: Record<string, string>): Coordinator => {
    const config = loadConfig({ REDIS_NODES: cluster().redisNodes, NODE_TIMEOUT_MS: '300', ...env });
    const created = new Coordinator(config, new ReplicaPool(config));
    opened.push(created);
    return created;
  };

  /** Reads one node over TLS, trusting the test CA: what a verified client sees. */
  const storedValue = async (key: string): Promise<string | null> => {
    const node = cluster().nodes[0]!;
    const client = new Redis(node.url, { tls: { ca: [certificates.caPem] }, maxRetriesPerRequest: 0 });
    try {
      return (await storedFields(client, key)).value ?? null;
    } finally {
      client.disconnect();
    }
  };

  it('serves only TLS: the nodes listen on rediss:// URLs', () => {
    // Assess
    expect(cluster().redisNodes).toMatch(/^rediss:\/\/127\.0\.0\.1:\d+(,rediss:\/\/127\.0\.0\.1:\d+){2}$/);
  });

  it('writes and reads through every replica when REDIS_TLS_CA names the CA file', async () => {
    // Prepare: every TLS connection made first. Under load a handshake can outlast the node timeout, and a command
    // that waited for it that long is not sent (the write commits on the others and leaves a hint).
    const store = coordinator({ REDIS_TLS_CA: certificates.caFile });
    await vi.waitFor(async () => expect((await store.health()).nodes.map((node) => node.up)).toEqual([true, true, true]), {
      timeout: 5_000,
      interval: 50,
    });

    // Act
    const written = await store.set('tls-key', 'secret over TLS');
    const read = await store.get('tls-key', { consistency: 'all' });

    // Assess
    expect(written.acknowledged).toBeGreaterThanOrEqual(2);
    expect(read.value).toBe('secret over TLS');
    expect(read.replicas.map((replica) => replica.outcome)).toEqual(['found', 'found', 'found']);
    expect(await storedValue('tls-key')).toBe('secret over TLS');
  });

  it('accepts the CA inline as PEM text', async () => {
    // Prepare
    const store = coordinator({ REDIS_TLS_CA: certificates.caPem });

    // Act
    const written = await store.set('inline-ca', 'v');

    // Assess
    expect(written.acknowledged).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['a CA that did not sign the server certificate', (): Record<string, string> => ({ REDIS_TLS_CA: certificates.otherCaFile })],
    ['no REDIS_TLS_CA (the default trust store, which does not know the test CA)', (): Record<string, string> => ({})],
  ])('refuses the servers when trusting %s: the write fails and nothing is stored', async (_case, env) => {
    // Prepare
    const store = coordinator(env());

    // Act
    const attempt = store.set('untrusted', 'must not land');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(QuorumNotReachedError);
    await expect(attempt).rejects.toMatchObject({ acknowledged: 0 });
    expect(await storedValue('untrusted')).toBeNull();
  });
});
