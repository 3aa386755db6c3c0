import { exitCodeOf } from '../answers';
import { parseBody } from '../client/httpStoreClient';
import type { KvOperation, StoreAnswer } from '../client/storeClient';
import { EXIT, QkvError, type ExitCode } from '../exitCodes';
import { renderTraceDiagram, type TracedOperation } from '../render/traceDiagram';
import { printJson, println, type CommandContext } from './context';

/** Columns of the trace picture's time axis: what the terminal leaves beside names and details, within 24–64. */
export function axisWidthFor(columns: number | undefined): number {
  return columns === undefined ? 48 : Math.max(24, Math.min(64, columns - 90));
}

/**
 * `qkv trace get|set|del`: runs the operation with the service's trace and draws its fan-out (see
 * `renderTraceDiagram`); `--json` prints the body instead. The exit code is the operation's.
 */
export async function runTrace(context: CommandContext, operation: KvOperation): Promise<ExitCode> {
  const answer = await context.client().run(operation);
  return printTrace(context, operation, answer);
}

/**
 * `qkv trace show [file]`: draws a trace saved earlier (a body from `--json`, or `curl …?trace=1`), read from the
 * file or stdin. What the body does not say (which operation, which key) comes from `--op` and `--key`, else from
 * the body's shape.
 */
export async function showTrace(context: CommandContext, path: string, labels: { op?: TracedOperation['op']; key?: string; status?: number }): Promise<ExitCode> {
  const text = await context.readInput(path);
  const body = parseBody(text, 0);
  if (body.unparsed === true) throw new QkvError(EXIT.usage, `${path === '-' ? 'stdin' : path} is not a JSON object (a response body with ?trace=1)`);
  const status = labels.status ?? statusOf(body.status);
  const op = labels.op ?? (typeof body.success_nodes === 'number' ? 'set' : 'get');
  return printTrace(context, { op, key: labels.key ?? '?' }, { status, body, roundTripMs: Number.NaN });
}

function printTrace(context: CommandContext, operation: TracedOperation, answer: StoreAnswer): ExitCode {
  if (context.json) printJson(context, answer.body);
  else println(context.stdout, renderTraceDiagram(operation, answer, { axisWidth: axisWidthFor(context.stdout.columns) }));
  return exitCodeOf(answer);
}

/** The HTTP status a body's `status` field implies, for a saved trace that does not carry its status. */
function statusOf(status: unknown): number {
  if (status === 'OK') return 200;
  if (status === 'NOT_FOUND') return 404;
  if (status === 'FAIL') return 503;
  return 500;
}
