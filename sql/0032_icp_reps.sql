-- The reps an ICP's leads are shared among (users' emails, lowercase, in the onboarding's order).
-- Empty: every user whose role is rep, or every user when none is. Drafting gives a lead's
-- sequence to the rep who already has its company (the newest sequence there that was not
-- rejected), else to the listed rep with the fewest open sequences (lambdas/core/outreach/assign-rep.ts).
ALTER TABLE icp ADD COLUMN reps text[] NOT NULL DEFAULT '{}';
-- The open sequences a workspace's reps carry, counted at each drafting.
CREATE INDEX sequence_open_rep_idx ON sequence (workspace_id, rep_email) WHERE status IN ('draft', 'approved', 'active', 'paused');
