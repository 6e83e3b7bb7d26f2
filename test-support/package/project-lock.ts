/**
 * A package-lock.json for a fresh project that depends on the packed check-layer tarball (and on
 * a few packages a user adds: vitest, typescript, ...), made from this repository's own lock, so
 * that `npm ci --offline` installs it from the npm cache that the repository's `npm ci` filled:
 * no registry is asked anything (npm ci with a lock fetches tarballs by their resolved URL and
 * integrity; resolving version ranges would need the registry's package documents, which
 * `npm ci` does not cache).
 *
 * The project's tree is the repository's tree cut down to what its dependencies reach: every
 * package stays at the place it has in the repository's node_modules, so each one resolves its
 * dependencies to the same copies as it does here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  optional?: boolean;
  [k: string]: unknown;
}
interface Lock {
  name?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Where Node finds `name` from the package at `at` (a lock key such as node_modules/a/node_modules/b). */
function locate(packages: Record<string, LockEntry>, at: string, name: string): string | null {
  let dir = at;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return null;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i >= 0 ? dir.slice(0, i) : '';
  }
}

export interface ProjectLockInput {
  /** The repository's package-lock.json. */
  repoLock: string;
  /** The project's package.json fields. */
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /** The packed tarball, its path from the project as written in dependencies (file:...), and its package.json. */
  tarball: { file: string; spec: string; manifest: Record<string, unknown> };
}

export function projectLock(input: ProjectLockInput): Lock {
  const repo = JSON.parse(readFileSync(input.repoLock, 'utf8')) as Lock;
  const m = input.tarball.manifest as {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    bin?: Record<string, string>;
    engines?: Record<string, string>;
    license?: string;
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(input.tarball.file)).digest('base64')}`;
  const self: LockEntry = {
    version: m.version,
    resolved: input.tarball.spec,
    integrity,
    license: m.license,
    dependencies: m.dependencies,
    peerDependencies: m.peerDependencies,
    peerDependenciesMeta: m.peerDependenciesMeta,
    bin: m.bin,
    engines: m.engines,
  };
  const packages: Record<string, LockEntry> = {
    '': {
      name: input.name,
      dependencies: input.dependencies,
      devDependencies: input.devDependencies,
    },
    [`node_modules/${m.name}`]: self,
  };
  const source = { ...repo.packages, [`node_modules/${m.name}`]: self };
  const queue: string[] = [];
  const want = (from: string, name: string, optional: boolean) => {
    const key = locate(source, from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in the repository's lock`);
    }
    if (!packages[key] || key === `node_modules/${m.name}`) {
      if (!packages[key]) {
        // dev/peer/optional flags describe the repository's tree; npm works them out for this one.
        const { dev: _d, devOptional: _o, peer: _p, ...entry } = source[key]!;
        packages[key] = entry;
      }
      queue.push(key);
    }
  };
  for (const name of Object.keys({ ...input.dependencies, ...input.devDependencies })) {
    if (name !== m.name) want('', name, false);
  }
  queue.push(`node_modules/${m.name}`);
  const seen = new Set<string>();
  while (queue.length) {
    const key = queue.shift()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const e = packages[key]!;
    for (const name of Object.keys(e.dependencies ?? {})) want(key, name, false);
    for (const name of Object.keys(e.optionalDependencies ?? {})) want(key, name, true);
    // npm installs peers too, but not optional ones (those come in only as someone's dependency).
    for (const name of Object.keys(e.peerDependencies ?? {}))
      if (e.peerDependenciesMeta?.[name]?.optional !== true) want(key, name, false);
  }
  return { name: input.name, lockfileVersion: 3, requires: true, packages } as Lock;
}
