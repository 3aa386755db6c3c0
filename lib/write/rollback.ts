import { recordRollbackHints } from '../repair/hintedHandoff';
import type { Version } from '../core/hybridLogicalClock';
import { rollbackEntry } from '../replica/replicaCommands';
import type { ReplicaSet } from '../replica/replicaSet';
import type { ReplicaFailureKind, ReplicaReport } from '../core/replicaOutcome';
import type { RollbackReport } from '../core/results';

/**
 * Undoes a write that missed its quorum on every replica that may hold it, so that no read returns it afterwards.
 *
 * Why every replica: those that applied it must put back what it replaced; those that timed out may still apply it
 * (a command sent to a hung node waits in its socket and runs when the node wakes), and the rollback, sent on the
 * same connection, runs right after it there. Each replica restores the previous entry only if it still holds this
 * write's version, and remembers the version as rolled back so neither the queued write nor repair can bring it back.
 *
 * It waits only for the replicas that answered the write (they answer quickly); the rollback to a replica that
 * failed or timed out is sent but not waited for, so a failed write is reported within about one node timeout.
 * A replica whose connection broke while the write was in flight may have applied it and then crashed: it gets a
 * durable rollback hint on the replicas that did roll back, replayed when a coordinator reconnects to it.
 */
export async function rollbackWrite(
  pool: ReplicaSet,
  redisKey: string,
  version: Version,
  rememberMs: number,
  writeReports: readonly ReplicaReport[],
  writeFailures: readonly (ReplicaFailureKind | undefined)[],
): Promise<RollbackReport[]> {
  const reports = await Promise.all(
    pool.replicas.map(async (replica, index) => {
      const sending = pool.call(replica, (client) => rollbackEntry(client, redisKey, version, rememberMs), {
        bypassBreaker: true,
      });
      const writeOutcome = writeReports[index]?.outcome;
      if (writeOutcome === 'error' || writeOutcome === 'timeout') {
        void sending;
        return { node: replica.name, outcome: 'queued' as const, ms: 0 };
      }
      const result = await sending;
      return result.ok
        ? { node: replica.name, outcome: result.value, ms: result.ms }
        : { node: replica.name, outcome: result.outcome, ms: result.ms };
    }),
  );
  // A write refused with an error may have run on the replica, unless it was never sent.
  const unsure = writeReports
    .filter((report, i) => report.outcome === 'error' && writeFailures[i] !== 'connection-down')
    .map((report) => report.node);
  const holders = pool.replicas.filter((_, i) => ['restored', 'not-held', 'dropped'].includes(reports[i]!.outcome));
  await recordRollbackHints(pool, { redisKey, version }, unsure, holders);
  // Let pipelined commands reach their sockets before the caller answers (and Lambda may freeze the process).
  await new Promise((resolve) => setImmediate(resolve));
  return reports;
}
