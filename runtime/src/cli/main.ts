#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { COMMANDS } from './commands.ts';

const GLOBAL_HELP = `sluice — a customer data pipeline that speaks Segment's HTTP Tracking API

Usage:
  sluice <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c, _, all) => `  ${c.name.padEnd(Math.max(...all.map((x) => x.name.length)) + 2)}${c.summary}`)
  .join('\n')}

Run 'sluice <command> --help' for a command's options and examples.
The same YAML runs here and in a cluster: 'sluice run -f dir/' locally, 'kubectl apply -f dir/' there.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(GLOBAL_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('sluice 0.1.0\n');
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`sluice: unknown command "${name}"\n\n${GLOBAL_HELP}`);
    return 2;
  }
  const command = await entry.load();
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true } satisfies ParseArgsConfig);
  } catch (err) {
    process.stderr.write(`sluice ${name}: ${(err as Error).message}\n\n${command.help}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(command.help);
    return 0;
  }
  return command.run(parsed.values);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
