import { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator, loadConfig, QuorumNotReachedError, ReplicaPool } from '../../../lib';
import { slotOf } from '../../../lib/replica/hashSlots';
import { useRedisCluster } from '../../support/redisCluster';
import { useTestCertificates } from '../../support/tlsCertificates';
import { TEST_NODE_TIMEOUT_MS } from '../../support/coordinators';

/** Keys whose slots fall on each of a 3-master cluster's equal slot ranges, so every master is written. */
const KEYS_ON_EVERY_MASTER = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

describe('Class: ReplicaPool with cluster replicas', () => {
  const opened: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((coordinator) => coordinator.close()));
  });
  const coordinatorFor = (env: Record<string, string>, credentials?: { username: string; password: string }): Coordinator => {
    const config = loadConfig({ NODE_TIMEOUT_MS: String(TEST_NODE_TIMEOUT_MS), ...env });
    const created = new Coordinator(config, new ReplicaPool(config, credentials));
    opened.push(created);
    return created;
  };

  it('spreads the test keys over all three masters of a cluster', () => {
    // Assess
    const masters = new Set(KEYS_ON_EVERY_MASTER.map((key) => Math.floor((slotOf(key) * 3) / 16_384)));
    expect(masters).toEqual(new Set([0, 1, 2]));
  });

  describe('over TLS, masters announced by host name as ElastiCache does', () => {
    const certificates = useTestCertificates();
    const cluster = useRedisCluster({
      mode: 'cluster',
      tls: { certFile: certificates.certFile, keyFile: certificates.keyFile, caFile: certificates.caFile },
      announceHostname: 'localhost',
    });

    it('writes every key on all three clusters, each master reached and verified by its name', async () => {
      // Prepare
      const store = coordinatorFor({ REDIS_NODES: cluster().redisNodes, REDIS_TLS_CA: certificates.caFile });

      // Act
      const written = await Promise.all(KEYS_ON_EVERY_MASTER.map((key) => store.set(key, `tls ${key}`, { consistency: 'all' })));
      const read = await store.get('a', { consistency: 'all' });

      // Assess
      expect(cluster().redisNodes).toMatch(/^rediss:\/\/localhost:\d+\?cluster=true(,rediss:\/\/localhost:\d+\?cluster=true){2}$/);
      expect(written.map((result) => result.acknowledged)).toEqual(KEYS_ON_EVERY_MASTER.map(() => 3));
      expect(read.value).toBe('tls a');
      const direct = new Cluster([{ host: 'localhost', port: cluster().nodes[2]!.port }], {
        dnsLookup: (address, callback) => callback(null, address),
        redisOptions: { tls: { ca: [certificates.caPem] }, maxRetriesPerRequest: 0 },
      });
      // Its connection errors surface in the reads below; without a listener ioredis would report them as unhandled.
      direct.on('error', () => {});
      try {
        const stored = await Promise.all(KEYS_ON_EVERY_MASTER.map((key) => direct.exists(key)));
        expect(stored).toEqual(KEYS_ON_EVERY_MASTER.map(() => 1));
        expect(direct.nodes('master').map((master) => master.options.host)).toEqual(['localhost', 'localhost', 'localhost']);
      } finally {
        direct.disconnect();
      }
    });

    it('refuses masters whose certificate the configured CA did not sign: the write fails and nothing lands', async () => {
      // Prepare
      const store = coordinatorFor({ REDIS_NODES: cluster().redisNodes, REDIS_TLS_CA: certificates.otherCaFile });

      // Act
      const attempt = store.set('untrusted', 'must not land');

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(QuorumNotReachedError);
      const trusted = coordinatorFor({ REDIS_NODES: cluster().redisNodes, REDIS_TLS_CA: certificates.caFile });
      expect((await trusted.get('untrusted', { consistency: 'all' })).value).toBeNull();
    });
  });

  describe('with an ACL user that the default user may not act as', () => {
    const cluster = useRedisCluster({
      mode: 'cluster',
      serverArgs: ['--user', 'default', 'on', 'nopass', '-@all', '+cluster', '+ping', '+info', '--user', 'app', 'on', '>app-pw', '~*', '&*', '+@all'],
    });
    const withUser = (user: string): string =>
      cluster()
        .nodes.map((replica) => replica.url.replace('redis://', `redis://${user}@`))
        .join(',');

    it('uses the user and password of the URL on every master, also those found after the seed endpoint', async () => {
      // Prepare
      const store = coordinatorFor({ REDIS_NODES: withUser('app:app-pw') });

      // Act
      const written = await Promise.all(KEYS_ON_EVERY_MASTER.map((key) => store.set(key, 'v', { consistency: 'all' })));

      // Assess
      expect(written.map((result) => result.acknowledged)).toEqual(KEYS_ON_EVERY_MASTER.map(() => 3));
    });

    it('uses credentials from a secret on every master', async () => {
      // Prepare
      const store = coordinatorFor({ REDIS_NODES: cluster().redisNodes }, { username: 'app', password: 'app-pw' });

      // Act
      const written = await Promise.all(KEYS_ON_EVERY_MASTER.map((key) => store.set(`secret-${key}`, 'v', { consistency: 'all' })));

      // Assess
      expect(written.map((result) => result.acknowledged)).toEqual(KEYS_ON_EVERY_MASTER.map(() => 3));
    });

    it('fails a write as the default user, which may not run it, without storing anything', async () => {
      // Prepare
      const store = coordinatorFor({ REDIS_NODES: cluster().redisNodes });

      // Act
      const attempt = store.set('as-default', 'must not land');

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(QuorumNotReachedError);
      const app = coordinatorFor({ REDIS_NODES: withUser('app:app-pw') });
      expect((await app.get('as-default', { consistency: 'all' })).value).toBeNull();
    });
  });
});
