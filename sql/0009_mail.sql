-- Sending: what every outgoing message must carry that the onboarding did not hold yet.
--
-- The seller's postal address goes in every commercial email's footer (CAN-SPAM, 15 U.S.C.
-- 7704(a)(5)(A)(iii): "a valid physical postal address of the sender"). Nullable: workspaces
-- onboarded before it existed keep working for research and drafting; sending refuses to compose
-- without it and says which onboarding field to fill.
ALTER TABLE seller_company ADD COLUMN postal_address text
  CHECK (postal_address IS NULL OR length(trim(postal_address)) BETWEEN 5 AND 500);

-- The Message-ID the recipient actually got, when the provider replaced ours: SES overwrites
-- any Message-ID it is given with its own. Follow-ups thread on this one (In-Reply-To,
-- References) and replies are matched on it; `rfc_message_id` stays the key fixed before the
-- provider was called.
ALTER TABLE send_attempt ADD COLUMN delivered_message_id text
  CHECK (delivered_message_id IS NULL OR delivered_message_id ~ '^<[^<>@ ]+@[^<>@ ]+>$');
