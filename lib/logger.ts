import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The service's structured JSON logger, created once per container.
 *
 * Level from `POWERTOOLS_LOG_LEVEL` (default INFO). Values and secrets are never logged; keys only at DEBUG.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'quorum-kv' });

const VERBOSE_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO']);
let info: boolean | undefined;

/**
 * True when INFO lines are written. Callers on the hot path check it before building a log line, so a quiet
 * logger costs nothing per request. The level is set once per container (`POWERTOOLS_LOG_LEVEL`), so the answer is
 * worked out once.
 */
export function infoEnabled(): boolean {
  info ??= VERBOSE_LEVELS.has(logger.getLevelName());
  return info;
}
