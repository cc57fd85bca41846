export const REDACTED = '[redacted]';

/**
 * Scrubs secret values from text bound for Events, status messages and logs. Controllers
 * remember every secret value they read (write keys, credentials); anything shorter than
 * `minLength` is ignored, since masking "a" or "1" would garble every message.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private readonly max: number;
  private readonly minLength: number;

  constructor(opts: { max?: number; minLength?: number } = {}) {
    this.max = opts.max ?? 10_000;
    this.minLength = opts.minLength ?? 4;
  }

  /** Remembers `value` and its base64 form (how a Secret's data carries it). */
  remember(value: string): void {
    for (const v of [value, Buffer.from(value, 'utf8').toString('base64')]) {
      if (v.length < this.minLength || this.values.has(v)) continue;
      if (this.values.size >= this.max) {
        const oldest = this.values.values().next().value;
        if (oldest !== undefined) this.values.delete(oldest);
      }
      this.values.add(v);
    }
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a value containing another is masked whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) if (out.includes(v)) out = out.split(v).join(REDACTED);
    return out;
  }
}
