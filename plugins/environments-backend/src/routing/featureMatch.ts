import {
  DEFAULT_FEATURE_HEADER,
  HTTPMatchRequest,
  MatchOptions,
} from './types';

/** The header key as Istio wants it in matches: lower-case (`X-FEATURE-NAME` → `x-feature-name`). */
export function headerKey(options: MatchOptions = {}): string {
  return (options.headerName ?? DEFAULT_FEATURE_HEADER).toLowerCase();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The RE2 regex matching a W3C `baggage` header (https://www.w3.org/TR/baggage/) that carries `key=value` as
 * one of its list members. For `x-feature-name` / `feature-31337`:
 *
 *   `^(.*,)?[ \t]*x-feature-name[ \t]*=[ \t]*feature-31337[ \t]*(;[^,]*)?(,.*)?$`
 *
 * A member starts the header or follows a `,`; optional whitespace around the key, `=` and value; the value
 * may carry `;` properties and be followed by more members. Neither `x-feature-name=feature-313370` nor
 * `other-x-feature-name=feature-31337` matches. Kept small: Envoy rejects large regex programs (R10).
 */
export function baggageRegex(key: string, value: string): string {
  const ows = '[ \\t]*';
  return `^(.*,)?${ows}${escapeRegex(key)}${ows}=${ows}${escapeRegex(
    value,
  )}${ows}(;[^,]*)?(,.*)?$`;
}

/** The W3C baggage list member that carries a feature (`x-feature-name=feature-31337`). */
export function baggageMember(key: string, feature: string): string {
  return `${key}=${feature}`;
}

/**
 * The match blocks of a feature route: every given block (from the chart's route; none means "any request")
 * ANDed with the exact header match, plus, with baggage on, the same block ANDed with the baggage match
 * instead (blocks are ORed).
 */
export function featureMatches(
  feature: string,
  base: HTTPMatchRequest[] | undefined,
  options: MatchOptions = {},
): HTTPMatchRequest[] {
  const key = headerKey(options);
  const blocks = base?.length ? base : [{}];
  const out: HTTPMatchRequest[] = [];
  for (const block of blocks) {
    out.push({
      ...block,
      headers: { ...block.headers, [key]: { exact: feature } },
    });
    if (options.baggage) {
      const baggageKey = options.baggageKey ?? key;
      out.push({
        ...block,
        headers: {
          ...block.headers,
          baggage: { regex: baggageRegex(baggageKey, feature) },
        },
      });
    }
  }
  return out;
}
