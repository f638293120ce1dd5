import type { Clock } from './clock.js';

export interface NamespaceListsDeps {
  clock: Clock;
  /** Lists one namespace and merges it into the cache; false: the namespace left and came back meanwhile, list it again. */
  list(namespace: string): Promise<boolean>;
  /** A list failed: reported as the informer reports its own failures. */
  failed(namespace: string, err: unknown, retryInMs: number): void;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * The namespaces a scoped informer still has to list on their own (they entered its scope after its
 * cluster-wide list), listed one at a time, in the order they entered; a failed list is retried
 * with exponential backoff. A namespace that leaves the scope before its turn is not listed.
 */
export class NamespaceLists {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private worker: Promise<void> | undefined;
  private stopped = false;
  private retryMs = RETRY_BASE_MS;
  private wake: (() => void) | undefined;

  constructor(private readonly deps: NamespaceListsDeps) {}

  has(namespace: string): boolean {
    return this.queued.has(namespace);
  }

  /** The namespaces still to be listed. */
  waiting(): string[] {
    return [...this.queued];
  }

  add(namespace: string): void {
    if (this.stopped || this.queued.has(namespace)) return;
    this.queued.add(namespace);
    this.queue.push(namespace);
    this.worker ??= this.run().finally(() => {
      this.worker = undefined;
    });
  }

  remove(namespace: string): void {
    this.queued.delete(namespace);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.worker;
  }

  /** Read through a getter: stop() may set it while a list is out. */
  private get halted(): boolean {
    return this.stopped;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const namespace = this.queue.shift();
      if (namespace === undefined) return;
      if (!this.queued.has(namespace)) continue;
      try {
        if (await this.deps.list(namespace)) this.queued.delete(namespace);
        else this.queue.push(namespace);
        this.retryMs = RETRY_BASE_MS;
      } catch (err) {
        if (this.halted) return;
        const delay = this.retryMs;
        this.retryMs = Math.min(RETRY_MAX_MS, delay * 2);
        this.deps.failed(namespace, err, delay);
        this.queue.push(namespace);
        await new Promise<void>((resolve) => {
          const handle = this.deps.clock.setTimeout(resolve, delay);
          this.wake = (): void => {
            this.deps.clock.clearTimeout(handle);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
