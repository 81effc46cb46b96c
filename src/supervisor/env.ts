// A service's environment: the container's, then its env_file(s), then env:.
import { readFileSync } from 'node:fs';

export type EnvResult = { kind: 'ok'; env: Record<string, string> } | { kind: 'error'; reason: string };

// KEY=VALUE lines; blank lines and #comments skipped; `export ` allowed;
// single quotes literal, double quotes with \n \" \\ escapes. Pure.
export type EnvFileParse = { kind: 'ok'; env: Record<string, string> } | { kind: 'error'; line: number; reason: string };

export function parseEnvFile(text: string): EnvFileParse {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(raw);
    if (!m) return { kind: 'error', line: i + 1, reason: 'expected KEY=VALUE' };
    out[m[1]!] = unquote(m[2]!);
  }
  return { kind: 'ok', env: out };
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  const hash = v.search(/\s#/);
  return (hash >= 0 ? v.slice(0, hash) : v).trim();
}

export function buildServiceEnv(base: NodeJS.ProcessEnv, envFiles: string[], env: Record<string, string>): EnvResult {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) out[k] = v;
  for (const file of envFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return { kind: 'error', reason: `cannot read env_file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
    const parsed = parseEnvFile(text);
    if (parsed.kind === 'error') return { kind: 'error', reason: `${file}:${parsed.line}: ${parsed.reason}` };
    Object.assign(out, parsed.env);
  }
  Object.assign(out, env);
  return { kind: 'ok', env: out };
}
