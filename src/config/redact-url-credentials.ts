/**
 * `text` with any `user:password@` replaced by `***@`, for error messages and logs. Works on text
 * `new URL` refuses (a bad port, whitespace, a missing `//`), since that is exactly the text an
 * error quotes. Everything before the last `@` of the authority counts as credentials, so a path
 * holding an `@` may be hidden too: showing too little is harmless, showing a password is not.
 */
export function redactUrlCredentials(text: string): string {
  const at = text.lastIndexOf('@');
  if (at === -1) return text;
  const slashes = text.indexOf('//');
  if (slashes !== -1 && slashes < at) return `${text.slice(0, slashes + 2)}***@${text.slice(at + 1)}`;
  // A path source has no authority, and its path may hold an `@` (systemd's haproxy@name).
  if (/^(unix|file):/.test(text)) return text;
  return `***@${text.slice(at + 1)}`;
}
