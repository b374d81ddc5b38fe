import { ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { ChartRenderError } from './ChartRenderError';
import { helmFailure } from './HelmProcess';
import { Semaphore } from './util';

/** One `helm template` for the renderer: the arguments envmesh passes to helm. */
export interface RendererTemplateRequest {
  release: string;
  namespace: string;
  chartPath: string;
  valuesPath: string;
  kubeVersion?: string;
  apiVersions?: string[];
  skipTests: boolean;
  includeCrds?: boolean;
}

/** The `helm template` arguments for the same request. */
export function helmTemplateArgs(request: RendererTemplateRequest): string[] {
  const { release, chartPath, namespace, valuesPath } = request;
  return [
    'template',
    release,
    chartPath,
    '--namespace',
    namespace,
    '-f',
    valuesPath,
    ...(request.skipTests ? ['--skip-tests'] : []),
    ...(request.includeCrds ? ['--include-crds'] : []),
    ...(request.kubeVersion ? ['--kube-version', request.kubeVersion] : []),
    ...(request.apiVersions ?? []).flatMap(v => ['--api-versions', v]),
  ];
}

/**
 * The renderer could not answer: it did not start, died while rendering or wrote something that is not a
 * response. Not the chart's fault; the caller runs helm instead.
 */
export class RendererUnavailableError extends Error {
  name = 'RendererUnavailableError' as const;
}

// Workers that die without answering anything, in a row, before the renderer is given up for good: a binary
// that is not the renderer should not cost a process start per render forever.
const MAX_SILENT_DEATHS = 3;

type RendererResponse = { id: number; output?: string; error?: string };

/** One renderer process. It renders one request at a time; the pool gives it one at a time. */
class RendererWorker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<
    number,
    { answer(response: RendererResponse): void; fail(error: Error): void }
  >();
  #nextId = 1;
  #stderr = '';
  #exitReason?: string;
  #answered = false;
  #killed = false;
  /** Whether the process could not be started at all (no such file, not executable). */
  notStarted = false;
  readonly exited: Promise<void>;

  constructor(binary: string, env: NodeJS.ProcessEnv) {
    this.#child = spawn(binary, [], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // An idle renderer keeps no one waiting: requests in flight hold their timers.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout]) {
      (stream as unknown as { unref?(): void }).unref?.();
    }
    this.#child.stderr!.setEncoding('utf8');
    this.#child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4096);
    });
    this.#child.stdin!.on('error', () => {}); // a dead process: reported by 'exit'
    readline
      .createInterface({ input: this.#child.stdout!, crlfDelay: Infinity })
      .on('line', line => this.#answer(line));
    this.exited = new Promise(resolve => {
      this.#child.once('error', error => {
        this.notStarted = this.#child.pid === undefined;
        this.#fail(`could not start ${binary}: ${error.message}`);
        resolve();
      });
      this.#child.once('close', (code, signal) => {
        const stderr = this.#stderr.trim();
        this.#fail(
          `${binary} exited (${signal ?? `code ${code}`})${
            stderr ? `: ${stderr}` : ''
          }`,
        );
        resolve();
      });
    });
  }

  get alive(): boolean {
    return this.#exitReason === undefined;
  }

  /** Whether it ended without answering anything and without being stopped. */
  get diedSilently(): boolean {
    return !this.alive && !this.#answered && !this.#killed;
  }

  /** Sends one request; rejects with ChartRenderError when helm would have failed. */
  send(
    body: Record<string, unknown>,
    what: string,
    timeoutMs: number,
  ): Promise<string> {
    if (this.#exitReason) {
      return Promise.reject(new RendererUnavailableError(this.#exitReason));
    }
    const id = this.#nextId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.kill();
        reject(
          new ChartRenderError(`${what} failed: killed after ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.#pending.delete(id);
      };
      this.#pending.set(id, {
        answer: ({ output, error }) => {
          settle();
          if (typeof output === 'string') resolve(output);
          // error is what helm would have printed on stderr.
          else reject(helmFailure(what, error ?? '', 'the renderer failed'));
        },
        fail: error => {
          settle();
          reject(error);
        },
      });
      this.#child.stdin!.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /** Ends its input: it answers what it was sent, then exits. */
  close(): void {
    this.#child.stdin!.end();
  }

  kill(): void {
    this.#killed = true;
    this.#child.kill('SIGKILL');
  }

  #answer(line: string) {
    let response: RendererResponse;
    try {
      response = JSON.parse(line);
    } catch {
      this.#fail(
        `the renderer wrote a line that is not JSON: ${line.slice(0, 200)}`,
      );
      this.#child.kill('SIGKILL');
      return;
    }
    this.#answered = true;
    this.#pending.get(response.id)?.answer(response);
  }

  #fail(reason: string) {
    this.#exitReason ??= reason;
    for (const pending of [...this.#pending.values()]) {
      pending.fail(new RendererUnavailableError(this.#exitReason));
    }
  }
}

/**
 * `helm template` and `helm show values` through envmesh-helm-renderer (tools/helm/renderer), helm's own
 * packages in a long-lived process: the same output and errors as helm, without a process start and chart
 * load per render. Up to `concurrency` processes, started as requests need them and again when one dies.
 * A request the renderer cannot answer fails with {@link RendererUnavailableError}; {@link available} turns
 * false when the processes keep dying without answering anything.
 */
export class PersistentHelmRenderer {
  readonly #binary: string;
  readonly #env: () => Promise<NodeJS.ProcessEnv>;
  readonly #timeoutMs: number;
  readonly #semaphore: Semaphore;
  readonly #idle: RendererWorker[] = [];
  readonly #workers = new Set<RendererWorker>();
  #silentDeaths = 0;
  #unavailable?: string;
  #requests = 0;

  constructor(options: {
    binary: string;
    /** The environment of its processes (helm's cache and config folders). */
    env: () => Promise<NodeJS.ProcessEnv>;
    concurrency: number;
    timeoutMs: number;
  }) {
    this.#binary = options.binary;
    this.#env = options.env;
    this.#timeoutMs = options.timeoutMs;
    this.#semaphore = new Semaphore(options.concurrency);
  }

  /** Requests sent to the renderer. */
  get requests(): number {
    return this.#requests;
  }

  /** False once the renderer was given up (it does not start, or was closed). */
  get available(): boolean {
    return this.#unavailable === undefined;
  }

  /** `helm template`'s stdout. */
  template(request: RendererTemplateRequest, what: string): Promise<string> {
    return this.#request({ op: 'template', ...request }, what);
  }

  /** `helm show values`'s stdout. */
  showValues(chartPath: string, what: string): Promise<string> {
    return this.#request({ op: 'showValues', chartPath }, what);
  }

  /** Stops the processes once they answered what they were sent. */
  async close(): Promise<void> {
    this.#unavailable ??= 'the renderer was closed';
    this.#idle.length = 0;
    const workers = [...this.#workers];
    for (const worker of workers) worker.close();
    const stragglers = setTimeout(
      () => workers.forEach(w => w.kill()),
      this.#timeoutMs,
    );
    await Promise.all(workers.map(w => w.exited));
    clearTimeout(stragglers);
  }

  #request(body: Record<string, unknown>, what: string): Promise<string> {
    return this.#semaphore.run(async () => {
      if (this.#unavailable) {
        throw new RendererUnavailableError(this.#unavailable);
      }
      const worker = this.#idle.pop() ?? (await this.#start());
      this.#requests++;
      try {
        const output = await worker.send(body, what, this.#timeoutMs);
        this.#silentDeaths = 0;
        return output;
      } finally {
        if (worker.alive && !this.#unavailable) this.#idle.push(worker);
      }
    });
  }

  async #start(): Promise<RendererWorker> {
    const worker = new RendererWorker(this.#binary, await this.#env());
    this.#workers.add(worker);
    worker.exited.then(() => {
      this.#workers.delete(worker);
      const idle = this.#idle.indexOf(worker);
      if (idle >= 0) this.#idle.splice(idle, 1);
      if (worker.notStarted) {
        this.#unavailable ??= `${this.#binary} does not start`;
      } else if (
        worker.diedSilently &&
        ++this.#silentDeaths >= MAX_SILENT_DEATHS
      ) {
        this.#unavailable ??= `${this.#binary} keeps exiting without answering`;
      }
    });
    return worker;
  }
}
