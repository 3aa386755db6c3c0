import { SEED_VERSION } from '../core/hybridLogicalClock';
import type { StoredEntry } from '../core/storedEntry';

/**
 * The entry string, one per user key (PERSISTED FORMAT, see `storageLayout.ts`; the Lua scripts parse the same
 * header, their patterns built from the constants below): `qkv1 <version> <v|t>[ <expiresAt>]`, a newline, the
 * value. A string rather than a hash, because one `GET` with a one-string reply costs the client far less than an
 * `HMGET` array at high concurrency.
 *
 * A seed string is told from an entry string by content only: a header well-formed in every character makes an
 * entry, anything short of it (`qkv1 hello`) a seed value. Nothing typed or generated looks like that by accident,
 * and TypeScript and Lua apply the same rule.
 */

/**
 * The form writes store entries in (`ENTRY_WRITE_FORMAT`): `string`, or the older `hash`, for the first of the two
 * deploys that upgrade from a version that reads only hashes (it must never meet an entry string: it would read the
 * header as part of a seed value). Every form is read whatever this says.
 */
export type EntryWriteFormat = 'string' | 'hash';

/** The magic every entry string starts with (5 bytes, its space included). */
export const ENTRY_MAGIC = 'qkv1 ';
/** The longest header line, newline included: magic, version, ` v`, ` ` and 15 digits of expiry, newline (54 bytes). */
export const ENTRY_HEADER_MAX_BYTES = ENTRY_MAGIC.length + 30 + 2 + 1 + 15 + 1;

/** A header line, exactly as `luaScripts.ts` accepts it (`\d` is ASCII digits only, like Lua's `%d`). */
const HEADER = /^qkv1 (\d{13}\.\d{5}\.\d{10}) ([vt])(?: ([1-9]\d{0,14}))?\n/;

/** The version's shape as a Lua pattern (13 digits, dot, 5 digits, dot, 10 digits), for the scripts' header parser. */
export const LUA_VERSION_PATTERN = `${'%d'.repeat(13)}%.${'%d'.repeat(5)}%.${'%d'.repeat(10)}`;

/** The string a replica stores for an entry. */
export function encodeEntry(entry: StoredEntry): string {
  const kind = entry.value === null ? 't' : 'v';
  if (entry.expiresAt === undefined) return `${ENTRY_MAGIC}${entry.version} ${kind}\n${entry.value ?? ''}`;
  const expiresAt = entry.expiresAt;
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 1 || expiresAt > 999_999_999_999_999) {
    // Written as it is, such an expiry would make the header unreadable, and the entry read as a seed value.
    throw new RangeError(`expiresAt must be a whole number of milliseconds from 1 to 15 digits; got ${expiresAt}`);
  }
  return `${ENTRY_MAGIC}${entry.version} ${kind} ${expiresAt}\n${entry.value ?? ''}`;
}

/** The entry a stored string holds: the one its header describes, or, for a seed string, itself at the seed version. */
export function decodeStoredString(stored: string): StoredEntry {
  const header = HEADER.exec(stored);
  if (header === null) return { value: stored, version: SEED_VERSION };
  const value = header[2] === 't' ? null : stored.slice(header[0].length);
  return header[3] === undefined ? { value, version: header[1]! } : { value, version: header[1]!, expiresAt: Number(header[3]) };
}

/** An expiry as the header writes it: epoch ms, 1 to 15 digits, no leading zero (`luaScripts.ts` checks the same). */
const EXPIRY = /^[1-9]\d{0,14}$/;

/**
 * The expiry a hash entry's `expiresAt` field holds, or undefined when the entry string could not express it: such
 * an entry reads as having none, in TypeScript and Lua alike, so it is compared and repaired like any other.
 */
export function parseHashExpiry(raw: string): number | undefined {
  return EXPIRY.test(raw) ? Number(raw) : undefined;
}

/** True when `stored` begins with a well-formed header line (an entry string); false for a seed string. */
export function isEntryString(stored: string): boolean {
  return HEADER.test(stored);
}

/**
 * When Redis should remove a stored entry (epoch ms, `PXAT`; undefined: never). A tombstone goes at its `expiresAt`
 * (the end of its grace); an expired value is kept, with its version, for the grace too, so that an older copy
 * cannot come back.
 */
export function removalTime(entry: StoredEntry, graceMs: number): number | undefined {
  if (entry.expiresAt === undefined) return undefined;
  return entry.value === null ? entry.expiresAt : entry.expiresAt + graceMs;
}
