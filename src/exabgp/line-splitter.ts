export interface LineSplitter {
  /**
   * Takes the next chunk of a stream and returns the lines it completed, without their `\n` (or
   * `\r\n`), and how many lines it finished dropping or started dropping for being too long.
   */
  push(chunk: string): { lines: string[]; oversized: number };
}

/**
 * Splits a stream into lines in time linear in its length: a partial line is kept as a list of
 * pieces and joined once, at its newline (re-concatenating a growing buffer on every chunk costs
 * quadratic time on a long line). A line longer than `maxLineLength` characters (everything before
 * its `\n`) is counted once in `oversized` and its characters are discarded as they arrive, so
 * memory stays bounded however long it gets.
 */
export function createLineSplitter(maxLineLength: number): LineSplitter {
  let pieces: string[] = [];
  let partialLength = 0;
  let dropping = false;

  return {
    push(chunk) {
      const lines: string[] = [];
      let oversized = 0;
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf('\n', start);
        const end = newline === -1 ? chunk.length : newline;
        if (!dropping && partialLength + (end - start) > maxLineLength) {
          dropping = true;
          oversized++;
          pieces = [];
        } else if (!dropping && end > start) {
          pieces.push(chunk.slice(start, end));
          partialLength += end - start;
        }
        if (newline === -1) return { lines, oversized };
        if (!dropping) lines.push(withoutCarriageReturn(pieces.join('')));
        pieces = [];
        partialLength = 0;
        dropping = false;
        start = newline + 1;
      }
    },
  };
}

// --- internal ---

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
