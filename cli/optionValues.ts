import { InvalidArgumentError } from 'commander';
import type { ConsistencyLevel } from '../lib';

/**
 * Parsers for option values, given to commander: each returns the typed value or throws `InvalidArgumentError` with
 * what it expects, which commander prints (`error: option '--ttl <seconds>' argument 'x' is invalid. …`) and qkv
 * turns into exit code 2.
 */

/** The levels `?consistency=` takes (lib's CONSISTENCY_LEVELS; repeated so that the CLI does not load lib/). */
export const LEVELS: readonly ConsistencyLevel[] = ['one', 'quorum', 'all'];

/** `--consistency one|quorum|all`. */
export function consistencyLevel(value: string): ConsistencyLevel {
  if (!(LEVELS as readonly string[]).includes(value)) throw new InvalidArgumentError(`Expected one of ${LEVELS.join(', ')}.`);
  return value as ConsistencyLevel;
}

/** A whole number within `[min, max]`, for counts, sizes and milliseconds. */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return parsed;
  };
}

/** A number of seconds within `[min, max]`, fractions allowed (`--duration 2.5`). */
export function seconds(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!(parsed >= min && parsed <= max)) throw new InvalidArgumentError(`Expected a number of seconds from ${min} to ${max}.`);
    return parsed;
  };
}

/** `trace show --op set|get|del`. */
export function operationName(value: string): 'set' | 'get' | 'del' {
  if (value !== 'set' && value !== 'get' && value !== 'del') throw new InvalidArgumentError('Expected set, get or del.');
  return value;
}
