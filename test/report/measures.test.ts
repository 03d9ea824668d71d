/**
 * Outreach measures as `prospector report` shows them: per ICP and per first-touch variant, the
 * leads sent, bounced, replied and replied positively, counted from send attempts, reply labels
 * and outcomes on PGlite; and the rule that calls a winner only on samples large enough.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgliteSql } from '#adapters/pglite-sql.ts';
import { compareVariants, loadMeasures, MIN_SENT_PER_VARIANT, normalCdf, renderMeasures, twoProportionP, type MeasureRow } from '#local/report-measures.ts';
import { freshDb } from '#test/helpers/db.ts';
import { recordFirstSent, recordReply, seedApprovedLead, seedWorkspace } from '#test/helpers/sending.ts';

const row = (variant: 'a' | 'b', sent: number, replied: number, positive = 0): MeasureRow => ({ icp: 'freight', variant, angle: null, sent, bounced: 0, replied, positive, optedOut: 0 });

describe('the winner rule', () => {
  it('computes the normal distribution and the two-proportion test', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
    // 30/100 against 15/100: pooled 0.225, z = 2.54, p = 0.011
    expect(twoProportionP(30, 100, 15, 100)).toBeCloseTo(0.0111, 3);
    expect(twoProportionP(10, 100, 10, 100)).toBeCloseTo(1, 6);
  });

  it('calls a winner only with enough sends per variant, enough replies, and p < 0.05', () => {
    const small = compareVariants('freight', 'replied', row('a', 40, 12), row('b', 38, 3));
    expect(small).toMatchObject({ winner: null, pValue: null });
    expect(small.note).toBe(`too small to call a winner on the reply rate: variant a has 40 sent (needs ${MIN_SENT_PER_VARIANT}); variant b has 38 sent (needs ${MIN_SENT_PER_VARIANT})`);

    const fewReplies = compareVariants('freight', 'positive', row('a', 150, 20, 3), row('b', 150, 20, 1));
    expect(fewReplies.winner).toBeNull();
    expect(fewReplies.note).toMatch(/4 positive replies in all: fewer than 5 expected per variant/);

    const close = compareVariants('freight', 'replied', row('a', 120, 14), row('b', 110, 11));
    expect(close.winner).toBeNull();
    expect(close.note).toMatch(/^no winner on the reply rate: 11\.7% vs 10\.0%, p = 0\.\d{3}$/);

    const clear = compareVariants('freight', 'replied', row('a', 100, 15), row('b', 100, 30));
    expect(clear).toMatchObject({ winner: 'b' });
    expect(clear.note).toBe('variant b wins on the reply rate: 15.0% vs 30.0%, p = 0.011');

    expect(compareVariants('freight', 'replied', row('a', 200, 30), undefined).note).toMatch(/variant b has 0 sent/);
  });
});

describe('measures from the database', () => {
  let db: PgliteSql;
  beforeAll(async () => {
    db = await freshDb();
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('counts per ICP and variant from send attempts, reply labels and outcomes', async () => {
    const ws = await seedWorkspace(db);
    const icp = randomUUID();
    await db.query(`INSERT INTO icp (id, workspace_id, slug, name, search_keywords) VALUES (:id::uuid, :ws::uuid, 'freight', 'Freight', ARRAY['freight'])`, { id: icp, ws });
    const lead = async (name: string) => {
      const l = await seedApprovedLead(db, ws, `${name}-${randomUUID().slice(0, 8)}.example`, { variant: name.startsWith('b') ? 'b' : 'a' });
      await db.query(`UPDATE sequence SET icp_id = :icp::uuid WHERE id = :id::uuid`, { icp, id: l.seq.sequenceId });
      return l;
    };
    // variant a: four sent; one interested, one not interested, one out of office (no reply of a person)
    const a = await Promise.all(['a1', 'a2', 'a3', 'a4'].map(lead));
    for (const l of a) await recordFirstSent(db, l, 'a');
    await recordReply(db, ws, a[0], 'interested');
    await recordReply(db, ws, a[1], 'not_interested');
    await recordReply(db, ws, a[2], 'out_of_office');
    // variant b: three sent; one hard-bounced (a bounce report), one unsubscribed by reply, one
    // refused at send as a hard bounce (counted sent and bounced)
    const b = await Promise.all(['b1', 'b2', 'b3'].map(lead));
    for (const l of b.slice(0, 2)) await recordFirstSent(db, l, 'b');
    await recordReply(db, ws, b[0], 'bounce', { bounceKind: 'hard' });
    await recordReply(db, ws, b[1], 'unsubscribe');
    await recordFirstSent(db, b[2], 'b', 'failed');
    await db.query(`UPDATE sequence SET status = 'stopped', status_reason = 'bounced' WHERE id = :id::uuid`, { id: b[2].seq.sequenceId });
    // approved but never sent: not counted; and a lead with no ICP
    await lead('queued');
    const other = await seedApprovedLead(db, ws, `other-${randomUUID().slice(0, 8)}.example`);
    await recordFirstSent(db, other, 'a');

    const m = await loadMeasures(db, ws);

    expect(m.byVariant).toEqual([
      { icp: '(no ICP)', variant: 'a', angle: 'problem', sent: 1, bounced: 0, replied: 0, positive: 0, optedOut: 0 },
      { icp: 'freight', variant: 'a', angle: 'problem', sent: 4, bounced: 0, replied: 2, positive: 1, optedOut: 0 },
      { icp: 'freight', variant: 'b', angle: 'proof', sent: 3, bounced: 2, replied: 0, positive: 0, optedOut: 1 },
    ]);
    expect(m.byIcp.find((r) => r.icp === 'freight')).toMatchObject({ variant: null, sent: 7, bounced: 2, replied: 2, positive: 1, optedOut: 1 });
    expect(m.comparisons.filter((c) => c.icp === 'freight').map((c) => c.note)).toEqual([
      `too small to call a winner on the reply rate: variant a has 4 sent (needs ${MIN_SENT_PER_VARIANT}); variant b has 3 sent (needs ${MIN_SENT_PER_VARIANT})`,
      `too small to call a winner on the positive-reply rate: variant a has 4 sent (needs ${MIN_SENT_PER_VARIANT}); variant b has 3 sent (needs ${MIN_SENT_PER_VARIANT})`,
    ]);

    const html = renderMeasures(m);
    expect(html).toContain('<td>a: problem</td><td>4</td><td>0 <span class="muted small">0.0%</span></td><td>2 <span class="muted small">50.0%</span></td>');
    expect(html).toContain('<b>freight</b>: too small to call a winner on the reply rate');
  });

  it('escapes what onboarding wrote, and says when nothing has been sent', async () => {
    expect(renderMeasures({ byIcp: [], byVariant: [], comparisons: [], rule: 'r' })).toContain('No first email has been sent yet');
    const evil: MeasureRow = { ...row('a', 1, 0), icp: '<script>x</script>', angle: '<img src=x>' };
    const html = renderMeasures({ byIcp: [{ ...evil, variant: null, angle: null }], byVariant: [evil], comparisons: [], rule: 'r' });
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;');
  });
});
