import fs from 'node:fs/promises';
import path from 'node:path';
import type { UrlReaderService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { ChartSource } from '@envmesh/plugin-environments-common';
import { runCommand } from './charts';

/** Where to import services from. */
export type ServiceImportSource =
  | { type: 'directory'; path: string }
  | { type: 'git'; url: string; ref?: string }
  | { type: 'url'; url: string };

/** A source's files on this machine. */
export interface FetchedSource {
  root: string;
  chartSource: ChartSource;
  /** The commit (Git) or etag (UrlReader) read, when the source has one. */
  revision?: string;
}

/** Hides credentials in URLs (`https://user:token@host` → `https://***@host`). */
export function redact(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/**
 * Brings an import source onto this machine, only from where the operator allows: local folders inside the
 * directory roots, Git over https/ssh from the hosts of the portal's integrations (or a local repository
 * inside the roots), and UrlReader locations (which Backstage's reading allow-list governs).
 */
export class ImportSourceFetcher {
  constructor(
    private readonly options: {
      /** Default `git`. */
      gitBinary?: string;
      urlReader?: UrlReaderService;
      /** See ServiceImporterOptions.directoryRoots. */
      directoryRoots?: string[];
      /** See ServiceImporterOptions.allowsGitHost. */
      allowsGitHost?: (host: string) => boolean;
    },
  ) {}

  async fetch(
    source: ServiceImportSource,
    temp: string,
  ): Promise<FetchedSource> {
    switch (source.type) {
      case 'directory': {
        if (typeof source.path !== 'string' || !source.path) {
          throw new InputError(
            'source.location: is required for a directory source',
          );
        }
        const root = path.resolve(source.path);
        const stat = await fs.stat(root).catch(() => undefined);
        if (!stat?.isDirectory()) {
          throw new InputError(
            `source.location: directory ${root} does not exist`,
          );
        }
        await this.#assertAllowedDirectory(root);
        return { root, chartSource: { type: 'directory', location: root } };
      }
      case 'git': {
        const { url, ref } = source;
        if (typeof url !== 'string' || !url || url.startsWith('-')) {
          throw new InputError(`source.location: invalid Git URL '${url}'`);
        }
        if (ref !== undefined && (!ref || ref.startsWith('-'))) {
          throw new InputError(`source.ref: invalid Git ref '${ref}'`);
        }
        await this.#assertAllowedGitUrl(url);
        const root = path.join(temp, 'repo');
        const revision = await this.#clone(url, ref, root);
        return {
          root,
          chartSource: { type: 'git', location: url, ...(ref ? { ref } : {}) },
          revision,
        };
      }
      case 'url': {
        if (!this.options.urlReader) {
          throw new InputError(
            'source.type: importing from a URL needs a UrlReader',
          );
        }
        if (!URL.canParse(source.url)) {
          throw new InputError(
            `source.location: '${redact(source.url)}' is not a URL`,
          );
        }
        const target = path.join(temp, 'tree');
        await fs.mkdir(target);
        const response = await this.options.urlReader.readTree(source.url);
        const root = await response.dir({ targetDir: target });
        return {
          root,
          chartSource: { type: 'url', location: source.url },
          revision: response.etag || undefined,
        };
      }
      default:
        throw new InputError(
          `source.type: unknown source type '${
            (source as { type?: unknown }).type
          }'`,
        );
    }
  }
  /** Throws a 400 naming the rule unless the folder is inside one of the allowed roots, symlinks resolved. */
  async #assertAllowedDirectory(
    root: string,
    field = 'source.location',
  ): Promise<void> {
    const roots = this.options.directoryRoots;
    if (!roots) return;
    const real = await fs.realpath(root).catch(() => path.resolve(root));
    for (const allowed of roots) {
      const base = await fs.realpath(allowed).catch(() => undefined);
      if (!base) continue;
      const relative = path.relative(base, real);
      if (!relative.startsWith('..') && !path.isAbsolute(relative)) return;
    }
    throw new InputError(
      `${field}: directory ${root} is not inside a folder the operator allows imports from (environments.import.directoryRoots${
        roots.length ? `: ${roots.join(', ')}` : ' is not set'
      })`,
    );
  }
  /**
   * Throws a 400 naming the rule unless a Git URL is one the operator allows: `https`, `ssh` or scp-like
   * (`git@host:org/repo`) to a host of Backstage's integrations, or a local repository inside the directory
   * roots. Other transports (`ext::`, `fd::`... which run commands) are never cloned.
   */
  async #assertAllowedGitUrl(url: string): Promise<void> {
    if (path.isAbsolute(url) || url.startsWith('file://')) {
      await this.#assertAllowedDirectory(
        url.startsWith('file://') ? new URL(url).pathname : url,
        'source.location',
      );
      return;
    }
    const scpLike = /^[\w.-]+@([\w.-]+):(?!\/\/)/.exec(url);
    let host = scpLike?.[1];
    if (!host) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !['https:', 'ssh:'].includes(parsed.protocol)) {
        throw new InputError(
          `source.location: '${redact(
            url,
          )}' is not an https, ssh or local Git URL`,
        );
      }
      host = parsed.hostname;
    }
    if (this.options.allowsGitHost && !this.options.allowsGitHost(host)) {
      throw new InputError(
        `source.location: host ${host} is not the host of one of the portal's integrations (the integrations config)`,
      );
    }
  }
  /** A shallow clone of `ref` (or the default branch); returns the commit. */
  async #clone(
    url: string,
    ref: string | undefined,
    dir: string,
  ): Promise<string> {
    const env = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_LFS_SKIP_SMUDGE: '1',
    };
    const git = (args: string[], cwd?: string) =>
      runCommand(this.options.gitBinary ?? 'git', args, { env, cwd });
    try {
      try {
        await git([
          'clone',
          '--quiet',
          '--depth',
          '1',
          '--single-branch',
          '--no-tags',
          ...(ref ? ['--branch', ref] : []),
          '--',
          url,
          dir,
        ]);
      } catch (e) {
        // --branch takes branches and tags only; a commit is fetched by id.
        if (!ref || !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(ref)) throw e;
        await fs.rm(dir, { recursive: true, force: true });
        await git(['init', '--quiet', dir]);
        await git(['fetch', '--quiet', '--depth', '1', '--', url, ref], dir);
        await git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], dir);
      }
      return (await git(['rev-parse', 'HEAD'], dir)).trim();
    } catch (e) {
      throw new InputError(
        `source.location: cannot clone ${redact(url)}${
          ref ? ` at ${ref}` : ''
        }: ${redact((e as Error).message)}`,
      );
    }
  }
}
