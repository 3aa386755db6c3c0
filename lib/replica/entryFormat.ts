import { SEED_VERSION } from '../core/hybridLogicalClock';
import type { StoredEntry } from '../core/storedEntry';

/**
 * The string form of a stored entry: one Redis string per user key, a header line and then the value bytes.
 *
 * PERSISTED FORMAT (see `storageLayout.ts`): every replica holds it, and the Lua scripts in `luaScripts.ts` parse the
 * very same header (their patterns are built from the constants below). Changing it needs a migration.
 *
 * ```
 * qkv1 1795808440933.00000.6441806726 v 1795808500000
 * Seoul
 * ```
 *
 * `qkv1 ` (the magic, with its space), the version (30 characters, fixed width), a space, the kind (`v` a value,
 * `t` a tombstone), then ` <expiresAt>` (epoch ms, no leading zero, at most 15 digits) when the entry has one, a
 * newline, and the value (nothing for a tombstone). `redis-cli GET K` shows the header line and then the value as it is.
 *
 * Why a string rather than a hash: a read is a single `GET` whose reply is one string, not an `HMGET` array, which
 * costs the client far less at high concurrency (`npm run bench`, issue 12).
 *
 * Seed strings: a plain string at K (written by the seed coordinator) has no header and reads as the seed version.
 * The two cannot be told apart by type, only by content: a seed value that itself begins with a well-formed header
 * line (`qkv1 `, 30 characters of digits and dots in the version's exact shape, ` v` or ` t`, an optional expiry,
 * a newline) reads as the entry that header describes. No value typed by a person or produced by a program looks
 * like that by accident; the header must be well-formed in every character, and anything else (`qkv1 hello`, a
 * version one digit short) is a seed value. TypeScript and Lua apply the same rule, so every coordinator and replica
 * classifies a string the same way.
 */

/**
 * The form writes store entries in (`ENTRY_WRITE_FORMAT`): `string` (this module's), or `hash`, the form of versions
 * before issue 12, for the first step of an upgrade from such a version (see `storageLayout.ts`). Every form is read
 * whatever this says.
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

/**
 * The entry a stored string holds: the entry its header describes, or, for a string without a well-formed header
 * (a plain string left by the seed coordinator), that string as a value at the seed version.
 */
export function decodeStoredString(stored: string): StoredEntry {
  const header = HEADER.exec(stored);
  if (header === null) return { value: stored, version: SEED_VERSION };
  const value = header[2] === 't' ? null : stored.slice(header[0].length);
  return header[3] === undefined ? { value, version: header[1]! } : { value, version: header[1]!, expiresAt: Number(header[3]) };
}

/** An expiry as the header writes it: epoch ms, 1 to 15 digits, no leading zero (`luaScripts.ts` checks the same). */
const EXPIRY = /^[1-9]\d{0,14}$/;

/**
 * The expiry a hash entry's `expiresAt` field holds (the format before entry strings), or undefined when it holds
 * none the entry format can express (anything but 1 to 15 digits without a leading zero): such an entry reads as
 * having no expiry, in TypeScript and in the Lua scripts alike (`hashRank` ranks it with an empty expiry), so it
 * can be compared, written back and repaired like any other.
 */
export function parseHashExpiry(raw: string): number | undefined {
  return EXPIRY.test(raw) ? Number(raw) : undefined;
}

/** True when `stored` begins with a well-formed header line (an entry string); false for a seed string. */
export function isEntryString(stored: string): boolean {
  return HEADER.test(stored);
}

/**
 * When Redis should remove a stored entry (epoch ms, `PXAT`), or undefined for never: a tombstone at its
 * `expiresAt` (the end of its grace), a value with a TTL at `expiresAt` + grace (it reads as deleted from
 * `expiresAt` on, and keeps its version until then so an older copy cannot come back), a value without one never.
 */
export function removalTime(entry: StoredEntry, graceMs: number): number | undefined {
  if (entry.expiresAt === undefined) return undefined;
  return entry.value === null ? entry.expiresAt : entry.expiresAt + graceMs;
}
