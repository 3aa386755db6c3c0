import type { LocalClusterReplica } from '../localClusterReplica';
import type { LocalRedisNode } from '../localRedisNode';
import { PROCESS_FAULTS, type Fault, type LabProcessState, type LabReplicaState, type LabTarget } from './labReplica';

/**
 * One replica of `npm run dev -- --cluster`'s lab: a local Redis Cluster whose masters the lab pauses, kills and
 * restarts one at a time or all together. It has no proxy: a cluster client follows the addresses the masters
 * announce, so a proxy in front of the seed would be bypassed; cutting or slowing its link is not offered.
 */
export class LabClusterReplica implements LabTarget {
  private readonly processes: LabProcessState['process'][];
  private readonly snapshots: (string | undefined)[];
  private replicaSnapshot: string | undefined;

  constructor(readonly cluster: LocalClusterReplica) {
    this.processes = cluster.masters.map(() => 'running');
    this.snapshots = cluster.masters.map(() => undefined);
  }

  /** The name the coordinator knows it by: its seed master's `host:port`. */
  get name(): string {
    return `127.0.0.1:${this.cluster.port}`;
  }

  /** The `REDIS_NODES` entry (`?cluster=true`). */
  get url(): string {
    return this.cluster.url;
  }

  get ports(): readonly number[] {
    return this.cluster.masters.map((master) => master.port);
  }

  get state(): LabReplicaState {
    const processes = this.processes;
    return {
      name: this.name,
      kind: 'cluster',
      redisPort: this.cluster.port,
      process: processes.every((p) => p === 'killed') ? 'killed' : processes.every((p) => p === 'running') ? 'running' : 'paused',
      link: 'ok',
      snapshot: this.replicaSnapshot !== undefined,
      faults: PROCESS_FAULTS,
      masters: this.cluster.masters.map((master, i) => ({ port: master.port, process: processes[i]!, snapshot: this.snapshots[i] !== undefined })),
    };
  }

  /** Applies a process fault to master `master`, or to every master; rejects cut and slow, and a restart from no snapshot. */
  async apply(fault: Fault, master?: number): Promise<void> {
    if (!(PROCESS_FAULTS as readonly Fault[]).includes(fault)) {
      throw new Error(`${fault}: a cluster replica has no proxy (its clients follow the masters' own addresses)`);
    }
    if (master !== undefined) {
      const node = this.cluster.masters[master];
      if (node === undefined) throw new Error(`no master ${master}`);
      await this.applyToMaster(fault, master, node);
      return;
    }
    if (fault === 'snapshot') {
      this.replicaSnapshot = await this.cluster.snapshot();
      return;
    }
    if (fault === 'restart-keep' || fault === 'restart-empty' || fault === 'restart-snapshot') {
      if (fault === 'restart-snapshot' && this.replicaSnapshot === undefined) throw new Error('take a snapshot of the replica first');
      this.cluster.resume();
      await this.cluster.restart(fault === 'restart-keep' ? 'keep' : fault === 'restart-empty' ? 'empty' : { snapshot: this.replicaSnapshot! });
      this.processes.fill('running');
      return;
    }
    await Promise.all(this.cluster.masters.map((node, i) => this.applyToMaster(fault, i, node)));
  }

  private async applyToMaster(fault: Fault, index: number, node: LocalRedisNode): Promise<void> {
    switch (fault) {
      case 'pause':
        if (this.processes[index] === 'running') node.pause();
        if (this.processes[index] !== 'killed') this.processes[index] = 'paused';
        return;
      case 'resume':
        node.resume();
        if (this.processes[index] === 'paused') this.processes[index] = 'running';
        return;
      case 'kill':
        await node.kill();
        this.processes[index] = 'killed';
        return;
      case 'snapshot':
        this.snapshots[index] = await node.snapshot();
        return;
      case 'restart-keep':
      case 'restart-empty':
      case 'restart-snapshot': {
        const snapshot = this.snapshots[index];
        if (fault === 'restart-snapshot' && snapshot === undefined) throw new Error('take a snapshot of this master first');
        node.resume();
        await node.restart(fault === 'restart-keep' ? 'keep' : fault === 'restart-empty' ? 'empty' : { snapshot: snapshot! });
        this.processes[index] = 'running';
        return;
      }
      default:
        throw new Error(`${fault}: not a fault of one master`);
    }
  }

  /** Every master running (the killed ones restarted with their data), and the cluster healthy. */
  async heal(): Promise<void> {
    await this.cluster.ensureRunning();
    this.processes.fill('running');
  }

  /** Nothing of its own to close (the masters are the dev cluster's to stop). */
  async close(): Promise<void> {}
}
