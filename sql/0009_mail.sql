-- Sending: what every outgoing message must carry that the onboarding did not hold yet.
--
-- The seller's postal address goes in every commercial email's footer (CAN-SPAM, 15 U.S.C.
-- 7704(a)(5)(A)(iii): "a valid physical postal address of the sender"). Nullable: workspaces
-- onboarded before it existed keep working for research and drafting; sending refuses to compose
-- without it and says which onboarding field to fill.
ALTER TABLE seller_company ADD COLUMN postal_address text
  CHECK (postal_address IS NULL OR length(trim(postal_address)) BETWEEN 5 AND 500);
