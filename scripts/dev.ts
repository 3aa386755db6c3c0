/**
 * `npm run dev`: the whole store on this machine. Starts three redis-server processes (ports 6379-6381, or
 * REDIS_PORTS; data under .data/, append-only) unless REDIS_NODES names existing nodes, then `serverless offline` on
 * http://localhost:3000. Ctrl-C stops everything it started.
 *
 * `npm run dev -- --cluster`: each of the three replicas is a Redis Cluster of 3 masters instead (9 redis-server on
 * ports 7000-7008, or REDIS_PORTS: three per replica; data under .data/cluster/). A later run over the same data
 * starts the same clusters again: each master keeps its slots and peers (its nodes.conf) and its keys.
 * DEV_DATA_DIR puts the data elsewhere than .data/.
 *
 * Like a deployed stage, the local API requires an API key (`x-api-key`): QKV_API_KEY if set, otherwise a random one
 * printed at start. `npm run dev -- --open` turns the check off (serverless offline's --noAuth), for quick curls.
 * It also prints the console page's URL (`/console`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LabClusterReplica } from '../tools/lab/labClusterReplica';
import { LabReplica, type LabTarget } from '../tools/lab/labReplica';
import { startLabServer, type RunningLab } from '../tools/lab/labServer';
import { LocalRedisCluster, type ReplicaMode } from '../tools/localCluster';
import type { LocalClusterReplica } from '../tools/localClusterReplica';
import type { LocalRedisNode } from '../tools/localRedisNode';

const root = join(__dirname, '..');
/** Masters of each replica with `--cluster`. */
const MASTERS_PER_REPLICA = 3;
const DEFAULT_PORTS: Record<ReplicaMode, string> = { standalone: '6379,6380,6381', cluster: '7000,7001,7002,7003,7004,7005,7006,7007,7008' };

async function main(): Promise<void> {
  let cluster: LocalRedisCluster | undefined;
  let labReplicas: LabTarget[] = [];
  let lab: RunningLab | undefined;
  let redisNodes = process.env.REDIS_NODES;
  if (redisNodes === undefined || redisNodes.trim() === '') {
    const ensured = spawnSync('bash', [join(root, 'scripts/ensure-redis.sh')], { stdio: 'inherit' });
    if (ensured.status !== 0) process.exit(ensured.status ?? 1);
    const mode: ReplicaMode = process.argv.includes('--cluster') ? 'cluster' : 'standalone';
    const ports = (process.env.REDIS_PORTS ?? DEFAULT_PORTS[mode]).split(',').map((port) => Number(port.trim()));
    if (mode === 'cluster' && (ports.length === 0 || ports.length % MASTERS_PER_REPLICA !== 0)) {
      console.error(`[dev] --cluster needs ${MASTERS_PER_REPLICA} ports per replica in REDIS_PORTS, e.g. ${DEFAULT_PORTS.cluster}`);
      process.exit(1);
    }
    const dataRoot = process.env.DEV_DATA_DIR ?? join(root, '.data');
    const dataDir = mode === 'cluster' ? join(dataRoot, 'cluster') : dataRoot;
    console.log(
      mode === 'cluster'
        ? `[dev] starting ${ports.length / MASTERS_PER_REPLICA} Redis Clusters of ${MASTERS_PER_REPLICA} masters on ports ${ports.join(', ')} (data in ${dataDir})`
        : `[dev] starting redis-server on ports ${ports.join(', ')} (data in ${dataDir})`,
    );
    try {
      cluster = await LocalRedisCluster.start({ ports, dataDir, mode, mastersPerReplica: MASTERS_PER_REPLICA });
    } catch (error) {
      console.error(`[dev] could not start Redis: ${(error as Error).message}`);
      console.error(
        mode === 'cluster'
          ? '[dev] Is another Redis using these ports (or their cluster bus ports, +10000)? Stop it, or choose others: REDIS_PORTS=7100,...,7108 npm run dev -- --cluster'
          : '[dev] Is another Redis using these ports? Stop it, or choose others: REDIS_PORTS=7379,7380,7381 npm run dev',
      );
      process.exit(1);
    }
    for (const [i, replica] of cluster.nodes.entries()) {
      console.log(`[dev] replica ${i + 1}: ${replica.url}${mode === 'cluster' ? ` (masters on ports ${replica.masters.map((master) => master.port).join(', ')})` : ''}`);
    }
    redisNodes = cluster.redisNodes;
    if (mode === 'standalone') {
      // The lab serves each replica to the coordinator through a TCP proxy on 127.0.0.1, so cutting one is real.
      labReplicas = await Promise.all(cluster.nodes.map((node) => LabReplica.start(node as LocalRedisNode)));
      redisNodes = labReplicas.map((replica) => replica.url).join(',');
    } else {
      // A cluster client follows the masters' own addresses: no proxy, so the lab pauses, kills and restarts masters.
      labReplicas = cluster.nodes.map((node) => new LabClusterReplica(node as LocalClusterReplica));
    }
    console.log(`[dev] REDIS_NODES=${redisNodes}`);
  } else {
    console.log(`[dev] using REDIS_NODES from the environment; starting no Redis`);
  }

  const open = process.argv.includes('--open');
  const apiKey = process.env.QKV_API_KEY ?? `dev-${randomBytes(16).toString('hex')}`;
  const httpPort = process.env.HTTP_PORT ?? '3000';
  if (open) {
    console.log('[dev] --open: the API accepts requests without an API key (never the case on a deployed stage)');
  } else {
    console.log(`[dev] API key: ${apiKey}`);
    console.log(`[dev]   curl -H 'x-api-key: ${apiKey}' 'localhost:${httpPort}/get?key=city'`);
    console.log('[dev]   (set QKV_API_KEY to choose it, or run `npm run dev -- --open` to turn the check off)');
  }
  if (labReplicas.length > 0) {
    lab = await startLabServer({
      replicas: labReplicas,
      apiBaseUrl: `http://localhost:${httpPort}`,
      ...(open ? {} : { apiKey }),
      port: Number(process.env.LAB_PORT ?? '3300'),
    });
    console.log(`[dev] lab (faults and lessons, this machine only): ${lab.url}`);
  } else {
    console.log('[dev] the lab needs the replicas npm run dev starts itself: not started');
  }
  // The key and the lab's URL travel in the fragment, which a browser never sends to a server: the page reads them,
  // keeps them and links the lab.
  const fragment = new URLSearchParams({ ...(open ? {} : { key: apiKey }), ...(lab === undefined ? {} : { lab: lab.url }) }).toString();
  console.log(`[dev] console: http://localhost:${httpPort}/console${fragment === '' ? '' : `#${fragment}`}`);

  const offline = spawn(join(root, 'node_modules/.bin/serverless'), ['offline', 'start', ...(open ? ['--noAuth'] : [])], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      QKV_API_KEY: apiKey,
      REDIS_NODES: redisNodes,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (offline.exitCode === null) offline.kill('SIGTERM');
    await lab?.close();
    await Promise.all(labReplicas.map((replica) => replica.close()));
    await cluster?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  offline.on('exit', (code) => void stop(code ?? 0));
}

void main();
