// Read a supervisor config file (YAML or JSON) into a validated Config.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config } from './types';
import { ConfigError } from './errors';
import { parseJsonText, parseYamlText } from './source';
import { validateConfig } from './validate';

export { ConfigError } from './errors';
export { validateConfig } from './validate';

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file (ENOENT); pass -f PATH',
  ENOTDIR: 'a part of the path is not a folder (ENOTDIR); pass -f PATH',
  EISDIR: 'is a folder (EISDIR); pass -f PATH to a file',
  EACCES: 'permission denied (EACCES); make it readable by this user',
  EPERM: 'permission denied (EPERM); make it readable by this user',
};

export function loadConfig(path: string, _env: Record<string, string | undefined>): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const reason = READ_ERRORS[code] ?? `the system refused (${code})`;
    throw new ConfigError(`cannot read config ${path}: ${reason}`, { file: path, path: '', expected: 'a readable file' });
  }
  return parseConfigText(text, path);
}

// Pure apart from resolving `file` against `cwd`; `.json` is JSON, anything else YAML.
export function parseConfigText(text: string, file: string, cwd?: string): Config {
  const source = extname(file).toLowerCase() === '.json' ? parseJsonText(text, file) : parseYamlText(text, file);
  return validateConfig(source.data, file, { cwd, locate: source.locate });
}
