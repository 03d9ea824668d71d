-- Whether an ICP drafts for a team mailbox (info@, accounts@, sales@: lambdas/core/leads/role-address.ts).
-- Off by default: a cold sequence to a shared inbox reaches no one in particular, and one reader's
-- complaint counts for all. A seller whose buyers are small firms with only a shared address turns
-- it on; such a lead then gets the sequence's emails only (no LinkedIn or call step: a mailbox has
-- no profile and no phone), greeting the team rather than a first name.
ALTER TABLE icp ADD COLUMN draft_role_addresses boolean NOT NULL DEFAULT false;
