/**
 * Normalisation of leads from the (untrusted) search provider. Everything downstream keys on
 * these values (dedupe by email, one company per domain, the homepage URL handed to the
 * fetcher), so each one has exactly one spelling and anything doubtful is refused here.
 */
import { domainToASCII } from 'node:url';
import { InvalidLeadError } from '../errors.ts';
import { parseHostLiteral } from '../net/address.ts';
import type { LeadCandidate } from '../ports.ts';

/** A lead as the pipeline stores it. */
export interface NormalizedLead {
  email: string;
  name: string;
  companyName: string;
  domain: string;
  /** The homepage: origin + `/`. */
  website: string;
  /** The job title, when the provider gave one (cleaned; null otherwise). */
  title: string | null;
}

const SHOWN_VALUE_MAX = 100;
const TEXT_FIELD_MAX = 200;

function invalid(field: string, value: unknown, problem: string): InvalidLeadError {
  const text = typeof value === 'string' ? value : String(value);
  const shown = text.length > SHOWN_VALUE_MAX ? `${text.slice(0, SHOWN_VALUE_MAX)}...` : text;
  // JSON quoting escapes control characters, so a hostile value cannot forge log lines.
  return new InvalidLeadError(`${field} ${JSON.stringify(shown)} is invalid: ${problem}`);
}

function asString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(field, value, `expected a string, got ${value === null ? 'null' : typeof value}`);
  return value;
}

// RFC 5322 dot-atom, ASCII only: quoted local parts and SMTPUTF8 mailboxes are legal but rare
// enough in B2B leads that accepting them is not worth the ambiguity.
const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// Characters that are never part of a domain; refused before domainToASCII, which would
// otherwise percent-decode (`x%2eexample`) or map them.
const NOT_DOMAIN = /[\s/\\?#@%:[\]<>"'`,;|^{}!$&()*+=~]/u;

/** ASCII form of a registrable-looking domain, or a reason it is not one. */
function toAsciiDomain(input: string): string | { problem: string } {
  if (input === '') return { problem: 'is empty' };
  // The WHATWG host parser would read numeric hosts such as `2130706433` as IPv4 addresses.
  if (parseHostLiteral(input) !== null) return { problem: 'is an IP address, not a domain' };
  if (NOT_DOMAIN.test(input) || /\p{Cc}/u.test(input)) return { problem: 'contains characters not allowed in a domain' };
  let ascii = domainToASCII(input.toLowerCase());
  if (ascii === '') return { problem: 'is not a valid (internationalised) domain name' };
  if (parseHostLiteral(ascii) !== null) return { problem: 'is an IP address, not a domain' };
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length > 253) return { problem: 'is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { problem: 'is a single-label host, not a public domain' };
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) return { problem: `has label "${bad.slice(0, 63)}" that is not letters, digits and inner hyphens (1-63 chars)` };
  if (/^\d+$/.test(labels[labels.length - 1])) return { problem: 'has a numeric top-level label' };
  return ascii;
}

/** Canonical email: trimmed, lowercase, one `@`, dot-atom local part, ASCII (punycode) domain. */
export function normalizeEmail(raw: unknown, field = 'email'): string {
  const value = asString(field, raw);
  const email = value.trim().toLowerCase();
  if (email === '') throw invalid(field, value, 'empty');
  const at = email.indexOf('@');
  if (at < 0) throw invalid(field, value, 'missing @');
  if (email.indexOf('@', at + 1) >= 0) throw invalid(field, value, 'more than one @');
  const local = email.slice(0, at);
  if (local === '') throw invalid(field, value, 'empty local part');
  if (local.length > 64) throw invalid(field, value, 'local part longer than 64 characters');
  if (!LOCAL_PART.test(local)) throw invalid(field, value, 'local part has characters or dots not allowed in an address');
  const domain = toAsciiDomain(email.slice(at + 1));
  if (typeof domain !== 'string') throw invalid(field, value, `domain ${domain.problem}`);
  const out = `${local}@${domain}`;
  if (out.length > 254) throw invalid(field, value, 'longer than 254 characters');
  return out;
}

/** Canonical company domain: lowercase ASCII, no `www.`, no trailing dot; IPs and single labels refused. */
export function normalizeDomain(raw: unknown, field = 'domain'): string {
  const value = asString(field, raw);
  const domain = toAsciiDomain(value.trim());
  if (typeof domain !== 'string') throw invalid(field, value, `domain ${domain.problem}`);
  // Repeatedly, so normalising twice gives the same answer; but never down to one label
  // (`www.com` is a domain of its own).
  let d = domain;
  while (d.startsWith('www.') && d.indexOf('.', 4) > 0) d = d.slice(4);
  return d;
}

// What the WHATWG URL parser ignores: leading/trailing C0 controls and spaces, and tabs and
// newlines anywhere. Removing them first means `java\tscript:` is seen as the scheme it is.
function stripLikeUrlParser(value: string): string {
  return value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

/** Homepage of a website: `https://` added when schemeless, only http(s), origin + `/`. */
export function normalizeWebsite(raw: unknown, field = 'website'): { url: string; domain: string } {
  const value = asString(field, raw);
  let text = stripLikeUrlParser(value);
  if (text === '') throw invalid(field, value, 'empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1].toLowerCase();
  if (scheme === undefined || (scheme.includes('.') && /^[a-z0-9.-]+:\d*(?:[/?#]|$)/i.test(text))) {
    // No scheme (or `host.example:8080`, which only looks like one): a bare host or path.
    text = text.startsWith('//') ? `https:${text}` : `https://${text}`;
  } else if (scheme !== 'http' && scheme !== 'https') {
    throw invalid(field, value, `scheme "${scheme}:" is not allowed, only http and https`);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, value, 'not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(field, value, `scheme "${url.protocol}" is not allowed, only http and https`);
  }
  if (url.username !== '' || url.password !== '') throw invalid(field, value, 'credentials in the URL are not allowed');
  const host = url.hostname.endsWith('.') ? url.hostname.slice(0, -1) : url.hostname;
  const ascii = toAsciiDomain(host);
  if (typeof ascii !== 'string') throw invalid(field, value, `host ${ascii.problem}`);
  const port = url.port === '' ? '' : `:${url.port}`;
  return { url: `${url.protocol}//${ascii}${port}/`, domain: normalizeDomain(ascii, field) };
}

function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const text = value.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  // Cut by code points so a surrogate pair is never split in half.
  const points = Array.from(text);
  return points.length > TEXT_FIELD_MAX ? points.slice(0, TEXT_FIELD_MAX).join('').trimEnd() : text;
}

/** Normalise one provider lead; throws InvalidLeadError naming the first bad field. */
export function normalizeLead(candidate: LeadCandidate): NormalizedLead {
  if (candidate === null || typeof candidate !== 'object') throw invalid('lead', candidate, 'not an object');
  const email = normalizeEmail(candidate.lead_email, 'lead_email');
  const { url, domain } = normalizeWebsite(candidate.company_website, 'company_website');
  const name = cleanText(candidate.lead_name) || email.slice(0, email.indexOf('@'));
  const companyName = cleanText(candidate.company_name) || domain;
  return { email, name, companyName, domain, website: url, title: cleanText(candidate.title) || null };
}
