/**
 * The page frame and small helpers every page uses. Markup is written with hono/html's `html`
 * tagged template, which escapes every interpolated string (element text and attribute values:
 * `& < > " '`) and leaves nested `html` fragments as they are; `raw` is never given untrusted text.
 * One stylesheet and one script, both from /static: the Content-Security-Policy allows no inline
 * script or style.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { WebSession } from './sessions.ts';

/** A fragment of markup from `html`. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const NAV = [
  { href: '/review', label: 'Review queue' },
  { href: '/inbox', label: 'Inbox' },
  { href: '/leads', label: 'Leads' },
  { href: '/runs', label: 'Runs' },
  { href: '/team', label: 'Team' },
  { href: '/suppressions', label: 'Suppression list' },
  { href: '/onboarding', label: 'Onboarding' },
] as const;

/** A whole page: header with navigation and sign-out, the main content under its h1. */
export function page(options: { title: string; session: WebSession | null; current?: string; notice?: Html | null; error?: string | null }, body: Html): Html {
  const { title, session, current } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Prospector</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <span class="brand">Prospector</span>
  ${session
    ? html`<nav aria-label="Main"><ul>${NAV.map((n) => html`<li><a href="${n.href}"${current === n.href ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul></nav>
  <div class="who"><span>${session.workspaceName} · ${session.email}</span>
    <form method="post" action="/logout">${csrfField(session)}<button type="submit" class="link">Sign out</button></form></div>`
    : ''}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${options.error ? html`<div class="error" role="alert"><p>${options.error}</p></div>` : ''}
${options.notice ?? ''}
${body}
</main>
</body>
</html>`;
}

/** The hidden field every state-changing form carries (checked against the session's token). */
export function csrfField(session: WebSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A status notice (announced politely by screen readers). */
export function notice(text: string): Html {
  return html`<div class="notice" role="status"><p>${text}</p></div>`;
}

/** The URL if it is http(s), else null: nothing else becomes a link. */
export function httpUrl(value: string): string | null {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A link to an external page, or the text itself when it is not an http(s) URL. */
export function externalLink(url: string, label: string = url): Html {
  const safe = httpUrl(url);
  return safe ? html`<a href="${safe}" rel="noopener noreferrer nofollow" target="_blank">${label}</a>` : html`<span>${label}</span>`;
}

export const shortId = (id: string) => id.slice(0, 8);
export const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '–');
export const num = (x: number) => x.toLocaleString('en-US');
export const usd = (x: number) => `$${x.toFixed(4)}`;
