import assert from 'node:assert/strict';

/** What one request through a tunnel answered, as a browser sees it. */
export interface Visit {
  readonly status: number;
  /** Where the tunnel sent the browser, if it redirected. */
  readonly location: string | null;
  /** The tunnel's cookie, as `name=value`, when this answer set it. */
  readonly setCookie: string | undefined;
  readonly body: string;
}

/** One request as a browser sends it: with the cookies it holds, redirects not followed. */
export async function visit(url: string, cookie?: string): Promise<Visit> {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(20_000) });
  const set = res.headers.get('set-cookie');
  return {
    status: res.status,
    location: res.headers.get('location'),
    setCookie: set ? set.split(';')[0] : undefined,
    body: await res.text(),
  };
}

/** What a browser does with a tunnel URL: trade its token for the cookie, follow the redirect, read the page. */
export async function openAsBrowser(url: string): Promise<{ cookie: string; page: Visit; path: string }> {
  const first = await visit(url);
  assert.equal(first.status, 302, first.body);
  assert.ok(first.setCookie, 'the token buys the tunnel cookie');
  const path = first.location ?? '';
  const page = await visit(new URL(path, url).toString(), first.setCookie);
  return { cookie: first.setCookie, page, path };
}
