/**
 * Reading JWS compact tokens without verifying them: base64url, and the few claims the
 * token source needs (`iat`, `exp`, `jti`). Works the same in Node and browsers.
 *
 * @module
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Whether `text` is unpadded base64url (checked without decoding it). */
export function isBase64url(text: string): boolean {
  return text.length % 4 !== 1 && BASE64URL.test(text);
}

/** The bytes of an unpadded base64url string, or `undefined` if it is not one. */
export function base64urlBytes(text: string): Uint8Array | undefined {
  if (!isBase64url(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON value a base64url part encodes, or `undefined`. */
export function base64urlJson(text: string): unknown {
  const bytes = base64urlBytes(text);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

/** Base64 of a UTF-8 string (for HTTP Basic). */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The claims of a token, unverified; `undefined` for anything that is not a JWT. */
export function peekClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  const claims = base64urlJson(parts[1]);
  return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
    ? (claims as Record<string, unknown>)
    : undefined;
}

/** A claim that must be a finite number. */
export function numberClaim(claims: Record<string, unknown> | undefined, name: string): number | undefined {
  const value = claims?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
