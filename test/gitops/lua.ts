// Runs the Argo CD health script with the real Lua interpreter (Debian lua5.4), the way Argo
// CD does: a global `obj` holding the resource, the script's chunk returning `hs`.
import { execFile } from 'node:child_process';

export interface Health {
  status: string;
  message: string;
  /** Keys of `hs` other than status and message (Argo CD ignores them; the script sets none). */
  extraKeys: string[];
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A Lua literal for a JSON value, as Argo CD hands objects to Lua: objects become tables with
 * string keys, arrays 1-based sequences, null an absent value. Integers stay integers so
 * `%d` formats them as Argo CD's Lua would.
 */
export function toLua(value: Json): string {
  if (value === null) return 'nil';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`converting to Lua: ${value} has no JSON form`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  const fields = Object.entries(value)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `[${luaString(k)}] = ${toLua(v)}`);
  return `{${fields.join(', ')}}`;
}

function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte < 0x20 || byte === 0x7f) out += `\\${byte.toString().padStart(3, '0')}`;
    else if (byte < 0x80) out += String.fromCharCode(byte);
    // Bytes of multi-byte characters as decimal escapes: the literal stays ASCII.
    else out += `\\${byte}`;
  }
  return `${out}"`;
}

const HARNESS = (scriptPath: string, obj: string) => `
obj = ${obj}
local chunk = assert(loadfile(${luaString(scriptPath)}))
local hs = chunk()
if type(hs) ~= "table" then error("health script returned " .. type(hs)) end
local extra = {}
for k, _ in pairs(hs) do
  if k ~= "status" and k ~= "message" then extra[#extra + 1] = tostring(k) end
end
table.sort(extra)
io.write(tostring(hs.status), "\\0", tostring(hs.message), "\\0", table.concat(extra, ","))
`;

/** Runs `scriptPath` against `obj` in a fresh lua5.4 process. */
export function runHealth(scriptPath: string, obj: Json, lua = 'lua5.4'): Promise<Health> {
  return new Promise((resolve, reject) => {
    const child = execFile(lua, ['-'], { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`running ${scriptPath} with ${lua}: ${stderr.trim() || err.message}`, { cause: err }));
        return;
      }
      const [status = '', message = '', extra = ''] = stdout.split('\0');
      resolve({ status, message, extraKeys: extra === '' ? [] : extra.split(',') });
    });
    // lua5.4 failing before it reads the script closes the pipe first: its exit status tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(HARNESS(scriptPath, toLua(obj)));
  });
}
