/** Method-name globs of the control API: `*` any run of characters, `?` one; case-insensitive, whole name. */
const cache = new Map<string, RegExp>();

export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re;
}

export function globMatches(glob: string | undefined, name: string): boolean {
  return glob === undefined || glob === '' || globRegExp(glob).test(name);
}
