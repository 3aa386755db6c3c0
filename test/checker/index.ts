/**
 * Linearizability checking for quorum-kv's tests: record a history ({@link HistoryRecorder}), check it per key
 * against a register with TTLs ({@link checkHistory}), and on a failure print what broke ({@link describeCheck})
 * and where the picture is ({@link writeHistoryPicture}).
 *
 * @example
 * ```ts
 * const recorder = new HistoryRecorder();
 * // ... the workload brackets every call with recorder.invoke(...) and done.ok() / failed() / unknown() ...
 * const result = checkHistory(recorder.history());
 * console.log(describeCheck(result));
 * for (const failure of result.failures) console.log('picture:', writeHistoryPicture(failure));
 * expect(result.verdict).toBe('linearizable');
 * ```
 *
 * @module
 */
export type { History, Operation, OperationKind, Outcome } from './history';
export { HistoryRecorder, type HistoryRecorderOptions, type PendingRead, type PendingWrite, type PutTtl } from './historyRecorder';
export {
  checkHistory,
  checkKey,
  type CheckOptions,
  type HistoryCheckResult,
  type KeyCheckResult,
  type KeyVerdict,
  type LinearizedStep,
  type StuckPoint,
} from './checker';
export type { DropReason, ModelCall } from './registerModel';
export { describeCheck, describeKeyResult, operationLabel, showValue } from './describeResult';
export {
  historyPictureInput,
  renderHistoryPicture,
  writeHistoryPicture,
  type HistoryPictureInput,
  type WriteHistoryPictureOptions,
} from './historyPicture';
