// OpenID Connect sign-in (issue 19.1): authorisation code flow with PKCE (S256), state and nonce, through the
// certified relying-party library openid-client (discovery, ID token signature, iss/aud/exp/nonce checks).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { oidcLoginStates } from '../../db/schema.ts';
import type { Db } from '../../platform/db.ts';
import type { OidcConfig } from '../../platform/config.ts';
import { AppError, badRequest } from '../../platform/errors.ts';
import type { ExternalIdentity } from './sso.service.ts';

/** How long the browser has between leaving for the provider and coming back. */
const LOGIN_STATE_TTL_MS = 10 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Where to go after signing in: a path of this site only. `//evil.example`, `/\evil.example`, absolute URLs and
 * anything with control characters are refused (an open redirect would let a phishing link end on a look-alike site
 * after a genuine sign-in).
 */
export function safeReturnTo(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '/';
  if (raw.length > 1000 || !raw.startsWith('/') || raw.startsWith('//') || /[\\\s\p{Cc}]/u.test(raw)) {
    throw badRequest('unsafe_return_to', 'returnTo: must be a path on this site (starting with a single "/")', [{ field: 'querystring.returnTo', message: 'must be a path on this site' }]);
  }
  // what a browser would make of it, resolved against a dummy origin: it must stay on that origin
  const u = new URL(raw, 'http://rvi.invalid');
  if (u.origin !== 'http://rvi.invalid') throw badRequest('unsafe_return_to', 'returnTo: must be a path on this site', [{ field: 'querystring.returnTo', message: 'must be a path on this site' }]);
  return u.pathname + u.search + u.hash;
}

const refused = (code: string, status: number, message: string) => new AppError(code, status, message);

/** A value of a claim by dotted path (`realm_access.roles`), or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let v: unknown = claims;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).filter((x): x is string | number => typeof x === 'string' || typeof x === 'number').map(String);

/**
 * The relying party of one configured provider. Discovery runs at the first sign-in (and again after a failure), so
 * a provider that is down at start does not stop the server; password logins never depend on it.
 */
export class OidcSignIn {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(readonly cfg: OidcConfig) {}

  /** The provider's discovered configuration (cached; discovered again after a failure). */
  discover(): Promise<oidc.Configuration> {
    this.configuration ??= oidc.discovery(
      new URL(this.cfg.issuer), this.cfg.clientId, this.cfg.clientSecret ?? undefined,
      this.cfg.clientSecret ? oidc.ClientSecretBasic(this.cfg.clientSecret) : oidc.None(),
      // plain http is accepted only for a loopback issuer (config.ts refuses it for any other host)
      { timeout: 10, execute: this.cfg.allowInsecureHttp ? [oidc.allowInsecureRequests] : [] },
    ).catch((err: unknown) => {
      this.configuration = null;
      throw new AppError('sso_unavailable', 502, `The identity provider cannot be reached (${err instanceof Error ? err.message : String(err)}); try again, or sign in with a password if you have one`);
    });
    return this.configuration;
  }

  /**
   * Starts a sign-in: a fresh state, nonce and PKCE verifier stored server-side under the hash of a random browser
   * binding (the caller puts it in a short-lived HTTP-only cookie), and the provider's authorisation URL.
   */
  async start(db: Db, returnTo: string | undefined): Promise<{ binding: string; url: string }> {
    const target = safeReturnTo(returnTo);
    const configuration = await this.discover();
    const binding = randomBytes(32).toString('base64url');
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const now = Date.now();
    await db.delete(oidcLoginStates).where(lt(oidcLoginStates.expiresAt, new Date(now)));
    await db.insert(oidcLoginStates).values({ id: sha256(binding), state, nonce, codeVerifier, returnTo: target, expiresAt: new Date(now + LOGIN_STATE_TTL_MS) });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.cfg.redirectUrl, scope: this.cfg.scopes, state, nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    return { binding, url: url.href };
  }

  /**
   * The provider sent the browser back. The login in progress is the one bound to this browser (single use, deleted
   * whatever happens next); the `state` must be its own, then openid-client exchanges the code with the PKCE verifier
   * and checks the ID token (signature, issuer, audience, expiry, nonce). Userinfo claims complete the ID token's.
   */
  async finish(db: Db, binding: string | undefined, query: Record<string, string | undefined>): Promise<{ identity: ExternalIdentity; returnTo: string; factorSatisfied: boolean }> {
    if (!binding || binding.length > 100) throw refused('sso_no_login', 400, 'No sign-in was started in this browser (or its cookie expired): start again from the login page');
    const [row] = await db.delete(oidcLoginStates).where(eq(oidcLoginStates.id, sha256(binding))).returning();
    if (!row || row.expiresAt.getTime() <= Date.now()) throw refused('sso_login_expired', 400, 'This sign-in took too long or was already used: start again from the login page');
    if (query.error) throw refused('sso_denied', 401, `The identity provider refused the sign-in (${String(query.error).slice(0, 100)})`);
    const state = query.state ?? '';
    const a = Buffer.from(state);
    const b = Buffer.from(row.state);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw refused('sso_state_mismatch', 400, 'The answer from the identity provider does not belong to the sign-in started in this browser');
    const configuration = await this.discover();
    const currentUrl = new URL(this.cfg.redirectUrl);
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string') currentUrl.searchParams.set(k, v);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: row.codeVerifier, expectedState: row.state, expectedNonce: row.nonce, idTokenExpected: true,
      });
    } catch (err) {
      throw refused('sso_token_refused', 401, `The sign-in could not be completed with the identity provider (${err instanceof Error ? err.message : String(err)})`);
    }
    const idClaims = tokens.claims() as Record<string, unknown> | undefined;
    if (!idClaims) throw refused('sso_token_refused', 401, 'The identity provider returned no ID token');
    let userinfo: Record<string, unknown> = {};
    if (configuration.serverMetadata().userinfo_endpoint && tokens.access_token) {
      try {
        userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, String(idClaims.sub)) as Record<string, unknown>;
      } catch (err) {
        throw refused('sso_token_refused', 401, `The identity provider's userinfo could not be read (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    // the signed ID token wins where both say something
    const claims = { ...userinfo, ...idClaims };
    const username = strings(claimAt(claims, this.cfg.usernameClaim))[0];
    if (!username) throw refused('sso_username_missing', 403, `The identity provider sent no "${this.cfg.usernameClaim}" claim to name the account`);
    const roleValues = strings(claimAt(claims, this.cfg.roleClaim));
    const officeValue = strings(claimAt(claims, this.cfg.officeClaim))[0] ?? null;
    const amr = strings(idClaims.amr);
    const kept: Record<string, unknown> = {
      iss: idClaims.iss, sub: idClaims.sub, [this.cfg.usernameClaim]: username, [this.cfg.roleClaim]: roleValues,
      [this.cfg.officeClaim]: officeValue, amr, acr: idClaims.acr ?? null, auth_time: idClaims.auth_time ?? null,
    };
    return {
      identity: {
        provider: 'oidc', subject: `${String(idClaims.iss)} ${String(idClaims.sub)}`, username,
        displayName: strings(claims.name)[0] ?? username, email: strings(claims.email)[0] ?? null,
        roleValues, officeValue, claims: kept,
      },
      returnTo: row.returnTo,
      // default: the provider's authentication never stands in for customs-rvi's second factor (RVI_OIDC_MFA_AMR)
      factorSatisfied: this.cfg.mfaAmr.length > 0 && amr.some((v) => this.cfg.mfaAmr.includes(v)),
    };
  }
}

/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): where to send the browser so the provider ends its
 * own session too (else the next "Sign in with …" would pass straight through without a password). The provider
 * identifies us by client_id and sends the browser back to RVI_OIDC_POST_LOGOUT_URL, which must be registered there.
 * Null when the provider publishes no end_session_endpoint.
 */
export async function oidcEndSessionUrl(cfg: OidcConfig): Promise<string | null> {
  const configuration = await oidcSignInFor(cfg).discover();
  if (!configuration.serverMetadata().end_session_endpoint) return null;
  return oidc.buildEndSessionUrl(configuration, { post_logout_redirect_uri: cfg.postLogoutRedirectUrl }).href;
}

/** One relying party per configuration (the discovery result and the provider's keys are cached inside it). */
const instances = new WeakMap<OidcConfig, OidcSignIn>();
export function oidcSignInFor(cfg: OidcConfig): OidcSignIn {
  let rp = instances.get(cfg);
  if (!rp) instances.set(cfg, (rp = new OidcSignIn(cfg)));
  return rp;
}
