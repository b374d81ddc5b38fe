const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a name that becomes part of Kubernetes object names or labels (environment, namespace, service,
 * feature). Returns the reason it is invalid, naming the field, or undefined when it is valid.
 *
 * @public
 */
export function validateDnsLabel(
  value: unknown,
  field: string,
): string | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return `${field} is required`;
  }
  if (value.length > 63) {
    return `${field} must be at most 63 characters, got ${value.length}`;
  }
  if (!DNS_1123_LABEL.test(value)) {
    return `${field} must be a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit), got '${value}'`;
  }
  return undefined;
}
