// Bytes in, whole lines out. A line longer than the limit is cut into pieces at
// a UTF-8 character boundary, never dropped; a partial last line comes out of
// flush(). Pure.
export const MAX_LINE_BYTES = 16 * 1024;

export interface LineSplitter {
  push(chunk: Buffer): Buffer[];
  flush(): Buffer[];
}

export function makeLineSplitter(maxBytes = MAX_LINE_BYTES): LineSplitter {
  let pending: Buffer = Buffer.alloc(0);

  function cut(buf: Buffer, out: Buffer[]): Buffer {
    let rest = buf;
    while (rest.length > maxBytes) {
      const at = findCharBoundary(rest, maxBytes);
      out.push(rest.subarray(0, at));
      rest = rest.subarray(at);
    }
    return rest;
  }

  return {
    push(chunk) {
      const out: Buffer[] = [];
      let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        let line = buf.subarray(start, nl);
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, -1); // CRLF
        const tail = cut(line, out);
        out.push(tail);
        start = nl + 1;
      }
      buf = buf.subarray(start);
      pending = Buffer.from(cut(buf, out)); // copy: the chunk's memory is not ours to keep
      return out;
    },
    flush() {
      if (pending.length === 0) return [];
      const last = pending;
      pending = Buffer.alloc(0);
      return [last];
    },
  };
}

// The largest index <= limit that does not split a UTF-8 sequence.
function findCharBoundary(buf: Buffer, limit: number): number {
  let i = limit;
  while (i > limit - 4 && i > 0 && (buf[i]! & 0xc0) === 0x80) i -= 1;
  return i > 0 ? i : limit;
}
