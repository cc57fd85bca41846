import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The npm packages and node: builtins a fresh process holds after loading one command. */
function loadedBy(command: string): Promise<Set<string>> {
  const commands = pathToFileURL(join(import.meta.dirname, 'commands.ts')).href;
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); seen.add(r.url); return r; } });
    const { COMMANDS } = await import(${JSON.stringify(commands)});
    await COMMANDS[${JSON.stringify(command)}].load();
    const names = [...seen].map((u) => u.startsWith('node:') ? u : /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(u)?.[1]).filter(Boolean);
    process.stdout.write(JSON.stringify([...new Set(names)]));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`loading ${command}: ${stderr || err.message}`));
      else resolve(new Set(JSON.parse(stdout) as string[]));
    });
  });
}

// That each entry loads its own command, help.test.ts shows: `sluice <name> --help` prints its usage.
describe('the command registry', () => {
  // What a command does not run, its process does not hold: the operator's memory target
  // (≤ 150 MB) has no room for drivers of destinations it never delivers to.
  it('the operator loads no destination driver, sandbox, YAML parser or embedded bus', async () => {
    const loaded = await loadedBy('operator');
    expect(loaded.has('@marcbachmann/cel-js')).toBe(true); // it does check CEL: the test can see packages
    for (const heavy of ['pg', 'isolated-vm', 'libphonenumber-js', 'yaml', 'node:sqlite']) expect(loaded, heavy).not.toContain(heavy);
  });

  it('an ingest pod loads no delivery driver, CEL or embedded bus', async () => {
    const loaded = await loadedBy('ingest');
    expect(loaded.has('ajv')).toBe(true);
    for (const heavy of ['pg', 'isolated-vm', 'libphonenumber-js', '@marcbachmann/cel-js', 'yaml', 'node:sqlite']) expect(loaded, heavy).not.toContain(heavy);
  });
});
