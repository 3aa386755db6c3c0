import type { HistoryCheckResult, KeyCheckResult, LinearizedStep } from './checker';
import type { Operation } from './history';

/** Shows a register value as the checker reports it: quoted, or NOT_FOUND. */
export function showValue(value: string | null): string {
  return value === null ? 'NOT_FOUND' : JSON.stringify(value);
}

/** A one-line label of an operation: `put "v"`, `get → "v"`, `del`, with ` (ttl)` for a put with a TTL if asked. */
export function operationLabel(operation: Operation, markTtl = true): string {
  switch (operation.kind) {
    case 'put':
      return `put ${showValue(operation.value)}${markTtl && operation.expiresAt !== undefined ? ' (ttl)' : ''}`;
    case 'delete':
      return 'del';
    default:
      return operation.outcome === 'ok' ? `get → ${showValue(operation.value)}` : 'get';
  }
}

/**
 * A few lines saying what the checker found for one key, for a test's console output: the verdict, and for a
 * failure the end of the longest linearizable prefix, the register's value there and the reads that could not be
 * linearized next, with the unknown writes that would have explained one but could not take effect any more (each
 * answered before a write, already linearized, was invoked). Times are ms from the key's first invocation.
 */
export function describeKeyResult(result: KeyCheckResult, prefixStepsShown = 5): string {
  const origin = result.operations.reduce((earliest, operation) => Math.min(earliest, operation.invokeMs), Infinity);
  const when = (operation: Operation): string =>
    `[+${(operation.invokeMs - origin).toFixed(1)} .. ${operation.returnMs === undefined ? '?' : `+${(operation.returnMs - origin).toFixed(1)}`} ms]`;
  const describe = (operation: Operation): string =>
    `${operationLabel(operation)} by ${operation.client} ${when(operation)} (op ${operation.id}, ${operation.outcome})`;
  const step = (s: LinearizedStep, i: number): string =>
    `    #${i + 1} ${s.expiry ? `expiry of ${operationLabel(s.operation)} (op ${s.operation.id})` : describe(s.operation)} → ${showValue(s.registerAfter)}`;

  const counts = { ok: 0, failed: 0, unknown: 0 };
  for (const operation of result.operations) counts[operation.outcome] += 1;
  const lines = [
    `key ${result.key}: ${result.verdict}${result.limit === undefined ? '' : ` (${result.limit} limit)`} — ` +
      `${result.operations.length} operations (${counts.ok} ok, ${counts.failed} failed, ${counts.unknown} unknown), ` +
      `${result.exploredStates} states, ${result.elapsedMs.toFixed(1)} ms`,
  ];
  if (result.verdict === 'linearizable') return lines.join('\n');
  const prefix = result.longestPrefix ?? [];
  const first = Math.max(0, prefix.length - prefixStepsShown);
  lines.push(`  longest linearizable prefix: ${prefix.length} steps${first > 0 ? `, the last ${prefix.length - first}:` : ':'}`);
  prefix.slice(first).forEach((s, i) => lines.push(step(s, first + i)));
  if (result.stuck !== undefined) {
    lines.push(`  then the register held ${showValue(result.stuck.registerValue)}; could not linearize next:`);
    for (const operation of result.stuck.couldNotLinearize) lines.push(`    ${describe(operation)}`);
    const { deadline } = result.stuck;
    if (deadline !== undefined) {
      lines.push(
        `  (each had to come before ${deadline.expiry ? `the expiry of op ${deadline.operation.id}` : `op ${deadline.operation.id}, ${operationLabel(deadline.operation)}`}, ` +
          'the earliest-returning call left)',
      );
    }
    const { ruledOut } = result.stuck;
    if (ruledOut.length > 0) {
      lines.push('  could not take effect any more (an unknown write never lands above a write invoked after its answer):');
      for (const { write, laterWrite } of ruledOut) {
        const position = prefix.findIndex((s) => !s.expiry && s.operation.id === laterWrite.id) + 1;
        lines.push(`    ${describe(write)}: answered before ${describe(laterWrite)} was invoked, which is linearized at #${position}`);
      }
    }
  }
  return lines.join('\n');
}

/** One line per key that is not linearizable (or hit the search limit), after a summary line of the whole history. */
export function describeCheck(result: HistoryCheckResult): string {
  const { ok, failed, unknown } = result.outcomes;
  const head =
    `${result.verdict}: ${ok + failed + unknown} operations (${ok} ok, ${failed} failed, ${unknown} unknown) ` +
    `on ${result.keys.length} keys, checked in ${result.elapsedMs.toFixed(1)} ms`;
  return [head, ...result.failures.map((failure) => describeKeyResult(failure))].join('\n');
}
