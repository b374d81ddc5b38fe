import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';

/** "3 h", "2 d 4 h", "expired": how long a feature branch has left. */
export function timeLeft(expiresAt: string | undefined, now = Date.now()) {
  if (!expiresAt) return 'no expiry';
  const ms = Date.parse(expiresAt) - now;
  if (ms <= 0) return 'expired';
  const hours = Math.floor(ms / 3600_000);
  if (hours < 1) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Ready instances of all, e.g. `1/2`. */
export function readyInstances(feature: FeatureBranchDetails) {
  const ready = feature.instances.filter(i => i.state === 'ready').length;
  return `${ready}/${feature.instances.length}`;
}
