import { createHash } from 'node:crypto';

/** The longest Kubernetes name envmesh gives an object: a DNS-1123 label, so it also fits in label values. */
export const NAME_LIMIT = 63;

/**
 * `<base>-<suffix>` within `limit` characters. A longer name is cut and ends in 8 hex characters of its hash,
 * so two long names that share a prefix stay distinct and the result still ends with a letter or digit.
 */
export function suffixedName(
  base: string,
  suffix: string,
  limit: number = NAME_LIMIT,
): string {
  const full = `${base}-${suffix}`;
  if (full.length <= limit) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  const head = full.slice(0, limit - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

/**
 * The name of a feature instance's own Service for a host: `<host>-<feature>` (cut, with a hash, to 63
 * characters). Routing sends the feature's requests to it (`service` mode, the Gateway API driver).
 */
export function instanceServiceName(host: string, feature: string): string {
  return suffixedName(host, feature);
}

/** The store key of a feature instance's inventory: its instance label value, `<service>.<feature>`. */
export function instanceRelease(service: string, feature: string): string {
  return `${service}.${feature}`;
}

/** Whether an inventory belongs to a feature instance rather than a base service (service names have no dot). */
export function isInstanceRelease(release: string): boolean {
  return release.includes('.');
}
