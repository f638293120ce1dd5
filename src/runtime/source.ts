/** What happened to an object in a cache. */
export type InformerEvent = 'add' | 'update' | 'delete';

export type Handler<T> = (event: InformerEvent, object: T) => void;

/** Something a controller can watch: the events of one kind, and what it holds now. */
export interface Source<T> {
  on(handler: Handler<T>): void;
  list(): readonly T[];
}

/** A source fed by code rather than an informer: a derived cache, or another controller's output. */
export class Emitter<T> implements Source<T> {
  private readonly handlers: Handler<T>[] = [];

  constructor(private readonly current: () => readonly T[] = () => []) {}

  on(handler: Handler<T>): void {
    this.handlers.push(handler);
  }

  list(): readonly T[] {
    return this.current();
  }

  emit(event: InformerEvent, object: T): void {
    for (const handler of this.handlers) handler(event, object);
  }
}

/** The events of a source that pass a test; list() is unfiltered (it gives the keys a start queues). */
export function only<T>(source: Source<T>, pass: (event: InformerEvent, object: T) => boolean): Source<T> {
  return {
    on: (handler) => {
      source.on((event, object) => {
        if (pass(event, object)) handler(event, object);
      });
    },
    list: () => source.list(),
  };
}
