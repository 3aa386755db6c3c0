import { it } from 'vitest';
import type { LocalClusterReplica } from '../tools/localClusterReplica';
import { keysServedBy } from '../test/support/clusterKeys';
import { useCoordinators } from '../test/support/coordinators';
import { useRedisCluster } from '../test/support/redisCluster';

const cluster = useRedisCluster({ count: 3, mode: 'cluster' });
const newCoordinator = useCoordinators(cluster);
it('measures', async () => {
  const coordinator = newCoordinator({ BREAKER_FAILURES: '1000' });
  const r1 = cluster().nodes[1] as LocalClusterReplica;
  const keys = await keysServedBy(r1.masters[0]!, 2, 'f-');
  for (const k of keys) await (await coordinator.set(k, 'b')).settled;
  r1.masters[0]!.pause();
  const t0 = performance.now();
  const slow: string[] = [];
  let lagMax = 0;
  let last = performance.now();
  const lag = setInterval(() => { const now = performance.now(); lagMax = Math.max(lagMax, now - last - 10); last = now; }, 10);
  while (performance.now() - t0 < 6000) {
    for (const k of keys) {
      const s = performance.now();
      const rep = (await (await coordinator.set(k, 'x')).settled)[1]!;
      const total = performance.now() - s;
      if (rep.ms > 215 || total > 230) slow.push(`${Math.round(s - t0)}: replica ${rep.ms.toFixed(0)} total ${total.toFixed(0)} ${rep.outcome} ${rep.error} lagMax ${lagMax.toFixed(0)}`);
      lagMax = 0;
    }
  }
  clearInterval(lag);
  console.log(slow.join('\n'));
}, 30_000);
