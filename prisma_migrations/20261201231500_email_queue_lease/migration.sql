-- AlterTable
ALTER TABLE "madfam"."EmailQueue" ADD COLUMN     "claimedBy" TEXT,
ADD COLUMN     "leaseExpiresAt" TIMESTAMP(3);
