// Pod volumes on the local disk. Files are written the way the kubelet's atomic writer does,
// so code that watches a mounted ConfigMap or Secret sees the same thing here as in a
// cluster: the data sits in a timestamped directory, `..data` links to it, and every
// top-level name links through `..data`; an update writes a new directory and swaps the
// `..data` link in one rename.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, unlink, writeFile, chmod } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { ProjectedFile } from './projection.ts';
import type { VolumeMount } from './types.ts';

const DATA = '..data';

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** Writes `files` into `dir` atomically (see the header), replacing what a previous call wrote. */
export async function writeAtomic(dir: string, files: ReadonlyMap<string, ProjectedFile>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${randomBytes(4).toString('hex')}`;
  const staged = join(dir, stamp);
  await mkdir(staged);
  for (const [path, f] of files) {
    const file = join(staged, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, f.data);
    // writeFile's mode goes through the umask; the volume's mode must not.
    await chmod(file, f.mode);
  }
  const previous = await readlink(join(dir, DATA)).catch(() => undefined);
  const tmpLink = join(dir, `${DATA}_tmp`);
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  await rename(tmpLink, join(dir, DATA));
  const tops = new Set([...files.keys()].map((p) => p.split('/')[0]!));
  for (const top of tops) {
    if (!(await exists(join(dir, top)))) await symlink(join(DATA, top), join(dir, top));
  }
  for (const entry of await readdir(dir)) {
    if (entry.startsWith('..') || tops.has(entry)) continue;
    const st = await lstat(join(dir, entry));
    if (st.isSymbolicLink()) await unlink(join(dir, entry));
  }
  if (previous && previous !== stamp) await rm(join(dir, previous), { recursive: true, force: true });
}

/**
 * Makes `root + mountPath` lead to each mounted volume (or its subPath) through a symbolic
 * link, so the container's paths exist under its root. Idempotent (restarts reuse it).
 */
export async function linkMounts(root: string, mounts: readonly VolumeMount[], volumeDir: (name: string) => string | undefined): Promise<void> {
  await mkdir(root, { recursive: true });
  // Parents before children, so a mount inside another mount lands in that volume.
  const sorted = [...mounts].sort((a, b) => a.mountPath.length - b.mountPath.length);
  for (const m of sorted) {
    const path = posix.normalize(m.mountPath);
    if (!path.startsWith('/') || path === '/') throw new Error(`mounting volume "${m.name}": mountPath "${m.mountPath}" must be an absolute path below /`);
    const vol = volumeDir(m.name);
    if (!vol) throw new Error(`mounting volume "${m.name}" at ${m.mountPath}: the Pod has no such volume`);
    const sub = m.subPath ?? '';
    if (sub.split('/').includes('..') || sub.startsWith('/')) throw new Error(`mounting volume "${m.name}": subPath "${sub}" leaves the volume`);
    const target = sub ? join(vol, sub) : vol;
    // A subPath into an emptyDir or claim that does not exist yet is created, as the kubelet does.
    if (sub && !(await exists(target))) await mkdir(target, { recursive: true });
    const link = root + path.replace(/\/$/, '');
    if (await exists(link)) continue;
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, link);
  }
}
