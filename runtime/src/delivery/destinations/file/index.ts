import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { DeliveryError, type DestinationContext, type DestinationType, type OutboundEvent, type SendResult } from '../../types.ts';

export const FileSettings = Type.Object(
  {
    path: Type.String({ description: 'File the events are appended to, one JSON document per line; created with its directory.', minLength: 1, maxLength: 4096 }),
  },
  { additionalProperties: false },
);
export type FileSettings = Static<typeof FileSettings>;

/** The bytes appended for a batch: one JSON line per payload. */
export function jsonLines(batch: readonly OutboundEvent[]): string {
  let out = '';
  for (const e of batch) out += `${JSON.stringify(e.payload)}\n`;
  return out;
}

/**
 * Appends each batch and fsyncs before reporting it delivered, so an acked event is on
 * disk. Writes are serialised: concurrent batches never interleave within a line.
 */
export class JsonLinesFile {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = resolve(path);
  }

  append(batch: readonly OutboundEvent[]): Promise<SendResult[]> {
    const run = this.#tail.then(() => this.#write(batch));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #write(batch: readonly OutboundEvent[]): Promise<SendResult[]> {
    try {
      this.#handle ??= this.#open();
      const fh = await this.#handle;
      await fh.appendFile(jsonLines(batch));
      await fh.datasync();
      return batch.map(() => ({ ok: true }));
    } catch (err) {
      // Reopen next time: the file may have been moved or its disk replaced.
      const h = this.#handle;
      this.#handle = undefined;
      void h?.then((fh) => fh.close()).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code ?? 'io';
      const error = new DeliveryError(`appending to ${this.path}: ${(err as Error).message}`, { kind: 'retryable', code, cause: err });
      return batch.map(() => ({ ok: false, error }));
    }
  }

  async #open(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    return open(this.path, 'a');
  }

  async close(): Promise<void> {
    await this.#tail;
    const h = this.#handle;
    this.#handle = undefined;
    if (h) await (await h).close();
  }
}

export const file: DestinationType<FileSettings> = {
  type: 'file',
  displayName: 'File',
  description: 'Appends events as JSON lines to a local file (fsync per batch); handy with `sluice run`.',
  settingsSchema: FileSettings,
  create(ctx: DestinationContext<FileSettings>) {
    const out = new JsonLinesFile(ctx.settings.path);
    return {
      send: (batch) => out.append(batch),
      close: () => out.close(),
    };
  },
};
