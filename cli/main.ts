/**
 * The `qkv` command line's entry point (`npx qkv`, `npm run qkv --`, `node bin/qkv.js`; bin/qkv.js loads it through
 * tsx): runs {@link runQkv} on this process's arguments and streams, and exits with its code once the output is
 * written.
 */
import { runQkv } from './cli';

// The AWS SDK warns on every run under Node 20 that releases from 2027 need Node 22; the repo runs on Node 20 by
// design (see the README), and a warning on each command would drown the output. AWS_SDK_JS_… set to false keeps it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function output(stream: NodeJS.WriteStream): { write(text: string): void; isTTY: boolean; columns?: number; stream: NodeJS.WriteStream } {
  return {
    write: (text) => {
      stream.write(text);
    },
    isTTY: stream.isTTY === true,
    ...(stream.isTTY === true && typeof stream.columns === 'number' ? { columns: stream.columns } : {}),
    stream,
  };
}

void runQkv(process.argv.slice(2), { stdout: output(process.stdout), stderr: output(process.stderr), env: process.env, readStdin }).then((code) => {
  process.exitCode = code;
});
