import { formatRef } from '../apply';
import type { ObjectRef } from '../apply';

/** How many services a group of the same reason names in the error; the operation log has them all. */
const NAMED = 3;

/**
 * A reason without the names of the pods it was seen on ("3 pods (a, b, c): Unschedulable: …" and "pod a:
 * Unschedulable: …" are the same cause), so that services failing for the same cause are told once.
 */
function causeOf(reason: string): string {
  return (
    reason
      .split('; ')
      .slice(1)
      .map(part => part.replace(/^(pod \S+|\d+ pods \([^)]*\)): /, ''))
      .join('; ') || reason
  );
}

/**
 * An operation's error for workloads that are not ready, short however many there are: the causes, each with
 * how many services and the first few, e.g. "78 service(s) not ready: 78 (demo-1, demo-2, demo-3, …):
 * Unschedulable: 0/2 nodes are available: 2 Insufficient cpu."; and the line per service for the log.
 */
export function notReadyReport(
  workloads: { ref: ObjectRef; reason: string; service?: string }[],
  what: string,
): { error: string; lines: string[] } {
  const byCause = new Map<string, Set<string>>();
  for (const w of workloads) {
    const cause = causeOf(w.reason);
    byCause.set(cause, (byCause.get(cause) ?? new Set()).add(w.service ?? '?'));
  }
  const services = new Set(workloads.map(w => w.service ?? '?'));
  const groups = [...byCause]
    .sort((a, b) => b[1].size - a[1].size)
    .map(([cause, names]) => {
      const list = [...names].sort();
      const shown = list.slice(0, NAMED).join(', ');
      return `${list.length} (${shown}${
        list.length > NAMED ? ', …' : ''
      }): ${cause}`;
    });
  return {
    error: `${services.size} service(s) not ready ${what}: ${groups.join(
      ' | ',
    )}`,
    lines: workloads.map(
      w => `service ${w.service} not ready (${formatRef(w.ref)}): ${w.reason}`,
    ),
  };
}
