import type { ParseArgsConfig } from 'node:util';
import { deliverCommand } from './deliver.ts';
import { destinationsCommand } from './destinations.ts';
import { ingestCommand } from './ingest.ts';
import { operatorCommand } from './operator.ts';
import { previewCommand } from './preview.ts';
import { runCommand } from './run.ts';
import { validateCommand } from './validate.ts';

export interface Command {
  name: string;
  summary: string;
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(values: Record<string, unknown>): Promise<number>;
}

/** Every CLI command, listed once. */
export const COMMANDS: Record<string, Command> = {
  run: runCommand,
  validate: validateCommand,
  ingest: ingestCommand,
  deliver: deliverCommand,
  operator: operatorCommand,
  preview: previewCommand,
  destinations: destinationsCommand,
};
