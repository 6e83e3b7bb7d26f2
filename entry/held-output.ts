/**
 * A file's console block under `--jobs`, held until the file ends so blocks never mix, with a cap:
 * a layer that prints without end would otherwise be held in memory whole. Up to `headBytes` from
 * the start and `tailBytes` from the end are kept (the header and the first checks; the last checks
 * and the summary); what lies between is left out, and one line on stderr says how much. The
 * reports hold every check whatever the console dropped.
 */
export type Stream = 'out' | 'err';

export const HEAD_BYTES = 256 * 1024;
export const TAIL_BYTES = 768 * 1024;

export class HeldOutput {
  private readonly head: { stream: Stream; text: string }[] = [];
  private readonly tail: { stream: Stream; text: string }[] = [];
  private headSize = 0;
  private tailSize = 0;
  private droppedLines = 0;
  private droppedBytes = 0;

  constructor(
    private readonly headBytes = HEAD_BYTES,
    private readonly tailBytes = TAIL_BYTES,
  ) {}

  push(stream: Stream, text: string): void {
    const size = Buffer.byteLength(text) + 1;
    if (this.tail.length === 0 && this.headSize + size <= this.headBytes) {
      this.head.push({ stream, text });
      this.headSize += size;
      return;
    }
    this.tail.push({ stream, text });
    this.tailSize += size;
    while (this.tailSize > this.tailBytes && this.tail.length > 1) {
      const gone = this.tail.shift()!;
      const goneSize = Buffer.byteLength(gone.text) + 1;
      this.tailSize -= goneSize;
      this.droppedLines++;
      this.droppedBytes += goneSize;
    }
  }

  /** Writes what was kept, in order, with the line about what was left out where it was. */
  flush(write: (stream: Stream, text: string) => void, file: string): void {
    for (const b of this.head) write(b.stream, b.text);
    if (this.droppedLines > 0) {
      const mb = (this.droppedBytes / (1024 * 1024)).toFixed(1);
      write(
        'err',
        `check-layer: ${this.droppedLines} lines (${mb} MB) of ${file}'s console output left out here (--jobs holds at most ${Math.round((this.headBytes + this.tailBytes) / 1024)} KB a file); its reports have every check, and without --jobs nothing is held`,
      );
    }
    for (const b of this.tail) write(b.stream, b.text);
  }
}
