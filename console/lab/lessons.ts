/**
 * The lab's lessons, without their words (those are in `lessons.en.ts` and `lessons.ko.ts`, one file per language):
 * each lesson's key and, per step, what the step's button does. Replicas are numbered from 0 (shown from 1).
 */

/** A fault the lab server applies to a replica (the names of `tools/lab/labReplica.ts`). */
export type LabFault = 'pause' | 'resume' | 'kill' | 'restart-keep' | 'restart-empty' | 'restart-snapshot' | 'snapshot' | 'slow' | 'fast' | 'cut' | 'heal';

/** One thing a step does, in order. */
export type LabAction =
  | { readonly do: 'fault'; readonly replica: number; readonly fault: LabFault }
  | { readonly do: 'op'; readonly kind: 'set' | 'get' | 'delete'; readonly value?: string; readonly consistency?: 'one' | 'quorum' | 'all' }
  /** A write at level all through one of the lab server's two coordinators (0: clock right, 1: clock behind). */
  | { readonly do: 'container-write'; readonly container: 0 | 1; readonly value: string }
  | { readonly do: 'anti-entropy' };

/** A lesson: an id (its words are found by it), the key it works on, and its steps' actions. */
export interface Lesson {
  readonly id: LessonId;
  readonly key: string;
  readonly steps: readonly (readonly LabAction[])[];
}

/** The lessons' ids, in the order the page lists them. */
export type LessonId = 'majority' | 'first' | 'repair' | 'fail' | 'hints' | 'anti-entropy' | 'clocks' | 'levels';

const fault = (replica: number, name: LabFault): LabAction => ({ do: 'fault', replica, fault: name });

/** Every lesson, in the order the page lists them. */
export const LESSONS: readonly Lesson[] = [
  {
    id: 'majority',
    key: 'lesson:majority',
    steps: [[fault(2, 'pause')], [{ do: 'op', kind: 'set', value: 'Seoul', consistency: 'quorum' }], [fault(2, 'resume')]],
  },
  {
    id: 'first',
    key: 'lesson:first',
    steps: [[{ do: 'op', kind: 'set', value: 'Busan', consistency: 'all' }], [fault(0, 'slow'), fault(1, 'slow')], [{ do: 'op', kind: 'get', consistency: 'one' }]],
  },
  {
    id: 'repair',
    key: 'lesson:repair',
    steps: [
      [{ do: 'op', kind: 'set', value: 'v1', consistency: 'all' }, fault(2, 'snapshot')],
      [{ do: 'op', kind: 'set', value: 'v2', consistency: 'all' }],
      [fault(2, 'restart-snapshot')],
      [{ do: 'op', kind: 'get', consistency: 'all' }],
    ],
  },
  {
    id: 'fail',
    key: 'lesson:fail',
    steps: [
      [fault(1, 'kill'), fault(2, 'kill')],
      [{ do: 'op', kind: 'set', value: 'Jeju', consistency: 'quorum' }],
      [fault(0, 'kill')],
      [{ do: 'op', kind: 'set', value: 'Ulsan', consistency: 'quorum' }],
      [fault(0, 'restart-keep'), fault(1, 'restart-keep'), fault(2, 'restart-keep')],
      [{ do: 'op', kind: 'get', consistency: 'all' }],
    ],
  },
  {
    id: 'hints',
    key: 'lesson:hints',
    steps: [[fault(2, 'kill')], [{ do: 'op', kind: 'set', value: 'Daegu', consistency: 'quorum' }], [fault(2, 'restart-keep')]],
  },
  {
    id: 'anti-entropy',
    key: 'lesson:anti-entropy',
    steps: [[{ do: 'op', kind: 'set', value: 'Gwangju', consistency: 'all' }], [fault(2, 'restart-empty')], [{ do: 'anti-entropy' }]],
  },
  {
    id: 'clocks',
    key: 'lesson:clocks',
    steps: [
      [{ do: 'container-write', container: 0, value: 'from A' }],
      [{ do: 'container-write', container: 1, value: 'from B' }],
      [{ do: 'op', kind: 'get', consistency: 'all' }],
    ],
  },
  {
    id: 'levels',
    key: 'lesson:levels',
    steps: [
      [{ do: 'op', kind: 'set', value: 'old', consistency: 'all' }, fault(0, 'snapshot'), { do: 'op', kind: 'set', value: 'new', consistency: 'all' }],
      [fault(0, 'restart-snapshot'), fault(1, 'slow'), fault(2, 'slow')],
      [{ do: 'op', kind: 'get', consistency: 'one' }],
      [fault(1, 'fast'), { do: 'op', kind: 'get', consistency: 'quorum' }],
    ],
  },
];

/** The words of the page in one language: its labels, and each lesson's title, introduction and step texts. */
export interface LabText {
  readonly language: string;
  readonly ui: {
    readonly title: string;
    readonly lessons: string;
    readonly setUp: string;
    readonly doStep: string;
    readonly step: string;
    readonly done: string;
    readonly key: string;
    readonly replica: string;
    readonly holds: string;
    readonly hints: string;
    readonly faults: string;
    readonly antiEntropy: string;
    readonly runAntiEntropy: string;
    readonly changes: string;
    readonly diverged: string;
    readonly missing: string;
    readonly tombstone: string;
    readonly noToken: string;
    /** Cluster replicas: their masters, the whole-replica faults, why there is no cut or slow. */
    readonly masters: string;
    readonly master: string;
    readonly holdsKey: string;
    readonly wholeReplica: string;
    readonly noProxy: string;
    readonly needsProxy: string;
    /** The lesson on clocks: the two containers' table. */
    readonly containers: string;
    readonly container: string;
    readonly ownClock: string;
    /** How far a container's own clock is off: `{minutes}` is replaced; 0 says it is right. */
    readonly clockOff: (minutes: number) => string;
    readonly lastWrite: string;
    readonly version: string;
    readonly versionTime: string;
    readonly attempts: string;
    readonly causes: Record<'read-repair' | 'hint-replay' | 'anti-entropy' | 'write' | 'fault' | 'unknown', string>;
  };
  /** Each lesson's words; `clusterNote` is shown with cluster replicas, where the lesson plays out differently. */
  readonly lessons: Record<LessonId, { readonly title: string; readonly intro: string; readonly steps: readonly string[]; readonly clusterNote?: string }>;
}
