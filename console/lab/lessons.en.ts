import type { LabText } from './lessons';

/** The lab page in English. */
export const EN: LabText = {
  language: 'English',
  ui: {
    title: 'quorum-kv lab',
    lessons: 'Lessons',
    setUp: 'Set up',
    doStep: 'Do this step',
    step: 'Step',
    done: 'Lesson done. Set up another one, or break things yourself with the buttons under each replica.',
    key: 'Key',
    replica: 'Replica',
    holds: 'Holds',
    hints: 'Pending hints',
    faults: 'Faults',
    antiEntropy: 'Anti-entropy',
    runAntiEntropy: 'Run an anti-entropy pass',
    changes: 'What changed the replicas',
    diverged: 'diverged',
    missing: 'missing',
    tombstone: 'tombstone',
    noToken: 'No lab token: open the lab URL that npm run dev printed.',
    masters: 'Masters',
    master: 'master',
    holdsKey: "the key's slot",
    wholeReplica: 'Whole replica',
    noProxy: 'No cut or slow: a cluster client follows the masters\' own addresses, so no proxy can stand in between.',
    needsProxy: 'needs standalone replicas: it slows a link',
    containers: 'Two containers (coordinators in the lab server)',
    container: 'Container',
    ownClock: 'Its own clock',
    clockOff: (minutes) => (minutes === 0 ? 'right' : `${Math.abs(minutes)} min ${minutes < 0 ? 'behind' : 'ahead'}`),
    lastWrite: 'Its last write',
    version: 'Version',
    versionTime: "Version's time (replicas' clock)",
    attempts: 'Attempts',
    causes: {
      'read-repair': 'read repair',
      'hint-replay': 'a hint replay',
      'anti-entropy': 'anti-entropy',
      write: 'a write',
      fault: 'a fault',
      unknown: 'something outside the lab',
    },
  },
  lessons: {
    majority: {
      title: '1. A majority write with one replica down',
      intro: 'A write needs W = 2 of the N = 3 replicas. One replica down does not stop it.',
      steps: [
        'Pause replica 3 (SIGSTOP): it keeps its connections but answers nothing.',
        'Write the key at level quorum. Replicas 1 and 2 acknowledge: 2 of 3 is a quorum, the write commits. Replica 3 is still pending.',
        'Resume replica 3 (SIGCONT): it runs the write that waited for it, and now holds the same version.',
      ],
    },
    first: {
      title: '2. A first-response read, and who answered',
      intro: 'At level one the coordinator asks every replica and answers with the first reply.',
      steps: [
        'Write the key on all three replicas.',
        'Make replicas 1 and 2 slow: their links delay every packet.',
        'Read at level one: replica 3 answers first (★ in the answer), so its entry is the answer.',
      ],
    },
    repair: {
      title: '3. A stale replica, and read repair healing it',
      intro: 'A replica can come back with old data. A read that sees the older version writes the newer one back.',
      steps: [
        'Write v1 everywhere, and take a snapshot of replica 3.',
        'Write v2 everywhere.',
        'Restart replica 3 from its snapshot: it holds v1 again, older than the others (highlighted).',
        'Read at level all: the coordinator sees replica 3\'s older version, answers v2 and repairs replica 3.',
      ],
    },
    fail: {
      title: '4. Two replicas down: FAIL, and what rolled_back means',
      intro:
        'With 2 of 3 replicas down no quorum can be reached, and a write fails (503 FAIL). Its answer says more: rolled_back tells whether the failed write can still take effect. This lesson shows both answers.',
      steps: [
        'Kill replicas 2 and 3.',
        'Write "Jeju": only replica 1 acknowledges, 1 of 3, so the answer is 503 FAIL with rolled_back: false. The write landed on replica 1, so it may still take effect: FAIL does not mean "nothing happened".',
        'Kill replica 1 too: no replica is left.',
        'Write "Ulsan": no replica takes it, so the answer is 503 FAIL with rolled_back: true. This write landed nowhere and never takes effect.',
        'Restart all three replicas with their data: replica 1 alone holds "Jeju"; "Ulsan" is nowhere.',
        'Read at level all: the read finds replica 1\'s "Jeju" as the newest, answers it, and read repair copies it to the others. The first failed write took effect after all; the second never will.',
      ],
      clusterNote:
        'On cluster replicas the write with every replica down may answer rolled_back: false as well: a cluster client holds a command while it looks for a live master, so the coordinator cannot tell that the command reached none, and says only what is sure: it may still take effect. After the restart, no replica holds "Ulsan" all the same.',
    },
    hints: {
      title: '5. Hinted hand-off after a replica returns',
      intro: 'When a committed write misses a replica, the replicas that took it keep a hint: "replica 3 missed this key".',
      steps: [
        'Kill replica 3.',
        'Write the key: it commits on replicas 1 and 2, which each store a hint for replica 3 (listed under it).',
        'Restart replica 3 with its data: the coordinator reconnects, replays the hints, and replica 3 gets the key; the hints are gone.',
      ],
    },
    'anti-entropy': {
      title: '6. Anti-entropy refilling a replica restarted empty',
      intro: 'Anti-entropy compares every key on every replica and repairs what differs, even keys nobody reads.',
      steps: [
        'Write the key on all three replicas.',
        'Restart replica 3 empty: it lost everything, and no hint says so.',
        'Run an anti-entropy pass: it scans the replicas, finds replica 3 missing the key, and writes it back.',
      ],
    },
    clocks: {
      title: '7. Two containers whose clocks disagree, and why versions still order writes',
      intro:
        'Each Lambda container runs its own coordinator, on its own machine clock. Here container A\'s clock is right and container B\'s is 5 minutes behind. A version starts with milliseconds: which clock stamps them?',
      steps: [
        'Container A writes "from A" (level all). Its version\'s time is now, on the replicas\' clock.',
        'Container B writes "from B" right after. Its own clock says 5 minutes ago, but it measured the replicas\' clock (Redis TIME) before its first write and stamps versions with that: its version is later than A\'s, on the first attempt. Every replica keeps the later write, "from B". Stamped with B\'s own clock, the version would read 5 minutes older than A\'s, and the replicas would take A\'s for the later write.',
        'Read at level all: every replica answers "from B", at B\'s version. Writes are ordered by when they happened, not by whose clock is right.',
      ],
    },
    levels: {
      title: '8. Level one against quorum, with a stale replica',
      intro: 'Level one is fast but may answer from a stale replica; quorum compares two answers and picks the newest.',
      steps: [
        'Write "old", snapshot replica 1, then write "new" everywhere.',
        'Restart replica 1 from its snapshot (it holds "old"), and make replicas 2 and 3 slow.',
        'Read at level one: replica 1 answers first, with the stale "old".',
        'Make replica 2 fast again and read at level quorum: the coordinator waits for two answers (replicas 1 and 2) and returns the newer, "new".',
      ],
    },
  },
};
