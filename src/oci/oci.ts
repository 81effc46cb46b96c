// Replaced by the real implementation of pidone oci wrap/unwrap.
export async function runOci(_args: readonly string[]): Promise<number> {
  process.stderr.write('pidone: oci is not available in this build\n');
  return 2;
}
