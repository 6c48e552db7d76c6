/** "9.9.9.9/32" → "9.9.9.9"; the prefix is already validated. */
export function addressOfPrefix(prefix: string): string {
  return prefix.slice(0, prefix.indexOf('/'));
}
