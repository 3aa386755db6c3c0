import type { Operation, Outcome } from '../history';

/** Optional parts of a hand-made operation. */
export interface HandMadeExtras {
  /** @default 'k' */
  readonly key?: string;
  /**
   * `unknown` with a return time: the store answered that the write may still take effect (a 503 with
   * `rolled_back: false`) at that instant; without one, no answer ever came.
   *
   * @default 'ok' with a return time, 'unknown' without
   */
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
    ...(returnMs === undefined ? {} : { returnMs }),
    outcome,
  };
}

/** A put of `value` by `client` from `invokeMs` to `returnMs` (none: outcome unknown, no answer). */
export function put(client: string, value: string, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'put', value, invokeMs, returnMs, extras);
}

/** A delete by `client` from `invokeMs` to `returnMs` (none: outcome unknown, no answer). */
export function del(client: string, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'delete', null, invokeMs, returnMs, extras);
}

/** A get by `client` that returned `valueRead` (`null`: NOT_FOUND) from `invokeMs` to `returnMs`. */
export function get(client: string, valueRead: string | null, invokeMs: number, returnMs?: number, extras: HandMadeExtras = {}): Operation {
  return make(client, 'get', valueRead, invokeMs, returnMs, extras);
}
