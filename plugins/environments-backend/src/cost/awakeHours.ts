/** A change of an environment between awake and asleep, at the end of the sleep or wake that made it. */
export interface SleepChange {
  at: Date;
  asleep: boolean;
}

const HOUR = 3_600_000;

/**
 * The hours of [from, to] an environment created at `createdAt` spent awake and asleep, from its sleep
 * history (the changes in any order; a period past now counts the state it is in as lasting). Hours before it
 * was created count as neither.
 */
export function awakeHours(options: {
  createdAt: Date;
  changes: SleepChange[];
  from: Date;
  to: Date;
}): { awake: number; asleep: number } {
  const start = Math.max(options.from.getTime(), options.createdAt.getTime());
  const end = options.to.getTime();
  if (end <= start) return { awake: 0, asleep: 0 };
  const changes = [...options.changes].sort(
    (a, b) => a.at.getTime() - b.at.getTime(),
  );
  let asleep = false;
  for (const change of changes) {
    if (change.at.getTime() <= start) asleep = change.asleep;
  }
  const totals = { awake: 0, asleep: 0 };
  let cursor = start;
  for (const change of changes) {
    const at = change.at.getTime();
    if (at <= start) continue;
    if (at >= end) break;
    totals[asleep ? 'asleep' : 'awake'] += at - cursor;
    cursor = at;
    asleep = change.asleep;
  }
  totals[asleep ? 'asleep' : 'awake'] += end - cursor;
  return { awake: totals.awake / HOUR, asleep: totals.asleep / HOUR };
}
