/**
 * The shapes the Rust verifier parses a token's header and claims into (crates/proto's
 * `Claims`): a token whose claims do not fit is "malformed: claims do not parse", exactly
 * where the Rust verifier says so.
 *
 * @module
 */

const KINDS: readonly string[] = ['account_access', 'client_access', 'client_refresh', 'account_refresh'];

/** The protected header, as far as verification reads it. */
export interface JwsHeader {
  alg: string;
  kid?: string | null;
  typ?: string | null;
  crit?: unknown;
}

/** The claims the verifier checks (others pass through). */
export interface Claims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  nbf: number;
  exp?: number | null;
  jti: string;
  kind: string;
  scope?: string;
  status?: { status_list?: { idx: number; uri: string } };
  /** The key a DPoP-bound token is bound to (RFC 9449). */
  cnf?: { jkt?: string };
}

/** `alg` a string; `kid` and `typ` strings or absent. */
export function isJwsHeader(value: unknown): value is JwsHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const header = value as Record<string, unknown>;
  return (
    typeof header.alg === 'string' &&
    (header.kid === undefined || header.kid === null || typeof header.kid === 'string') &&
    (header.typ === undefined || header.typ === null || typeof header.typ === 'string')
  );
}

/** `at+jwt`, case-insensitive, with or without the `application/` prefix (RFC 7515 §4.1.9). */
export function isAccessType(typ: string): boolean {
  return typ.replace(/^application\//i, '').toLowerCase() === 'at+jwt';
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/** The shape of Latchkey's claims, as the Rust verifier parses them. */
export function areClaims(value: unknown): value is Claims {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const c = value as Record<string, unknown>;
  const optional = (v: unknown, ok: (v: unknown) => boolean) => v === undefined || v === null || ok(v);
  const isString = (v: unknown) => typeof v === 'string';
  return (
    isString(c.iss) &&
    isString(c.sub) &&
    isString(c.aud) &&
    isString(c.jti) &&
    Number.isInteger(c.iat) &&
    Number.isInteger(c.nbf) &&
    optional(c.exp, Number.isInteger) &&
    typeof c.kind === 'string' &&
    KINDS.includes(c.kind) &&
    (c.scope === undefined ||
      (typeof c.scope === 'string' && c.scope.split(' ').every((t) => t === '' || SCOPE_TOKEN.test(t)))) &&
    optional(c.client_id, isString) &&
    optional(c.sid, isString) &&
    optional(c.generation, (v) => Number.isInteger(v) && (v as number) >= 0) &&
    optional(c.status, isStatusClaim)
  );
}

function isStatusClaim(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const list = (value as { status_list?: unknown }).status_list;
  if (list === undefined) return true;
  if (typeof list !== 'object' || list === null) return false;
  const { idx, uri } = list as { idx?: unknown; uri?: unknown };
  return Number.isInteger(idx) && (idx as number) >= 0 && typeof uri === 'string' && /^https?:\/\//i.test(uri);
}
