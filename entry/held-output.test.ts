import { describe, expect, it } from 'vitest';
import { HeldOutput, type Stream } from './held-output.ts';

function flushed(h: HeldOutput): { stream: Stream; text: string }[] {
  const out: { stream: Stream; text: string }[] = [];
  h.flush((stream, text) => out.push({ stream, text }), 'chatty.ts');
  return out;
}

describe('HeldOutput: a file’s console block under --jobs', () => {
  it('gives back every line in order while under the cap', () => {
    const h = new HeldOutput(100, 100);
    h.push('out', 'header');
    h.push('err', 'layer says hi');
    h.push('out', 'summary');
    expect(flushed(h)).toEqual([
      { stream: 'out', text: 'header' },
      { stream: 'err', text: 'layer says hi' },
      { stream: 'out', text: 'summary' },
    ]);
  });

  it('past the cap keeps the start and the end, and says how much it left out where it was', () => {
    const h = new HeldOutput(20, 30);
    h.push('out', 'header line'); // 12 bytes with its newline
    for (let i = 0; i < 1000; i++) h.push('err', `noise ${i}`);
    h.push('out', 'summary');
    const lines = flushed(h);
    expect(lines[0]).toEqual({ stream: 'out', text: 'header line' });
    expect(lines[lines.length - 1]).toEqual({ stream: 'out', text: 'summary' });
    const notice = lines.find((l) => l.text.startsWith('check-layer:'))!;
    expect(notice.stream).toBe('err');
    expect(notice.text).toMatch(/^check-layer: \d+ lines \(0\.0 MB\) of chatty\.ts's console output left out here/);
    const kept = lines.reduce((n, l) => n + (l.text.startsWith('noise') ? 1 : 0), 0);
    const dropped = Number(/(\d+) lines/.exec(notice.text)![1]);
    expect(kept + dropped).toBe(1000);
    // Held: at most the two caps' worth.
    expect(lines.filter((l) => l !== notice).reduce((n, l) => n + l.text.length + 1, 0)).toBeLessThanOrEqual(50);
  });
});
