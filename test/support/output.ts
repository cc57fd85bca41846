/** Keeps the last `limit` characters of a stream's text, so a chatty process cannot exhaust memory. */
export class OutputTail {
  private text = '';
  private dropped = 0;
  private readonly limit: number;

  constructor(limit = 256 * 1024) {
    this.limit = limit;
  }

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.limit) {
      const cut = this.text.length - this.limit;
      this.dropped += cut;
      this.text = this.text.slice(cut);
    }
  }

  toString(): string {
    return this.dropped > 0 ? `[… ${this.dropped} characters dropped]\n${this.text}` : this.text;
  }

  /** The last `lines` lines, for error messages. */
  tail(lines = 40): string {
    return this.text.split('\n').slice(-lines).join('\n');
  }
}
