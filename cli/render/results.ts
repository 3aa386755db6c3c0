import type { TraceEntry } from '../../functions/contract/trace';
import type { HealthNode, KvOperation, StoreAnswer } from '../client/storeClient';
import { failureMessage } from '../answers';
import { renderFields, renderTable } from './table';
import { formatMs, printable, quotedValue } from './text';

/**
 * How `set`, `get`, `del` and `health` answers read for people: a few label-value lines for the answer, and a table
 * of the replicas when asked (`--trace`) or when something failed (which replicas did what). Pure functions of the
 * answer; `--json` prints the answer's body instead.
 */

/** Every replica's part in one operation: outcome, its time, the version it holds or took, and any error. */
export function renderReplicaTable(nodes: readonly TraceEntry[]): string {
  return renderTable<TraceEntry>(
    [
      { header: 'replica', cell: (node) => printable(node.node) },
      { header: 'outcome', cell: (node) => `${printable(node.outcome)}${node.first === true ? ' (first)' : ''}` },
      { header: 'ms', cell: (node) => (node.outcome === 'pending' || node.outcome === 'skipped' || node.outcome === 'not-sent' ? '-' : formatMs(node.ms)), align: 'right' },
      { header: 'version', cell: (node) => (typeof node.version === 'string' ? printable(node.version) : '-') },
      {
        header: 'note',
        cell: (node) =>
          [
            typeof node.hedged_at_ms === 'number' ? `hedged at ${formatMs(node.hedged_at_ms)} ms` : '',
            node.deleted === true ? 'tombstone' : '',
            typeof node.error === 'string' ? printable(node.error) : '',
          ]
            .filter(Boolean)
            .join('; '),
      },
    ],
    nodes,
  );
}

/**
 * The answer to a `set`, `get` or `del`, for people. A success shows what was written or read; NOT_FOUND says so; a
 * failure says what went wrong and, when the service sent them, every replica's outcome.
 *
 * @param withReplicas add the replica table to a success too (`--trace`).
 */
export function renderKvAnswer(operation: KvOperation, answer: StoreAnswer, withReplicas: boolean): string {
  const { body, status } = answer;
  const nodes = body.nodes ?? [];
  const parts: string[] = [];
  if (status >= 200 && status < 300) {
    parts.push(renderFields(successFields(operation, answer)));
  } else if (status === 404 && body.status === 'NOT_FOUND') {
    parts.push(`not found: ${quotedValue(operation.key)}`);
  } else {
    const fields: [string, string][] = [['error', printable(failureMessage(answer))]];
    if (typeof body.success_nodes === 'number') fields.push(['acknowledged', `${body.success_nodes} replica(s)`]);
    if (typeof body.rolled_back === 'boolean') {
      fields.push(['rolled back', body.rolled_back ? 'yes: it landed nowhere and never takes effect' : 'no: it may still take effect (retrying is safe)']);
    }
    parts.push(renderFields(fields));
  }
  const failed = status >= 300 && !(status === 404 && body.status === 'NOT_FOUND');
  if (nodes.length > 0 && (withReplicas || failed)) parts.push(renderReplicaTable(nodes));
  return parts.join('\n\n');
}

function successFields(operation: KvOperation, answer: StoreAnswer): [string, string][] {
  const { body } = answer;
  const fields: [string, string][] = [];
  if (operation.op === 'get') {
    fields.push(['value', typeof body.value === 'string' ? quotedValue(body.value) : '-']);
  } else {
    fields.push(['status', `${printable(String(body.status ?? 'OK'))} (${operation.op === 'del' ? 'deleted: a tombstone' : 'written'})`]);
    if (typeof body.success_nodes === 'number') fields.push(['acknowledged', `${body.success_nodes} replica(s) when the coordinator answered`]);
  }
  if (typeof body.version === 'string') fields.push(['version', printable(body.version)]);
  if (typeof body.expires_at === 'string') fields.push(['expires', printable(body.expires_at)]);
  if (typeof body.consistency === 'string') fields.push(['consistency', printable(body.consistency)]);
  if (typeof body.repair === 'string') fields.push(['read repair', printable(body.repair)]);
  fields.push(['time', `${formatMs(answer.roundTripMs)} ms round trip`]);
  return fields;
}

/**
 * `/health` for people: a table of the replicas (up, breaker, PING time, error), each cluster replica followed by
 * one indented row per master (with the hash slots it serves), and whether writes can commit.
 */
export function renderHealth(answer: StoreAnswer): string {
  const { body } = answer;
  const nodes = Array.isArray(body.nodes) ? (body.nodes as unknown as HealthNode[]) : [];
  if (nodes.length === 0 || typeof body.writeQuorumReachable !== 'boolean') return printable(failureMessage(answer));
  const rows: HealthRow[] = nodes.flatMap((node) => [
    { name: printable(node.node), up: node.up ? 'yes' : node.status === 'degraded' ? 'PARTLY' : 'NO', breaker: node.breaker, ms: node.ms, error: node.error },
    ...(node.masters ?? []).map((master) => ({
      name: `  ${printable(master.master)} (${master.slots} slots)`,
      up: master.up ? 'yes' : 'NO',
      breaker: master.breaker,
      ms: master.ms,
      error: master.error,
    })),
  ]);
  const table = renderTable<HealthRow>(
    [
      { header: 'replica', cell: (row) => row.name },
      { header: 'up', cell: (row) => row.up },
      { header: 'breaker', cell: (row) => printable(String(row.breaker)) },
      { header: 'ping ms', cell: (row) => formatMs(row.ms), align: 'right' },
      { header: 'error', cell: (row) => (typeof row.error === 'string' ? printable(row.error) : '') },
    ],
    rows,
  );
  const up = nodes.filter((node) => node.up).length;
  const degraded = nodes.filter((node) => node.status === 'degraded').length;
  const partly = degraded === 0 ? '' : `, ${degraded} degraded`;
  const needs = typeof body.writeQuorum === 'number' ? `, writes need ${body.writeQuorum}` : '';
  const verdict = body.writeQuorumReachable ? 'reachable' : 'NOT reachable: writes fail';
  return `${table}\n\nwrite quorum: ${verdict} (${up} of ${nodes.length} replicas up${partly}${needs})`;
}

/** One line of the health table: a replica, or one master of a cluster replica. */
interface HealthRow {
  readonly name: string;
  readonly up: string;
  readonly breaker: string;
  readonly ms: number;
  readonly error: string | undefined;
}
