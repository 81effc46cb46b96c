// user:/group: names to numeric ids, from /etc/passwd and /etc/group as a
// container has them (no NSS). Parsing is pure; reading the files is not.
import { readFileSync } from 'node:fs';
import { MAX_ID } from '../core/ids';

export interface Identity { uid: number; gid: number; groups: number[] }

export type IdentityResult = { kind: 'ok'; identity: Identity } | { kind: 'error'; reason: string };

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'))
    .filter((f) => f.length >= 4).map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'))
    .filter((f) => f.length >= 3).map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

export function resolveIdentity(user: string, group: string | null, passwd: PasswdEntry[], groups: GroupEntry[]): IdentityResult {
  const isNum = (s: string): boolean => /^\d+$/.test(s);
  for (const [what, id] of [['user', user], ['group', group]] as const) {
    if (id !== null && isNum(id) && Number(id) > MAX_ID) return { kind: 'error', reason: `${what} id ${id} is out of range 0-${MAX_ID}` };
  }
  const entry = isNum(user) ? passwd.find((p) => p.uid === Number(user)) : passwd.find((p) => p.name === user);
  if (!entry && !isNum(user)) return { kind: 'error', reason: `user "${user}" is not in /etc/passwd; use a numeric uid or add the user to the image` };
  const uid = entry ? entry.uid : Number(user);
  let gid: number;
  if (group === null) {
    gid = entry ? entry.gid : uid;
  } else if (isNum(group)) {
    gid = Number(group);
  } else {
    const g = groups.find((x) => x.name === group);
    if (!g) return { kind: 'error', reason: `group "${group}" is not in /etc/group; use a numeric gid or add the group to the image` };
    gid = g.gid;
  }
  const name = entry?.name;
  const supplementary = name ? groups.filter((g) => g.members.includes(name)).map((g) => g.gid) : [];
  return { kind: 'ok', identity: { uid, gid, groups: [gid, ...supplementary.filter((g) => g !== gid)] } };
}

export function lookupIdentity(user: string, group: string | null): IdentityResult {
  return resolveIdentity(user, group, parsePasswd(readOrEmpty('/etc/passwd')), parseGroup(readOrEmpty('/etc/group')));
}

function readOrEmpty(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}
