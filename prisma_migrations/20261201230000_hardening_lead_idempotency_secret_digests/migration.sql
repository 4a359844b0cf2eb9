-- Issue 14, findings 5 and 13.

-- madfam: create_lead takes an idempotency key; a retry with the same key finds this row.
ALTER TABLE "madfam"."Lead" ADD COLUMN "idempotencyKey" TEXT;
CREATE UNIQUE INDEX "Lead_idempotencyKey_key" ON "madfam"."Lead"("idempotencyKey");

-- coach: auth codes and session tokens are kept only as their SHA-256 (hex), like airbar's
-- tokens. Existing values are replaced by their digest (UserSession."authCodeUsed" follows
-- through its ON UPDATE CASCADE foreign key), so codes and tokens handed out before keep
-- working, and a value read from the table no longer does.
UPDATE "coach"."AuthCode" SET "code" = encode(sha256(convert_to("code", 'UTF8')), 'hex');
UPDATE "coach"."UserSession"
SET "sessionId" = encode(sha256(convert_to("sessionId", 'UTF8')), 'hex');
