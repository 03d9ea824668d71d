-- Who handed a draft or a suggested response over (lambdas/core/outreach/hand-over.ts): the
-- admin signed in to the web app, or `prospector reps hand-over --by EMAIL`; NULL from the
-- command line without --by. Kept as an email, like the decisions' decided_by_email, so it
-- outlives the user.
ALTER TABLE sequence ADD COLUMN handed_over_by text CHECK (handed_over_by IS NULL OR (handed_over_by = lower(handed_over_by) AND handed_over_by LIKE '%_@_%'));
ALTER TABLE reply_response ADD COLUMN handed_over_by text CHECK (handed_over_by IS NULL OR (handed_over_by = lower(handed_over_by) AND handed_over_by LIKE '%_@_%'));
