/**
 * `npm run build:console`: builds the console page from `console/` and writes it as
 * `functions/console/page.generated.ts`, the module the console function serves (see tools/consolePage.ts). Run it
 * after changing anything in `console/`; test/console/page.test.ts fails while the committed module is out of date.
 */
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { buildConsolePage, GENERATED_MODULE, generatedModuleSource } from '../tools/consolePage';

async function main(): Promise<void> {
  const page = await buildConsolePage();
  await writeFile(GENERATED_MODULE, generatedModuleSource(page));
  console.log(`[console] wrote ${relative(join(__dirname, '..'), GENERATED_MODULE)} (${Buffer.byteLength(page.html)} bytes of HTML)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
