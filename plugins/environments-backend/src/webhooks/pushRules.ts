import { InputError } from '@backstage/errors';
import { validateDnsLabel } from '@envmesh/plugin-environments-common';
import { PushCommit, PushEvent } from './types';

/** The commit message keyword that asks for a feature deployment. */
export const DEFAULT_DEPLOY_KEYWORD = 'deploy_feature';
/** Feature branches are `feature/<name>` or just `<name>`. */
const DEFAULT_BRANCH_PATTERN = '^(?:feature/)?(.+)$';
/** The feature name is the pattern's first capture group. */
const DEFAULT_FEATURE_NAME_TEMPLATE = '{1}';
/** Images of a push are tagged with the full commit sha. */
const DEFAULT_IMAGE_TAG_TEMPLATE = '{sha}';

/**
 * The newest commit of the push whose message contains `keyword` (case-sensitive substring), or undefined.
 * Only commits the payload lists are searched (providers cap the list; the head commit is always first).
 */
export function findDeployCommit(
  event: Pick<PushEvent, 'commits'>,
  keyword: string = DEFAULT_DEPLOY_KEYWORD,
): PushCommit | undefined {
  if (!keyword) {
    throw new InputError('keyword: must not be empty');
  }
  return event.commits.find(commit => commit.message.includes(keyword));
}

/** Options of featureNameFromBranch. */
export interface FeatureNameOptions {
  /**
   * A JavaScript regular expression matched against the branch name (without `refs/heads/`), with at least
   * one capture group. Default `^(?:feature/)?(.+)$`.
   */
  pattern?: string;
  /**
   * The feature name built from the match: `{0}` is the whole match, `{1}`…`{9}` the capture groups, anything
   * else is literal. Default `{1}`; `feature-{1}` gives the `feature-31337` style.
   */
  template?: string;
}

function compilePattern(pattern: string): RegExp {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new InputError(
      `pattern: '${pattern}' is not a valid regular expression: ${
        (error as Error).message
      }`,
    );
  }
  // Matching the empty alternative tells how many groups the pattern has.
  const groups = new RegExp(`${pattern}|`).exec('')!.length - 1;
  if (groups < 1) {
    throw new InputError(`pattern: '${pattern}' must have a capture group`);
  }
  return regex;
}

/**
 * Lower-cases, turns every run of characters other than `a-z`, `0-9` and `-` into one `-`, trims `-` from
 * both ends and cuts to 63 characters.
 */
function sanitizeFeatureName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * The feature name a branch deploys as, or undefined when the branch does not match the pattern or yields
 * no valid name (the branch is then not a feature branch).
 *
 * The branch is matched against `pattern`; `template` is filled in with the match's groups (a group that did
 * not take part is empty); the result is sanitized (see sanitizeFeatureName) and must be a DNS-1123 label.
 * Examples with the defaults: `feature/31337-login` → `31337-login`, `Fix_Login` → `fix-login`. With
 * pattern `^feature/(\d+)`: `feature/31337-login` → `31337`, `main` → undefined; add template `feature-{1}`
 * for `feature-31337`.
 *
 * Throws InputError for an invalid pattern or a pattern without a capture group (a configuration error).
 */
export function featureNameFromBranch(
  branch: string,
  options: FeatureNameOptions = {},
): string | undefined {
  const regex = compilePattern(options.pattern ?? DEFAULT_BRANCH_PATTERN);
  const template = options.template ?? DEFAULT_FEATURE_NAME_TEMPLATE;
  const match = regex.exec(branch);
  if (!match) return undefined;
  const name = sanitizeFeatureName(
    template.replace(/\{(\d)\}/g, (_, index: string) => {
      const group = Number(index);
      if (group >= match.length) {
        throw new InputError(
          `template: '${template}' uses group {${index}}, but the pattern has ${
            match.length - 1
          }`,
        );
      }
      return match[group] ?? '';
    }),
  );
  return validateDnsLabel(name, 'feature') ? undefined : name;
}

/** What imageTagFromTemplate fills in. */
export interface ImageTagVariables {
  /** The full commit sha. */
  sha: string;
  /** Default: the first 7 characters of `sha`. */
  shortSha?: string;
  branch?: string;
  feature?: string;
}

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** A string as an image tag fragment: runs of characters other than `A-Za-z0-9_.-` become `-`, at most 128. */
function sanitizeImageTag(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128);
}

/**
 * The image tag of a push from a template with `{sha}`, `{shortSha}`, `{branch}` (sanitized, see
 * sanitizeImageTag) and `{feature}`; default `{sha}`. E.g. `{feature}-{shortSha}` → `31337-0d1a26e`.
 * Throws InputError for an unknown placeholder, a placeholder without a value, or a result that is not a valid
 * image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
 */
export function imageTagFromTemplate(
  template: string | undefined,
  variables: ImageTagVariables,
): string {
  const source = template ?? DEFAULT_IMAGE_TAG_TEMPLATE;
  const values: Record<string, string | undefined> = {
    sha: variables.sha,
    shortSha: variables.shortSha ?? variables.sha?.slice(0, 7),
    branch:
      variables.branch === undefined
        ? undefined
        : sanitizeImageTag(variables.branch),
    feature: variables.feature,
  };
  const tag = source.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(values, name)) {
      throw new InputError(
        `imageTagTemplate: unknown placeholder {${name}} in '${source}'; use {sha}, {shortSha}, {branch} or {feature}`,
      );
    }
    const value = values[name];
    if (!value) {
      throw new InputError(
        `imageTagTemplate: {${name}} has no value for this push`,
      );
    }
    return value;
  });
  if (!IMAGE_TAG.test(tag)) {
    throw new InputError(
      `imageTag: '${tag}' (from '${source}') is not a valid image tag: letters, digits, '_', '.' and '-', not starting with '.' or '-', at most 128 characters`,
    );
  }
  return tag;
}

/** A service and the repositories it is built from (full names `org/repo` or clone/web URLs). */
export interface RepositoryCandidate {
  service: string;
  repositories: string[];
}

/**
 * A repository identifier in a comparable form: lower-case, without scheme, user, port, `.git` or trailing
 * slash. URLs keep their host (`github.com/org/repo`); full names have none (`org/repo`).
 */
export function normalizeRepository(identifier: string): {
  host?: string;
  path: string;
} {
  let text = identifier.trim().toLowerCase();
  let host: string | undefined;
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/]*)(\/.*)?$/.exec(text);
  // scp-like `git@host:org/repo` (no scheme, a colon before the first slash)
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.*)$/.exec(text);
  if (url) {
    host = url[1].replace(/^.*@/, '').replace(/:\d*$/, '');
    text = url[2] ?? '';
  } else if (scp) {
    host = scp[1];
    text = scp[2];
  }
  const path = text
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return { host, path };
}

/**
 * The candidates built from the pushed repository, in their order. An identifier with a scheme or in scp form
 * (`https://github.com/org/repo.git`, `ssh://git@host:2222/org/repo`, `git@host:org/repo.git`) matches one of
 * the event's URLs on host and path; any other (`org/repo`, `group/subgroup/repo`, `github.com/org/repo`)
 * matches the event's full name or one of its URLs without scheme. All comparisons ignore case, `.git`,
 * user, port and trailing slashes.
 */
export function matchRepository<T extends RepositoryCandidate>(
  event: Pick<PushEvent, 'repository'>,
  candidates: T[],
): T[] {
  const fullName = normalizeRepository(event.repository.fullName).path;
  const urls = new Set(
    event.repository.urls
      .map(normalizeRepository)
      .filter(url => url.host)
      .map(url => `${url.host}/${url.path}`),
  );
  return candidates.filter(candidate =>
    candidate.repositories.some(identifier => {
      const { host, path } = normalizeRepository(identifier);
      if (host) return urls.has(`${host}/${path}`);
      // `org/repo`, or a URL written without scheme (`github.com/org/repo`)
      return path === fullName || urls.has(path);
    }),
  );
}
