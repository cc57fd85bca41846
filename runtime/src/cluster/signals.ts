import { parseDuration } from '../util/duration.ts';

/** A command-line value that failed its check; the CLI prints it with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function portOption(flag: string, value: unknown): number {
  const port = Number(value);
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || port > 65535) throw new UsageError(`--${flag} "${String(value)}" is not a port number (0-65535)`);
  return port;
}

export function durationOption(flag: string, value: unknown): number {
  try {
    return parseDuration(String(value));
  } catch (err) {
    throw new UsageError(`--${flag}: ${(err as Error).message}`);
  }
}

export function requiredOption(flag: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${flag} is required`);
  return value;
}

/**
 * Resolves with the exit code once SIGTERM or SIGINT has run `stop`: 0 when it finished,
 * 1 when it failed. A second signal exits at once.
 */
export function untilSignal(stop: () => Promise<void>, onError: (err: Error) => void): Promise<number> {
  return new Promise((done) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.exit(130);
      }
      stopping = true;
      void stop().then(
        () => done(0),
        (err: unknown) => {
          onError(new Error(`stopping after ${signal}: ${(err as Error).message}`, { cause: err }));
          done(1);
        },
      );
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  });
}
