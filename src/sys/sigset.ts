// sigset_t is 128 bytes on glibc and musl; treated as an opaque buffer. Bits are
// set by hand because glibc's sigfillset() leaves out 32 and 33.
export const SIGSET_BYTES = 128;

export function makeEmptySigset(): Buffer {
  return Buffer.alloc(SIGSET_BYTES);
}

export function makeFullSigset(): Buffer {
  const set = Buffer.alloc(SIGSET_BYTES);
  set.fill(0xff, 0, 8); // signals 1..64
  return set;
}

export function makeSigset(signums: readonly number[]): Buffer {
  const set = Buffer.alloc(SIGSET_BYTES);
  for (const n of signums) {
    const bit = n - 1;
    set[bit >> 3]! |= 1 << (bit & 7);
  }
  return set;
}
