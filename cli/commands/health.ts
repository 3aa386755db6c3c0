import { exitCodeOf } from '../answers';
import type { ExitCode } from '../exitCodes';
import { renderHealth } from '../render/results';
import { printJson, println, type CommandContext } from './context';

/** `qkv health`: every replica's state and whether a write quorum is reachable (exit 3 when it is not). */
export async function runHealth(context: CommandContext): Promise<ExitCode> {
  const answer = await context.client().health();
  const code = exitCodeOf(answer);
  if (context.json) printJson(context, answer.body);
  else println(context.stdout, renderHealth(answer));
  return code;
}
