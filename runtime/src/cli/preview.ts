import { readFile, stat } from 'node:fs/promises';
import { redact } from '../delivery/redact.ts';
import type { SegmentEvent } from '../event.ts';
import { loadPreviewTarget, previewEvents, PreviewInputError, PreviewSetupError, readEvents, renderText, type DryRunInput, type PreviewTarget, type ReadEvents } from '../mapping/preview/index.ts';
import type { Violation } from '../plan/types.ts';
import type { Command } from './commands.ts';
import { MAX_RECENT_EVENTS } from './server.ts';

const MAX_INPUT_BYTES = 10 * 1024 * 1024;
const DEFAULT_URL = 'http://127.0.0.1:8080';
const FETCH_TIMEOUT_MS = 10_000;

const HELP = `Usage: sluice preview -f <destination.yaml> [-f …] --event <file|-> [options]
       sluice preview -f <destination.yaml> --sample <n> [--url <sluice run>]
       sluice preview -f <destination.yaml> --from-quarantine [--url <sluice run>]

Shows what a Destination would do with events, before anything is deployed: for each
event, every step it passes or the one that stops it and why (tracking plan,
integrations, consent, filter, mapping), each mapped field's value or why it is left
out, and the exact HTTP request(s) the destination would send — method, URL, headers
with secrets masked, and the body pretty-printed. Nothing is sent.

Only the Destination is required. Add its Sources and TrackingPlans to check events
against the plan first; add its credentials Secret to see headers built from it
(masked either way; without it placeholders show where the values go).

Options:
  -f, --file <path>          manifests, file or directory (repeatable)
  -e, --event <file|->       events (repeatable): one JSON event, a JSON array, a batch body
                             {"batch": […]} or one JSON event per line; - reads stdin.
                             messageId, timestamps and receivedAt are filled in like the
                             ingest does
      --sample <n>           the last n events (1-${MAX_RECENT_EVENTS}) the Source stored in a running
                             'sluice run' (events kept since it started)
      --from-quarantine      events the Source's tracking plan quarantined in a running
                             'sluice run' (the last 10, or --sample n)
      --url <url>            the running 'sluice run' (default ${DEFAULT_URL})
      --destination <name>   which Destination, when the manifests hold several
      --source <name>        which Source the events come from (its tracking plan applies);
                             default: the first Source the Destination reads
  -o, --output <format>      text (default) or json
  -h, --help                 this help

Exit status: 0 when the preview ran (whether or not events would be sent), 1 when the
manifests or events cannot be used, 2 on usage errors.

Examples:
  # One event from a file, against a Destination and the manifests it refers to
  sluice preview -f deploy/meta-ads.yaml --event order.json
  sluice preview -f deploy/ --destination meta-ads --event order.json

  # An event typed in
  echo '{"type":"track","event":"Order Completed","userId":"u1",
         "properties":{"revenue":42.5},"context":{"traits":{"email":"Ada@Example.com"}}}' |
    sluice preview -f meta-ads.yaml --event -

  # The last 5 events the web Source received in a running 'sluice run -f deploy/'
  sluice preview -f deploy/ --destination meta-ads --sample 5

  # Would quarantined events get through once the plan is fixed?
  sluice preview -f deploy/ --destination meta-ads --from-quarantine --url http://127.0.0.1:9000

  # Machine-readable, e.g. for a test in CI
  sluice preview -f meta-ads.yaml --event order.json -o json | jq '.results[0].requests'
`;

export interface PreviewIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

const processIo: PreviewIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin: () => readStream(process.stdin),
};

export const previewCommand: Command = {
  name: 'preview',
  options: {
    file: { type: 'string', short: 'f', multiple: true },
    event: { type: 'string', short: 'e', multiple: true },
    sample: { type: 'string' },
    'from-quarantine': { type: 'boolean', default: false },
    url: { type: 'string', default: DEFAULT_URL },
    destination: { type: 'string' },
    source: { type: 'string' },
    output: { type: 'string', short: 'o', default: 'text' },
  },
  help: HELP,
  run: (values) => runPreview(values, processIo),
};

/** A string option's value; parseArgs gives strings for string options. */
const option = (values: Record<string, unknown>, key: string): string | undefined => (typeof values[key] === 'string' ? values[key] : undefined);

export async function runPreview(values: Record<string, unknown>, io: PreviewIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`sluice preview: ${message}\n\n${HELP}`);
    return 2;
  };
  const files = (values.file as string[] | undefined) ?? [];
  const eventFiles = (values.event as string[] | undefined) ?? [];
  const quarantine = values['from-quarantine'] === true;
  const output = option(values, 'output') ?? 'text';
  const url = option(values, 'url') ?? DEFAULT_URL;
  const destination = option(values, 'destination');
  if (files.length === 0) return usage('no manifests given; pass -f <destination.yaml>');
  if (output !== 'text' && output !== 'json') return usage(`--output must be text or json, got "${output}"`);
  let sample: number | undefined;
  const sampleText = option(values, 'sample');
  if (sampleText !== undefined) {
    sample = Number(sampleText);
    if (!Number.isInteger(sample) || sample < 1 || sample > MAX_RECENT_EVENTS) return usage(`--sample must be a whole number from 1 to ${MAX_RECENT_EVENTS}, got "${sampleText}"`);
  }
  if (eventFiles.length === 0 && sample === undefined && !quarantine) return usage('no events given; pass --event <file|->, --sample <n> or --from-quarantine');
  if (eventFiles.filter((f) => f === '-').length > 1) return usage('--event - (stdin) can be given once');

  let target: PreviewTarget | undefined;
  try {
    target = await loadPreviewTarget(files, destination === undefined ? {} : { destination });
    const source = option(values, 'source') ?? target.compiled.sources[0]!;
    if (!target.compiled.sources.includes(source)) {
      throw new PreviewSetupError(`previewing: Destination "${target.runtime.name}" does not read Source "${source}"; it reads ${target.compiled.sources.join(', ')}`);
    }
    const plan = target.plans.get(source);
    const inputs: DryRunInput[] = [];
    const refused: ReadEvents['refused'] = [];
    for (const file of eventFiles) {
      const read = readEvents(await readInput(file, io), file === '-' ? 'stdin' : file);
      for (const r of read.refused) refused.push({ ...r, index: inputs.length + refused.length + r.index });
      for (const event of read.events) inputs.push(plan ? { event, plan } : { event });
    }
    if (sample !== undefined || quarantine) {
      const from = quarantine ? 'quarantine' : 'accepted';
      const recent = await fetchRecent(url, source, sample ?? 10, from);
      if (recent.length === 0 && eventFiles.length === 0) {
        throw new PreviewInputError(quarantine ? `Source "${source}" has nothing in quarantine` : `Source "${source}" has stored no events since 'sluice run' started; send some first`);
      }
      for (const r of recent) inputs.push(quarantine ? { event: r.event, quarantined: r.violations ?? [] } : plan ? { event: r.event, plan } : { event: r.event });
      target.notes.push(`${recent.length} event${recent.length === 1 ? '' : 's'} from ${quarantine ? 'the quarantine' : 'the events stored'} of Source "${source}" at ${url}`);
    }
    if (plan) target.notes.push(`events come from Source "${source}": TrackingPlan ${plan.name} checks them first`);
    const report = await previewEvents(target, inputs, refused);
    const text = output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report);
    io.stdout(redact(text, target.compiled.secrets, Number.MAX_SAFE_INTEGER));
    return 0;
  } catch (err) {
    if (err instanceof PreviewSetupError || err instanceof PreviewInputError) {
      io.stderr(`sluice preview: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    target?.compiled.transform.dispose?.();
    await target?.compiled.client.close?.();
  }
}

async function readInput(file: string, io: PreviewIo): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new PreviewInputError(`reading events from ${file}: not a file`);
    if (s.size > MAX_INPUT_BYTES) throw new PreviewInputError(`reading events from ${file}: ${s.size} bytes; at most ${MAX_INPUT_BYTES} are read`);
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof PreviewInputError) throw err;
    throw new PreviewInputError(`reading events from ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_INPUT_BYTES) throw new PreviewInputError(`reading events from stdin: more than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface RecentAnswer {
  events: Array<{ event: SegmentEvent; violations?: Violation[] }>;
}

async function fetchRecent(base: string, source: string, n: number, from: 'accepted' | 'quarantine'): Promise<RecentAnswer['events']> {
  let url: URL;
  try {
    url = new URL('/events/recent', base);
  } catch {
    throw new PreviewInputError(`--url "${base}" is not a URL; e.g. ${DEFAULT_URL}`);
  }
  url.search = new URLSearchParams({ source, n: String(n), from }).toString();
  const where = `reading recent events from ${url.origin}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new PreviewInputError(`${where}: ${reason}; is 'sluice run' serving there? (set --url)`);
  }
  const body = await res.text();
  if (!res.ok) {
    let detail = body.slice(0, 300);
    try {
      const error = (JSON.parse(body) as { error?: unknown }).error;
      if (typeof error === 'string') detail = error;
    } catch {
      // not JSON: show the text
    }
    throw new PreviewInputError(`${where}: HTTP ${res.status}: ${detail}`);
  }
  try {
    const parsed = JSON.parse(body) as RecentAnswer;
    if (!Array.isArray(parsed.events)) throw new Error('no events list');
    return parsed.events.filter((e) => typeof e === 'object' && e !== null && typeof e.event === 'object' && e.event !== null).reverse();
  } catch (err) {
    throw new PreviewInputError(`${where}: unexpected answer: ${(err as Error).message}`);
  }
}
