// Imported first by main.ts: the logger reads its level when lib/ is first imported, and logging one JSON line per
// operation would dominate what the benchmark measures.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
