/**
 * Which addresses are a team's mailbox rather than a person's: drafting writes no sequence to
 * those (a run's drafting of the directory's `accounts@` is in test/e2e/local-run.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { roleAddress } from '#core/leads/role-address.ts';

describe('roleAddress', () => {
  it("names RFC 2142's mailboxes and the team inboxes companies keep", () => {
    for (const email of ['info@acme.com', 'sales@acme.com', 'support@acme.com', 'postmaster@acme.com', 'abuse@acme.com', 'webmaster@acme.com', 'accounts@acme.com', 'billing@acme.com', 'hello@acme.com', 'careers@acme.com']) {
      expect(roleAddress(email), email).toBe(email.split('@')[0]);
    }
  });

  it('reads a local part made only of role words, in any case and with any separator, a +tag or a number', () => {
    expect(roleAddress('Accounts.Payable@acme.com')).toBe('accounts.payable');
    expect(roleAddress('customer-service@acme.com')).toBe('customer-service');
    expect(roleAddress('sales_team@acme.com')).toBe('sales_team');
    expect(roleAddress('sales2@acme.com')).toBe('sales2');
    expect(roleAddress('info+leads@acme.com')).toBe('info');
    // words a mailbox name runs together: no-reply is noreply
    expect(roleAddress('no-reply@acme.com')).toBe('no-reply');
    expect(roleAddress('do-not-reply@acme.com')).toBe('do-not-reply');
  });

  it("leaves a person's address alone, also one that shares a word with a role", () => {
    for (const email of ['dana.ruiz@acme.com', 'dev.patel@acme.com', 'bill@acme.com', 'mark.sales@acme.com', 'jsmith@acme.com', 'info.kim@acme.com', 'a@acme.com', '42@acme.com']) {
      expect(roleAddress(email), email).toBeUndefined();
    }
  });

  it('answers nothing for a string that is not an address', () => {
    expect(roleAddress('info')).toBeUndefined();
    expect(roleAddress('@acme.com')).toBeUndefined();
  });
});
