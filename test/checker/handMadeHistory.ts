import type { Operation, Outcome } from '../support/linearizability/history';

/** Optional parts of a hand-made operation. */
export interface HandMadeExtras {
  /** @default 'k' */
  readonly key?: string;
  /** @default 'ok' with a return time, 'unknown' without */
  readonly outcome?: Outcome;
  readonly expiresAt?: number;
}

let nextId = 0;

function make(
  client: string,
  kind: Operation['kind'],
  value: string | null,
  invokeMs: number,
  returnMs: number | undefined,
  extras: HandMadeExtras,
): Operation {
  const outcome = extras.outcome ?? (returnMs === undefined ? 'unknown' : 'ok');
  return {
    id: nextId++,
    client,
    kind,
    key: extras.key ?? 'k',
    value,
    ...(extras.expiresAt === undefined ? {} : { expiresAt: extras.expiresAt }),
    invokeMs,
    ...(returnMs === undefined || outcome === 'unknown' ? {} : { returnMs }),
    outcome,
  };
}

/** A put of `value` by `client` from `invokeMs` to `returnMs` (none: outcome unknown). */
export function put(client: string, value: string, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'put', value, invokeMs, returnMs, extras);
}

/** A delete by `client` from `invokeMs` to `returnMs` (none: outcome unknown). */
export function del(client: string, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'delete', null, invokeMs, returnMs, extras);
}

/** A get by `client` that returned `valueRead` (`null`: NOT_FOUND) from `invokeMs` to `returnMs`. */
export function get(client: string, valueRead: string | null, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'get', valueRead, invokeMs, returnMs, extras);
}
