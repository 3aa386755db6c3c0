import { NodeTimeoutError } from './failures';

/**
 * `reply`, or a {@link NodeTimeoutError} once `ms` have passed with no reply, whichever comes first.
 *
 * "No reply" means none had arrived, not none had been read: when the timer fires, the timeout waits one turn of the
 * event loop (`setImmediate`), whose I/O phase reads what the sockets hold. After the process stalled past the timer
 * (a GC pause, a starved CPU), a reply that came in during the stall still wins, instead of a write that every
 * replica applied being answered 503.
 */
export function withinNodeTimeout<T>(reply: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (!settled) reject(new NodeTimeoutError());
      });
    }, ms);
    reply.then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
