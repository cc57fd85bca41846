import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.ts';

const CLI = join(import.meta.dirname, 'main.ts');

function sluice(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('sluice --help', () => {
  it('lists every command, each name set apart from its summary', async () => {
    const { code, stdout } = await sluice('--help');
    expect(code).toBe(0);
    for (const c of Object.values(COMMANDS)) expect(stdout).toMatch(new RegExp(`^  ${c.name} {2,}\\S`, 'm'));
  });

  it.each(Object.values(COMMANDS).map((c) => c.name))('sluice %s --help explains the command and exits 0', async (name) => {
    const { code, stdout, stderr } = await sluice(name, '--help');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: sluice ${name}\\b`, 'm'));
    expect(stdout).toMatch(/^\s+-h, --help\b/m);
  });
});
