import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineSplitter } from '../../../src/exabgp/line-splitter.js';

/** Every line the splitter returns for `chunks`, pushed in order, and the oversized count summed. */
function splitAll(chunks: string[], maxLineLength = 1000): { lines: string[]; oversized: number } {
  const splitter = createLineSplitter(maxLineLength);
  const lines: string[] = [];
  let oversized = 0;
  for (const chunk of chunks) {
    const out = splitter.push(chunk);
    lines.push(...out.lines);
    oversized += out.oversized;
  }
  return { lines, oversized };
}

const kib64 = 64 * 1024;

describe('createLineSplitter', () => {
  it.each([
    ['nothing', [''], []],
    ['a line without its newline yet', ['done'], []],
    ['one line', ['done\n'], ['done']],
    ['a line split across chunks', ['do', 'n', 'e\n'], ['done']],
    ['two lines in one chunk', ['done\nerror\n'], ['done', 'error']],
    ['a newline arriving alone', ['done', '\n'], ['done']],
    ['an empty line (the text encoder ends messages with one)', ['neighbor 127.0.0.2 up\n\n'], ['neighbor 127.0.0.2 up', '']],
    ['CRLF endings', ['done\r\nerror\r', '\n'], ['done', 'error']],
    ['a carriage return inside a line', ['a\rb\n'], ['a\rb']],
    ['a line finished in a later chunk after a complete one', ['done\nerr', 'or\n'], ['done', 'error']],
  ])('returns %s', (_, chunks, expected) => {
    expect(splitAll(chunks)).toEqual({ lines: expected, oversized: 0 });
  });

  it('returns the same lines as split, wherever the chunk boundaries fall', () => {
    const text = fc.array(fc.constantFrom('a', 'b', ' ', '\n', '\r', '{', 'é', '😀'), { maxLength: 300 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 20 }), (input, cuts) => {
        const boundaries = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...boundaries].map((start, i) => input.slice(start, boundaries[i] ?? input.length));
        const complete = input.split('\n').slice(0, -1);
        expect(splitAll(chunks, 1000)).toEqual({ lines: complete.map((line) => line.replace(/\r$/, '')), oversized: 0 });
      }),
    );
  });

  describe('the length cap', () => {
    it('keeps a line exactly at the cap', () => {
      expect(splitAll(['x'.repeat(10), '\n'], 10)).toEqual({ lines: ['x'.repeat(10)], oversized: 0 });
    });

    it('drops a line one over the cap and keeps the lines around it', () => {
      expect(splitAll(['before\n', 'x'.repeat(6), 'x'.repeat(5), '\nafter\n'], 10)).toEqual({ lines: ['before', 'after'], oversized: 1 });
    });

    it('counts a dropped line once however many chunks it spans, in the push where it goes over', () => {
      const splitter = createLineSplitter(10);
      expect(splitter.push('x'.repeat(8))).toEqual({ lines: [], oversized: 0 });
      expect(splitter.push('x'.repeat(8))).toEqual({ lines: [], oversized: 1 });
      expect(splitter.push('x'.repeat(100))).toEqual({ lines: [], oversized: 0 });
      expect(splitter.push('x\nok\n')).toEqual({ lines: ['ok'], oversized: 0 });
    });

    it('counts each oversized line in one chunk', () => {
      expect(splitAll([`${'x'.repeat(11)}\n${'y'.repeat(11)}\nok\n`], 10)).toEqual({ lines: ['ok'], oversized: 2 });
    });
  });

  describe('cost', () => {
    // Re-concatenating the partial line on every chunk took 46 s of CPU for this input (finding 10);
    // linear work takes a few milliseconds, so 2 s can only be missed by a quadratic splitter.
    const fortyMiB = 40 * 1024 * 1024;
    const chunk = 'x'.repeat(kib64);

    it('drops a 40 MiB line without a newline, pushed in 64 KiB chunks, in linear time', () => {
      const splitter = createLineSplitter(1024 * 1024);
      const started = performance.now();
      let oversized = 0;
      for (let sent = 0; sent < fortyMiB; sent += kib64) oversized += splitter.push(chunk).oversized;
      const after = splitter.push('\ndone\n');
      expect(performance.now() - started).toBeLessThan(2000);
      expect({ oversized, lines: after.lines }).toEqual({ oversized: 1, lines: ['done'] });
    });

    it('assembles a 40 MiB line under a higher cap, pushed in 64 KiB chunks, in linear time', () => {
      const splitter = createLineSplitter(fortyMiB);
      const started = performance.now();
      for (let sent = 0; sent < fortyMiB; sent += kib64) splitter.push(chunk);
      const { lines } = splitter.push('\n');
      expect(performance.now() - started).toBeLessThan(2000);
      expect(lines.map((line) => line.length)).toEqual([fortyMiB]);
    });
  });
});
