import { Logger } from '@aws-lambda-powertools/logger';

/** The structured JSON logger (`POWERTOOLS_LOG_LEVEL`): values and secrets are never logged, keys only at DEBUG. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'quorum-kv' });

const VERBOSE_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO']);
let info: boolean | undefined;

/** True when INFO lines are written: the hot path checks it before building a line, so a quiet logger costs nothing. */
export function infoEnabled(): boolean {
  info ??= VERBOSE_LEVELS.has(logger.getLevelName());
  return info;
}
