import type { Operation } from '../history';

/** A call of the brute-force search: an operation, or the expiry of a put's TTL. */
interface Call {
  readonly operation: Operation;
  readonly expiry: boolean;
  readonly from: number;
  readonly to: number;
  readonly mandatory: boolean;
}

/**
 * An oracle for the checker's tests: linearizability of one key's operations by trying every order, written straight
 * from the semantics (no event list, no memoisation, no reductions), for histories of a handful of operations.
 *
 * Same semantics as the checker: ok operations are mandatory within [invoke, return]; failed writes and reads without
 * an answer are left out; unknown writes may be placed anywhere after their invocation or left out; a put with a TTL
 * has an expiry placed within [expiresAt - slack, expiresAt + slack] that clears the register if it still holds that
 * put's write; a put placed after its own expiry leaves NOT_FOUND. Two calls are ordered by real time only when one
 * returned strictly before the other was invoked. With `unknownWritesPrecedeLaterWrites`, an unknown write that has a
 * return time r cannot be placed after a put or delete (not an expiry) invoked strictly after r.
 */
export function bruteForceLinearizable(
  operations: readonly Operation[],
  ttlSlackMs: number,
  initialValue: string | null = null,
  unknownWritesPrecedeLaterWrites = true,
): boolean {
  const calls: Call[] = [];
  for (const operation of operations) {
    const definite = operation.outcome === 'ok';
    if (operation.kind === 'get' ? !definite : operation.outcome === 'failed') continue;
    calls.push({ operation, expiry: false, from: operation.invokeMs, to: definite ? operation.returnMs! : Infinity, mandatory: definite });
    if (operation.kind === 'put' && operation.expiresAt !== undefined) {
      calls.push({ operation, expiry: true, from: operation.expiresAt - ttlSlackMs, to: operation.expiresAt + ttlSlackMs, mandatory: true });
    }
  }
  const placed = new Array<boolean>(calls.length).fill(false);
  const expired = new Set<Operation>();

  const search = (value: string | null, writer: Operation | undefined): boolean => {
    if (calls.every((call, i) => placed[i] || !call.mandatory)) return true;
    for (let i = 0; i < calls.length; i += 1) {
      if (placed[i]) continue;
      const call = calls[i]!;
      // Every call still to place that must come first by real time has to be placed already.
      if (calls.some((other, j) => !placed[j] && j !== i && other.mandatory && other.to < call.from)) continue;
      // An answered unknown write never lands above a write invoked after its answer.
      const answeredAt = call.operation.outcome === 'unknown' && !call.expiry ? call.operation.returnMs : undefined;
      if (
        unknownWritesPrecedeLaterWrites &&
        answeredAt !== undefined &&
        calls.some((other, j) => placed[j] && !other.expiry && other.operation.kind !== 'get' && other.operation.invokeMs > answeredAt)
      ) {
        continue;
      }
      let next: { value: string | null; writer: Operation | undefined };
      if (call.expiry) next = writer === call.operation ? { value: null, writer: undefined } : { value, writer };
      else if (call.operation.kind === 'get') {
        if (call.operation.value !== value) continue;
        next = { value, writer };
      } else if (call.operation.kind === 'delete' || expired.has(call.operation)) next = { value: null, writer: undefined };
      else next = { value: call.operation.value, writer: call.operation };
      placed[i] = true;
      if (call.expiry) expired.add(call.operation);
      const found = search(next.value, next.writer);
      placed[i] = false;
      if (call.expiry) expired.delete(call.operation);
      if (found) return true;
    }
    return false;
  };
  return search(initialValue, undefined);
}
