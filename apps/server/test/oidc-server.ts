// A real OpenID provider for tests: the certified `oidc-provider` package on a random loopback port, with one
// confidential client, PKCE required, and a login page of its own that checks passwords (what an administration's
// identity provider does at its interaction step). Secrets are generated per run.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  password: string;
  claims: Record<string, unknown>;
  /** Authentication methods the provider reports in the ID token (`amr`), e.g. ['pwd', 'otp']. */
  amr?: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) => new Promise<string>((resolve, reject) => {
  let s = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => { s += c; });
  req.on('end', () => resolve(s));
  req.on('error', reject);
});

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startTestIdp(redirectUri: string): Promise<TestIdp> {
  const accounts = new Map<string, TestAccount>();
  const clientId = 'customs-rvi';
  const clientSecret = randomBytes(24).toString('base64url');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, providerConfiguration(accounts, clientId, clientSecret, redirectUri));
  server.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(path);
    if (!m) { provider.callback()(req, res); return; }
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
        if (req.method === 'POST' && m[2]) {
          const form = new URLSearchParams(await readBody(req));
          const login = form.get('login') ?? '';
          const account = accounts.get(login);
          if (account && form.get('password') === account.password) {
            await provider.interactionFinished(req, res, { login: { accountId: login, amr: account.amr ?? ['pwd'] } }, { mergeWithLastSubmission: false });
            return;
          }
          res.statusCode = 401;
        }
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><form method="post" action="/interaction/${escapeHtml(details.uid)}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`);
      } catch (err) {
        res.statusCode = 400;
        res.end(String(err));
      }
    })();
  });
  return {
    issuer, clientId, clientSecret, accounts,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function providerConfiguration(accounts: Map<string, TestAccount>, clientId: string, clientSecret: string, redirectUri: string): Configuration {
  return {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
      // RP-initiated logout: back to the app's login page (customs-rvi's default RVI_OIDC_POST_LOGOUT_URL)
      post_logout_redirect_uris: [`${new URL(redirectUri).origin}/login`],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // amr in the openid scope: in the ID token of every sign-in, as Keycloak and Entra ID send it
    claims: { acr: null, auth_time: null, sid: null, iss: null, openid: ['sub', 'amr'], profile: ['name', 'preferred_username'], email: ['email'], rvi: ['roles', 'customs_office'] },
    scopes: ['openid', 'profile', 'email', 'rvi'],
    cookies: { keys: [randomBytes(32).toString('hex')] },
    async findAccount(_ctx, id) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...a.claims }) };
    },
    // a first-party client of the administration: no consent screen (the grant is given on the staff's behalf)
    async loadExistingGrant(ctx) {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      grant.addOIDCScope('openid profile email rvi');
      grant.addOIDCClaims(['roles', 'customs_office', 'preferred_username', 'name', 'email']);
      await grant.save();
      return grant;
    },
  };
}

/** A browser's cookie jar, one per host (enough for these flows: paths and expiry are not needed). */
export class CookieJar {
  private jars = new Map<string, Map<string, string>>();
  store(url: string, res: Response): void {
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.jars.set(host, jar);
  }
  header(url: string): string {
    return [...(this.jars.get(new URL(url).host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).host)?.get(name);
  }
}

/** A browser request: the jar's cookies go with it, its Set-Cookie headers are kept; redirects are not followed. */
export async function browse(jar: CookieJar, url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header(url) };
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  jar.store(url, res);
  return res;
}
