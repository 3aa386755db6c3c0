import { exitCodeOf } from '../answers';
import type { KvOperation } from '../client/storeClient';
import { EXIT, type ExitCode } from '../exitCodes';
import { renderKvAnswer } from '../render/results';
import { printJson, println, type CommandContext } from './context';

/**
 * `qkv set|get|del`: runs the operation (always with the service's trace), prints the answer (a few lines, plus the
 * replica table with `--trace` or on failure; the body as it is with `--json`) and returns its exit code. Answers
 * that are not ok or not-found go to stderr, so stdout holds only results.
 */
export async function runKv(context: CommandContext, operation: KvOperation, withReplicas: boolean): Promise<ExitCode> {
  const answer = await context.client().run(operation);
  const code = exitCodeOf(answer);
  if (context.json) printJson(context, answer.body);
  else println(code === EXIT.ok || code === EXIT.notFound ? context.stdout : context.stderr, renderKvAnswer(operation, answer, withReplicas));
  return code;
}
