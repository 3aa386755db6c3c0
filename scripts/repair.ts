/**
 * `npm run repair`: one full anti-entropy pass against REDIS_NODES (default: the local cluster of `npm run dev`),
 * in this process. Prints what it compared and repaired. Same code as the scheduled `antiEntropy` function.
 */
import { Coordinator, loadConfig } from '../lib';

async function main(): Promise<void> {
  const coordinator = new Coordinator(loadConfig());
  try {
    const report = await coordinator.antiEntropy({ budgetMs: 10 * 60_000, fromStart: true });
    console.log(JSON.stringify(report, null, 2));
    if (report.unreachable.length > 0) {
      console.error(`[repair] could not reach: ${report.unreachable.join(', ')}`);
      process.exitCode = 1;
    }
  } finally {
    await coordinator.close();
  }
}

void main();
