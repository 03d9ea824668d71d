/**
 * Role addresses: mailboxes that belong to a function, not to a person. RFC 2142 reserves some
 * (`info@`, `sales@`, `support@`, `postmaster@`, `abuse@`, `webmaster@`...); every company adds
 * its team inboxes (`accounts@`, `billing@`, `hello@`, `careers@`). A lead directory returns them
 * when it has no named contact for a company.
 *
 * A personal sequence to one reads wrong ("Hi Accounts,", a LinkedIn connection note to a
 * mailbox) and lands on a shared inbox or a distribution list, where one reader marking it as
 * spam speaks for everyone on it: mailbox providers weigh complaints from such lists, and email
 * verification services grade role addresses "risky" for cold outreach for that reason. So the
 * company is researched as usual (the research is what a rep needs to find the right person), and
 * drafting records why the lead gets no sequence instead of writing one.
 *
 * The test is on the local part only, so it names no one by mistake: split at `.`, `-` and `_`
 * (a `+tag` and trailing digits dropped), it is a role address when every part is a role word
 * (`accounts.payable`, `customer-service`, `sales2`) or the parts joined are one (`no-reply`).
 * `dev.patel@` and `bill@` are people; a person who reads `info@` alone is not seen, which is the
 * safe side.
 */

/** Words that make a local part a mailbox for a function (RFC 2142 section 3-5, and common team inboxes). */
const ROLE_WORDS: ReadonlySet<string> = new Set([
  // RFC 2142: business, network operations and support service mailboxes
  'info', 'marketing', 'sales', 'support', 'abuse', 'noc', 'security', 'postmaster', 'hostmaster', 'usenet', 'news', 'webmaster', 'www', 'uucp', 'ftp',
  // administration and mail plumbing
  'admin', 'administrator', 'root', 'sysadmin', 'it', 'helpdesk', 'help', 'mailer', 'daemon', 'bounce', 'bounces', 'noreply', 'donotreply', 'list', 'lists', 'newsletter', 'subscribe', 'unsubscribe',
  // finance
  'accounts', 'account', 'accounting', 'payable', 'payables', 'receivable', 'receivables', 'ap', 'ar', 'billing', 'invoice', 'invoices', 'finance', 'payments', 'payroll', 'purchasing', 'procurement', 'orders', 'order',
  // the front door
  'contact', 'contactus', 'enquiries', 'enquiry', 'inquiries', 'inquiry', 'hello', 'office', 'reception', 'general', 'mail', 'team', 'all', 'everyone', 'staff', 'feedback', 'service', 'services', 'customer', 'customers', 'customerservice', 'care', 'success',
  // people, press, partners, legal
  'hr', 'jobs', 'careers', 'recruiting', 'recruitment', 'talent', 'press', 'media', 'pr', 'partners', 'partnerships', 'legal', 'privacy', 'compliance', 'investors', 'ir', 'events', 'operations', 'ops',
]);

/**
 * The role the address's local part names (`accounts.payable` for `Accounts.Payable+x@acme.com`),
 * or `undefined` for an address that may be a person's. `email` is a lead's normalised address.
 */
export function roleAddress(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = email.slice(0, at).toLowerCase().replace(/\+.*$/, '');
  const parts = local
    .split(/[._-]+/)
    .map((p) => p.replace(/\d+$/, ''))
    .filter((p) => p.length > 0);
  if (parts.length === 0) return undefined;
  return parts.every((p) => ROLE_WORDS.has(p)) || ROLE_WORDS.has(parts.join('')) ? local : undefined;
}
