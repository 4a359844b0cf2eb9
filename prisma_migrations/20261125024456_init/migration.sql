-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "airbar";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "churn";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "coach";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "madfam";

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "travel";

-- CreateEnum
CREATE TYPE "churn"."RiskLevel" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "churn"."OrderStatus" AS ENUM ('PENDING', 'PROCESSING', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED', 'RETURNED');

-- CreateEnum
CREATE TYPE "churn"."EventCategory" AS ENUM ('ORDER', 'ENGAGEMENT', 'SUPPORT', 'PAYMENT', 'ACCOUNT');

-- CreateEnum
CREATE TYPE "churn"."AlertPriority" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL');

-- CreateEnum
CREATE TYPE "churn"."AlertStatus" AS ENUM ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED');

-- CreateEnum
CREATE TYPE "churn"."TicketPriority" AS ENUM ('LOW', 'MEDIUM', 'HIGH', 'URGENT');

-- CreateEnum
CREATE TYPE "churn"."TicketStatus" AS ENUM ('OPEN', 'IN_PROGRESS', 'WAITING_ON_CUSTOMER', 'RESOLVED', 'CLOSED');

-- CreateEnum
CREATE TYPE "madfam"."ServiceTier" AS ENUM ('L1_ESSENTIALS', 'L2_ADVANCED', 'L3_CONSULTING', 'L4_PLATFORMS', 'L5_STRATEGIC');

-- CreateEnum
CREATE TYPE "madfam"."LeadStatus" AS ENUM ('NEW', 'CONTACTED', 'QUALIFIED', 'UNQUALIFIED', 'CONVERTED', 'LOST');

-- CreateEnum
CREATE TYPE "madfam"."LeadSource" AS ENUM ('WEBSITE', 'REFERRAL', 'SOCIAL', 'EVENT', 'DIRECT', 'OTHER');

-- CreateEnum
CREATE TYPE "madfam"."UserRole" AS ENUM ('ADMIN', 'EDITOR', 'VIEWER');

-- CreateEnum
CREATE TYPE "madfam"."AssessmentStatus" AS ENUM ('STARTED', 'COMPLETED', 'ABANDONED');

-- CreateTable
CREATE TABLE "airbar"."users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "phone" TEXT,
    "user_type" TEXT NOT NULL DEFAULT 'sender',
    "segment" TEXT NOT NULL DEFAULT 'standard',
    "persona" TEXT,
    "kyc_status" TEXT NOT NULL DEFAULT 'pending',
    "is_verified" BOOLEAN NOT NULL DEFAULT false,
    "country" TEXT NOT NULL,
    "city" TEXT,
    "timezone" TEXT,
    "referral_source" TEXT,
    "last_login_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "airbar"."profiles" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "bio" TEXT,
    "avatar_url" TEXT,
    "rating" DECIMAL(3,2),
    "rating_count" INTEGER NOT NULL DEFAULT 0,
    "completed_deliveries" INTEGER NOT NULL DEFAULT 0,
    "completed_trips" INTEGER NOT NULL DEFAULT 0,
    "packages_sent" INTEGER NOT NULL DEFAULT 0,
    "total_earnings" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "total_spent" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "preferred_airports" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "languages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "verification_level" TEXT NOT NULL DEFAULT 'email',
    "identity_verified_at" TIMESTAMPTZ(6),
    "response_rate" DOUBLE PRECISION,
    "history" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "airbar"."feature_flags" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "rollout_percentage" INTEGER NOT NULL DEFAULT 0,
    "target_segments" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metadata" JSONB,
    "season" TEXT,
    "starts_at" TIMESTAMPTZ(6),
    "ends_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "feature_flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "airbar"."user_analytics" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT,
    "session_id" TEXT,
    "event_type" TEXT NOT NULL,
    "event_name" TEXT NOT NULL,
    "page" TEXT,
    "funnel_step" TEXT,
    "traffic_source" TEXT,
    "utm_campaign" TEXT,
    "device_type" TEXT,
    "country" TEXT,
    "properties" JSONB,
    "revenue" DECIMAL(12,2),
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_analytics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "airbar"."system_health" (
    "id" TEXT NOT NULL,
    "service_name" TEXT NOT NULL,
    "service_type" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "uptime_percentage" DOUBLE PRECISION,
    "response_time_ms" INTEGER,
    "error_rate" DOUBLE PRECISION,
    "throughput" INTEGER,
    "cpu_usage" DOUBLE PRECISION,
    "memory_usage" DOUBLE PRECISION,
    "kpi_name" TEXT,
    "kpi_value" DOUBLE PRECISION,
    "region" TEXT,
    "metrics" JSONB,
    "checked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_health_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "airbar"."user_sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "token_hash" BYTEA NOT NULL,
    "device_fingerprint" TEXT NOT NULL,
    "device_type" TEXT NOT NULL,
    "device_name" TEXT,
    "os" TEXT,
    "browser" TEXT,
    "ip_address" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "city" TEXT,
    "is_trusted_device" BOOLEAN NOT NULL DEFAULT false,
    "remember_me" BOOLEAN NOT NULL DEFAULT false,
    "is_vpn" BOOLEAN NOT NULL DEFAULT false,
    "is_suspicious" BOOLEAN NOT NULL DEFAULT false,
    "suspicious_reason" TEXT,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "remember_me_expires_at" TIMESTAMPTZ(6),
    "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "revoked_at" TIMESTAMPTZ(6),
    "revoked_reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."Customer" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "firstName" TEXT NOT NULL,
    "lastName" TEXT NOT NULL,
    "phone" TEXT,
    "dateOfBirth" DATE,
    "country" TEXT,
    "city" TEXT,
    "segment" TEXT,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "totalOrders" INTEGER NOT NULL DEFAULT 0,
    "totalSpent" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "averageOrderValue" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "emailEngagementRate" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "loginFrequency" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "supportTicketCount" INTEGER NOT NULL DEFAULT 0,
    "productReturns" INTEGER NOT NULL DEFAULT 0,
    "paymentFailures" INTEGER NOT NULL DEFAULT 0,
    "discountUsageRate" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "loyaltyPoints" INTEGER NOT NULL DEFAULT 0,
    "accountAgeDays" INTEGER NOT NULL DEFAULT 0,
    "churnProbability" DOUBLE PRECISION,
    "riskLevel" "churn"."RiskLevel" NOT NULL DEFAULT 'LOW',
    "lastPredictionAt" TIMESTAMPTZ(6),
    "lastOrderAt" TIMESTAMPTZ(6),
    "lastLoginAt" TIMESTAMPTZ(6),
    "lastActivityAt" TIMESTAMPTZ(6),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."Order" (
    "id" TEXT NOT NULL,
    "orderNumber" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "status" "churn"."OrderStatus" NOT NULL DEFAULT 'PENDING',
    "paymentMethod" TEXT,
    "paymentStatus" TEXT NOT NULL DEFAULT 'pending',
    "shippingAddress" JSONB,
    "shippingMethod" TEXT,
    "trackingNumber" TEXT,
    "items" JSONB NOT NULL,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "subtotal" DECIMAL(12,2) NOT NULL,
    "tax" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "shippingCost" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "discount" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "total" DECIMAL(12,2) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "orderedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "shippedAt" TIMESTAMPTZ(6),
    "deliveredAt" TIMESTAMPTZ(6),
    "cancelledAt" TIMESTAMPTZ(6),
    "refundedAt" TIMESTAMPTZ(6),
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."CustomerEvent" (
    "id" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "orderId" TEXT,
    "category" "churn"."EventCategory" NOT NULL,
    "eventType" TEXT NOT NULL,
    "sessionId" TEXT,
    "deviceType" TEXT,
    "eventData" JSONB,
    "occurredAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."ChurnPrediction" (
    "id" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "churnProbability" DOUBLE PRECISION NOT NULL,
    "riskLevel" "churn"."RiskLevel" NOT NULL,
    "confidence" DOUBLE PRECISION,
    "featureImportance" JSONB,
    "recommendations" JSONB,
    "modelVersion" TEXT NOT NULL,
    "predictedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChurnPrediction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."Alert" (
    "id" TEXT NOT NULL,
    "customerId" TEXT,
    "type" TEXT NOT NULL,
    "priority" "churn"."AlertPriority" NOT NULL DEFAULT 'MEDIUM',
    "status" "churn"."AlertStatus" NOT NULL DEFAULT 'OPEN',
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "riskLevel" "churn"."RiskLevel",
    "eventData" JSONB,
    "acknowledgedAt" TIMESTAMPTZ(6),
    "acknowledgedBy" TEXT,
    "resolvedAt" TIMESTAMPTZ(6),
    "resolvedBy" TEXT,
    "resolution" TEXT,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."SupportTicket" (
    "id" TEXT NOT NULL,
    "ticketNumber" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "priority" "churn"."TicketPriority" NOT NULL DEFAULT 'MEDIUM',
    "status" "churn"."TicketStatus" NOT NULL DEFAULT 'OPEN',
    "channel" TEXT,
    "assignedTo" TEXT,
    "resolution" TEXT,
    "satisfactionScore" INTEGER,
    "messages" JSONB,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(6) NOT NULL,
    "firstResponseAt" TIMESTAMPTZ(6),
    "resolvedAt" TIMESTAMPTZ(6),
    "closedAt" TIMESTAMPTZ(6),

    CONSTRAINT "SupportTicket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."ModelVersion" (
    "id" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "description" TEXT,
    "accuracy" DOUBLE PRECISION,
    "precision" DOUBLE PRECISION,
    "recall" DOUBLE PRECISION,
    "f1Score" DOUBLE PRECISION,
    "auc" DOUBLE PRECISION,
    "features" JSONB NOT NULL,
    "hyperparameters" JSONB,
    "trainingDataInfo" JSONB,
    "trainingSamples" INTEGER,
    "trainedAt" TIMESTAMPTZ(6) NOT NULL,
    "deployedAt" TIMESTAMPTZ(6),
    "isActive" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModelVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "churn"."SystemMetrics" (
    "id" BIGSERIAL NOT NULL,
    "metricName" TEXT NOT NULL,
    "metricType" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "unit" TEXT,
    "tags" JSONB,
    "recordedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SystemMetrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."User" (
    "id" TEXT NOT NULL,
    "googleId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'client',
    "skoolUltraEmail" TEXT,
    "skoolVagusEmail" TEXT,
    "ultraSubscriptionStatus" TEXT,
    "vagusSubscriptionStatus" TEXT,
    "lastSkoolSync" TIMESTAMP(3),
    "membershipEndDate" TIMESTAMP(3),
    "membershipWarningShown" BOOLEAN NOT NULL DEFAULT false,
    "skoolProfileUrl" TEXT,
    "skoolProfilePhotoUrl" TEXT,
    "profilePhotoPath" TEXT,
    "skoolBio" TEXT,
    "skoolJoinedDate" TIMESTAMP(3),
    "lastPhotoSync" TIMESTAMP(3),
    "isAvailable" BOOLEAN NOT NULL DEFAULT false,
    "coachLevel" INTEGER,
    "coachName" TEXT,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."Profile" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "bioJson" JSONB,
    "clientFacts" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "challenges" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "preferences" JSONB,
    "lastSummary" TEXT,
    "contextNotes" TEXT,
    "onboardingCompleted" BOOLEAN NOT NULL DEFAULT false,
    "onboardingCompletedAt" TIMESTAMP(3),
    "intakeCoachingGoals" TEXT,
    "intakeSymptoms" TEXT,
    "intakeInitialMood" INTEGER,

    CONSTRAINT "Profile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."Session" (
    "id" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "appointmentId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),
    "durationMinutes" INTEGER NOT NULL DEFAULT 20,
    "status" TEXT NOT NULL DEFAULT 'active',
    "warningsSent" INTEGER NOT NULL DEFAULT 0,
    "transcript" TEXT,
    "aiSummary" TEXT,
    "summary" TEXT,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."SessionArchive" (
    "id" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "appointmentId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "durationMinutes" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "warningsSent" INTEGER NOT NULL,
    "transcript" TEXT,
    "aiSummary" TEXT,
    "summary" TEXT,
    "deletedAt" TIMESTAMP(3),
    "archivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SessionArchive_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."SessionRating" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "rating" INTEGER NOT NULL,
    "comment" TEXT,
    "tipAmount" DOUBLE PRECISION,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SessionRating_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."Message" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."Appointment" (
    "id" TEXT NOT NULL,
    "scheduledFor" TIMESTAMP(3) NOT NULL,
    "durationMin" INTEGER NOT NULL DEFAULT 30,
    "clientId" TEXT NOT NULL,
    "coachId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'scheduled',
    "cancelledAt" TIMESTAMP(3),
    "cancelledBy" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Appointment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."SkoolMonitoringLog" (
    "id" SERIAL NOT NULL,
    "community" TEXT NOT NULL,
    "membersFound" INTEGER NOT NULL,
    "newMembers" INTEGER NOT NULL,
    "cancelledMembers" INTEGER NOT NULL,
    "syncDurationMs" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL,
    "errorMessage" TEXT,
    "executedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SkoolMonitoringLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."MembershipStatusHistory" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "community" TEXT NOT NULL,
    "previousStatus" TEXT,
    "newStatus" TEXT NOT NULL,
    "changeDetectedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MembershipStatusHistory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."AuthCode" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "skoolUserId" TEXT NOT NULL,
    "skoolUsername" TEXT NOT NULL,
    "generatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedIpAddress" TEXT,
    "userAgent" TEXT,
    "deviceFingerprint" TEXT,
    "isActive" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "AuthCode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."UserSession" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "skoolUserId" TEXT NOT NULL,
    "skoolUsername" TEXT NOT NULL,
    "authCodeUsed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastActive" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ipAddress" TEXT NOT NULL,
    "userAgent" TEXT NOT NULL,
    "deviceFingerprint" TEXT NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "UserSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coach"."RateLimit" (
    "id" TEXT NOT NULL,
    "skoolUserId" TEXT NOT NULL,
    "requestDate" DATE NOT NULL,
    "requestCount" INTEGER NOT NULL DEFAULT 1,
    "lastRequestAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."Lead" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "firstName" TEXT,
    "lastName" TEXT,
    "company" TEXT,
    "phone" TEXT,
    "tier" "madfam"."ServiceTier" NOT NULL,
    "message" TEXT,
    "source" "madfam"."LeadSource" NOT NULL DEFAULT 'WEBSITE',
    "score" INTEGER NOT NULL DEFAULT 0,
    "status" "madfam"."LeadStatus" NOT NULL DEFAULT 'NEW',
    "industry" TEXT,
    "companySize" TEXT,
    "budget" TEXT,
    "timeframe" TEXT,
    "utmSource" TEXT,
    "utmMedium" TEXT,
    "utmCampaign" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Lead_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."LeadNote" (
    "id" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "leadId" TEXT NOT NULL,
    "authorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LeadNote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."LeadActivity" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "leadId" TEXT NOT NULL,
    "userId" TEXT,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LeadActivity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."Assessment" (
    "id" TEXT NOT NULL,
    "leadId" TEXT,
    "email" TEXT,
    "status" "madfam"."AssessmentStatus" NOT NULL DEFAULT 'STARTED',
    "answers" JSONB NOT NULL,
    "score" INTEGER,
    "tier" "madfam"."ServiceTier",
    "strengths" JSONB,
    "weaknesses" JSONB,
    "recommendations" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "Assessment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."Calculation" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "leadId" TEXT,
    "email" TEXT,
    "inputs" JSONB NOT NULL,
    "results" JSONB NOT NULL,
    "totalValue" DOUBLE PRECISION,
    "roi" DOUBLE PRECISION,
    "paybackMonths" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Calculation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" "madfam"."UserRole" NOT NULL DEFAULT 'VIEWER',
    "image" TEXT,
    "passwordHash" TEXT,
    "emailVerified" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."Session" (
    "id" TEXT NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."FeatureFlag" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "enabledDev" BOOLEAN NOT NULL DEFAULT true,
    "enabledStaging" BOOLEAN NOT NULL DEFAULT false,
    "enabledProd" BOOLEAN NOT NULL DEFAULT false,
    "rolloutPercentage" INTEGER DEFAULT 0,
    "userGroups" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FeatureFlag_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."AnalyticsEvent" (
    "id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "properties" JSONB,
    "userId" TEXT,
    "sessionId" TEXT,
    "url" TEXT,
    "referrer" TEXT,
    "userAgent" TEXT,
    "ipAddress" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AnalyticsEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."EmailQueue" (
    "id" TEXT NOT NULL,
    "to" JSONB NOT NULL,
    "subject" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EmailQueue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "madfam"."Integration" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "config" JSONB NOT NULL,
    "webhookUrl" TEXT,
    "apiKey" TEXT,
    "lastSync" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "airbar"."users"("email");

-- CreateIndex
CREATE INDEX "users_user_type_idx" ON "airbar"."users"("user_type");

-- CreateIndex
CREATE INDEX "users_segment_idx" ON "airbar"."users"("segment");

-- CreateIndex
CREATE INDEX "users_created_at_idx" ON "airbar"."users"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "profiles_user_id_key" ON "airbar"."profiles"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "feature_flags_key_key" ON "airbar"."feature_flags"("key");

-- CreateIndex
CREATE INDEX "feature_flags_enabled_idx" ON "airbar"."feature_flags"("enabled");

-- CreateIndex
CREATE INDEX "user_analytics_user_id_occurred_at_idx" ON "airbar"."user_analytics"("user_id", "occurred_at");

-- CreateIndex
CREATE INDEX "user_analytics_event_type_idx" ON "airbar"."user_analytics"("event_type");

-- CreateIndex
CREATE INDEX "user_analytics_funnel_step_idx" ON "airbar"."user_analytics"("funnel_step");

-- CreateIndex
CREATE INDEX "user_analytics_traffic_source_idx" ON "airbar"."user_analytics"("traffic_source");

-- CreateIndex
CREATE INDEX "user_analytics_occurred_at_idx" ON "airbar"."user_analytics"("occurred_at");

-- CreateIndex
CREATE INDEX "system_health_service_name_checked_at_idx" ON "airbar"."system_health"("service_name", "checked_at");

-- CreateIndex
CREATE INDEX "system_health_service_type_idx" ON "airbar"."system_health"("service_type");

-- CreateIndex
CREATE INDEX "system_health_status_idx" ON "airbar"."system_health"("status");

-- CreateIndex
CREATE UNIQUE INDEX "user_sessions_token_hash_key" ON "airbar"."user_sessions"("token_hash");

-- CreateIndex
CREATE INDEX "user_sessions_user_id_is_active_idx" ON "airbar"."user_sessions"("user_id", "is_active");

-- CreateIndex
CREATE INDEX "user_sessions_device_fingerprint_idx" ON "airbar"."user_sessions"("device_fingerprint");

-- CreateIndex
CREATE INDEX "user_sessions_expires_at_idx" ON "airbar"."user_sessions"("expires_at");

-- CreateIndex
CREATE INDEX "user_sessions_is_suspicious_idx" ON "airbar"."user_sessions"("is_suspicious");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_email_key" ON "churn"."Customer"("email");

-- CreateIndex
CREATE INDEX "Customer_riskLevel_idx" ON "churn"."Customer"("riskLevel");

-- CreateIndex
CREATE INDEX "Customer_churnProbability_idx" ON "churn"."Customer"("churnProbability");

-- CreateIndex
CREATE INDEX "Customer_isActive_riskLevel_idx" ON "churn"."Customer"("isActive", "riskLevel");

-- CreateIndex
CREATE INDEX "Customer_lastActivityAt_idx" ON "churn"."Customer"("lastActivityAt");

-- CreateIndex
CREATE UNIQUE INDEX "Order_orderNumber_key" ON "churn"."Order"("orderNumber");

-- CreateIndex
CREATE INDEX "Order_customerId_orderedAt_idx" ON "churn"."Order"("customerId", "orderedAt");

-- CreateIndex
CREATE INDEX "Order_status_idx" ON "churn"."Order"("status");

-- CreateIndex
CREATE INDEX "CustomerEvent_customerId_occurredAt_idx" ON "churn"."CustomerEvent"("customerId", "occurredAt");

-- CreateIndex
CREATE INDEX "CustomerEvent_category_eventType_idx" ON "churn"."CustomerEvent"("category", "eventType");

-- CreateIndex
CREATE INDEX "CustomerEvent_occurredAt_idx" ON "churn"."CustomerEvent"("occurredAt");

-- CreateIndex
CREATE INDEX "ChurnPrediction_customerId_predictedAt_idx" ON "churn"."ChurnPrediction"("customerId", "predictedAt");

-- CreateIndex
CREATE INDEX "ChurnPrediction_riskLevel_idx" ON "churn"."ChurnPrediction"("riskLevel");

-- CreateIndex
CREATE INDEX "ChurnPrediction_predictedAt_idx" ON "churn"."ChurnPrediction"("predictedAt");

-- CreateIndex
CREATE INDEX "Alert_status_priority_idx" ON "churn"."Alert"("status", "priority");

-- CreateIndex
CREATE INDEX "Alert_customerId_createdAt_idx" ON "churn"."Alert"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "Alert_resolvedAt_idx" ON "churn"."Alert"("resolvedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SupportTicket_ticketNumber_key" ON "churn"."SupportTicket"("ticketNumber");

-- CreateIndex
CREATE INDEX "SupportTicket_customerId_createdAt_idx" ON "churn"."SupportTicket"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "SupportTicket_status_priority_idx" ON "churn"."SupportTicket"("status", "priority");

-- CreateIndex
CREATE INDEX "SupportTicket_assignedTo_idx" ON "churn"."SupportTicket"("assignedTo");

-- CreateIndex
CREATE UNIQUE INDEX "ModelVersion_version_key" ON "churn"."ModelVersion"("version");

-- CreateIndex
CREATE INDEX "ModelVersion_isActive_idx" ON "churn"."ModelVersion"("isActive");

-- CreateIndex
CREATE INDEX "SystemMetrics_metricName_recordedAt_idx" ON "churn"."SystemMetrics"("metricName", "recordedAt");

-- CreateIndex
CREATE INDEX "SystemMetrics_metricType_recordedAt_idx" ON "churn"."SystemMetrics"("metricType", "recordedAt");

-- CreateIndex
CREATE INDEX "SystemMetrics_recordedAt_idx" ON "churn"."SystemMetrics"("recordedAt");

-- CreateIndex
CREATE UNIQUE INDEX "User_googleId_key" ON "coach"."User"("googleId");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "coach"."User"("email");

-- CreateIndex
CREATE INDEX "User_role_idx" ON "coach"."User"("role");

-- CreateIndex
CREATE INDEX "User_isAvailable_idx" ON "coach"."User"("isAvailable");

-- CreateIndex
CREATE INDEX "User_deletedAt_idx" ON "coach"."User"("deletedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Profile_userId_key" ON "coach"."Profile"("userId");

-- CreateIndex
CREATE INDEX "Profile_onboardingCompleted_idx" ON "coach"."Profile"("onboardingCompleted");

-- CreateIndex
CREATE INDEX "Session_userId_status_idx" ON "coach"."Session"("userId", "status");

-- CreateIndex
CREATE INDEX "Session_status_startedAt_idx" ON "coach"."Session"("status", "startedAt");

-- CreateIndex
CREATE INDEX "Session_deletedAt_idx" ON "coach"."Session"("deletedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Session_appointmentId_userId_key" ON "coach"."Session"("appointmentId", "userId");

-- CreateIndex
CREATE INDEX "SessionArchive_userId_idx" ON "coach"."SessionArchive"("userId");

-- CreateIndex
CREATE INDEX "SessionArchive_archivedAt_idx" ON "coach"."SessionArchive"("archivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "SessionRating_sessionId_key" ON "coach"."SessionRating"("sessionId");

-- CreateIndex
CREATE INDEX "Message_sessionId_createdAt_idx" ON "coach"."Message"("sessionId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Appointment_roomId_key" ON "coach"."Appointment"("roomId");

-- CreateIndex
CREATE INDEX "Appointment_status_scheduledFor_idx" ON "coach"."Appointment"("status", "scheduledFor");

-- CreateIndex
CREATE INDEX "Appointment_coachId_status_idx" ON "coach"."Appointment"("coachId", "status");

-- CreateIndex
CREATE INDEX "Appointment_clientId_scheduledFor_idx" ON "coach"."Appointment"("clientId", "scheduledFor");

-- CreateIndex
CREATE INDEX "SkoolMonitoringLog_community_executedAt_idx" ON "coach"."SkoolMonitoringLog"("community", "executedAt");

-- CreateIndex
CREATE INDEX "MembershipStatusHistory_userId_changeDetectedAt_idx" ON "coach"."MembershipStatusHistory"("userId", "changeDetectedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuthCode_code_key" ON "coach"."AuthCode"("code");

-- CreateIndex
CREATE INDEX "AuthCode_code_idx" ON "coach"."AuthCode"("code");

-- CreateIndex
CREATE INDEX "AuthCode_skoolUserId_generatedAt_idx" ON "coach"."AuthCode"("skoolUserId", "generatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "UserSession_sessionId_key" ON "coach"."UserSession"("sessionId");

-- CreateIndex
CREATE INDEX "UserSession_sessionId_idx" ON "coach"."UserSession"("sessionId");

-- CreateIndex
CREATE INDEX "UserSession_skoolUserId_idx" ON "coach"."UserSession"("skoolUserId");

-- CreateIndex
CREATE INDEX "UserSession_expiresAt_idx" ON "coach"."UserSession"("expiresAt");

-- CreateIndex
CREATE INDEX "RateLimit_skoolUserId_requestDate_idx" ON "coach"."RateLimit"("skoolUserId", "requestDate");

-- CreateIndex
CREATE UNIQUE INDEX "RateLimit_skoolUserId_requestDate_key" ON "coach"."RateLimit"("skoolUserId", "requestDate");

-- CreateIndex
CREATE INDEX "Lead_email_idx" ON "madfam"."Lead"("email");

-- CreateIndex
CREATE INDEX "Lead_status_idx" ON "madfam"."Lead"("status");

-- CreateIndex
CREATE INDEX "Lead_tier_idx" ON "madfam"."Lead"("tier");

-- CreateIndex
CREATE INDEX "Lead_createdAt_idx" ON "madfam"."Lead"("createdAt");

-- CreateIndex
CREATE INDEX "Lead_tier_status_idx" ON "madfam"."Lead"("tier", "status");

-- CreateIndex
CREATE INDEX "Lead_source_createdAt_idx" ON "madfam"."Lead"("source", "createdAt");

-- CreateIndex
CREATE INDEX "LeadNote_leadId_idx" ON "madfam"."LeadNote"("leadId");

-- CreateIndex
CREATE INDEX "LeadActivity_leadId_idx" ON "madfam"."LeadActivity"("leadId");

-- CreateIndex
CREATE INDEX "LeadActivity_type_idx" ON "madfam"."LeadActivity"("type");

-- CreateIndex
CREATE INDEX "LeadActivity_createdAt_idx" ON "madfam"."LeadActivity"("createdAt");

-- CreateIndex
CREATE INDEX "LeadActivity_userId_idx" ON "madfam"."LeadActivity"("userId");

-- CreateIndex
CREATE INDEX "Assessment_email_idx" ON "madfam"."Assessment"("email");

-- CreateIndex
CREATE INDEX "Assessment_status_idx" ON "madfam"."Assessment"("status");

-- CreateIndex
CREATE INDEX "Assessment_createdAt_idx" ON "madfam"."Assessment"("createdAt");

-- CreateIndex
CREATE INDEX "Assessment_leadId_idx" ON "madfam"."Assessment"("leadId");

-- CreateIndex
CREATE INDEX "Calculation_type_idx" ON "madfam"."Calculation"("type");

-- CreateIndex
CREATE INDEX "Calculation_email_idx" ON "madfam"."Calculation"("email");

-- CreateIndex
CREATE INDEX "Calculation_createdAt_idx" ON "madfam"."Calculation"("createdAt");

-- CreateIndex
CREATE INDEX "Calculation_leadId_idx" ON "madfam"."Calculation"("leadId");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "madfam"."User"("email");

-- CreateIndex
CREATE INDEX "User_email_idx" ON "madfam"."User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "madfam"."Session"("sessionToken");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "madfam"."Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "FeatureFlag_key_key" ON "madfam"."FeatureFlag"("key");

-- CreateIndex
CREATE INDEX "FeatureFlag_key_idx" ON "madfam"."FeatureFlag"("key");

-- CreateIndex
CREATE INDEX "AnalyticsEvent_event_idx" ON "madfam"."AnalyticsEvent"("event");

-- CreateIndex
CREATE INDEX "AnalyticsEvent_userId_idx" ON "madfam"."AnalyticsEvent"("userId");

-- CreateIndex
CREATE INDEX "AnalyticsEvent_sessionId_idx" ON "madfam"."AnalyticsEvent"("sessionId");

-- CreateIndex
CREATE INDEX "AnalyticsEvent_createdAt_idx" ON "madfam"."AnalyticsEvent"("createdAt");

-- CreateIndex
CREATE INDEX "AnalyticsEvent_event_createdAt_idx" ON "madfam"."AnalyticsEvent"("event", "createdAt");

-- CreateIndex
CREATE INDEX "EmailQueue_status_idx" ON "madfam"."EmailQueue"("status");

-- CreateIndex
CREATE INDEX "EmailQueue_createdAt_idx" ON "madfam"."EmailQueue"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Integration_name_key" ON "madfam"."Integration"("name");

-- CreateIndex
CREATE INDEX "Integration_name_idx" ON "madfam"."Integration"("name");

-- AddForeignKey
ALTER TABLE "airbar"."profiles" ADD CONSTRAINT "profiles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "airbar"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "airbar"."user_analytics" ADD CONSTRAINT "user_analytics_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "airbar"."users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "airbar"."user_sessions" ADD CONSTRAINT "user_sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "airbar"."users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."Order" ADD CONSTRAINT "Order_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "churn"."Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."CustomerEvent" ADD CONSTRAINT "CustomerEvent_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "churn"."Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."CustomerEvent" ADD CONSTRAINT "CustomerEvent_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "churn"."Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."ChurnPrediction" ADD CONSTRAINT "ChurnPrediction_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "churn"."Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."ChurnPrediction" ADD CONSTRAINT "ChurnPrediction_modelVersion_fkey" FOREIGN KEY ("modelVersion") REFERENCES "churn"."ModelVersion"("version") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."Alert" ADD CONSTRAINT "Alert_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "churn"."Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "churn"."SupportTicket" ADD CONSTRAINT "SupportTicket_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "churn"."Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Profile" ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Session" ADD CONSTRAINT "Session_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "coach"."Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."SessionRating" ADD CONSTRAINT "SessionRating_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "coach"."Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Message" ADD CONSTRAINT "Message_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "coach"."Session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Message" ADD CONSTRAINT "Message_userId_fkey" FOREIGN KEY ("userId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Appointment" ADD CONSTRAINT "Appointment_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."Appointment" ADD CONSTRAINT "Appointment_coachId_fkey" FOREIGN KEY ("coachId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."MembershipStatusHistory" ADD CONSTRAINT "MembershipStatusHistory_userId_fkey" FOREIGN KEY ("userId") REFERENCES "coach"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coach"."UserSession" ADD CONSTRAINT "UserSession_authCodeUsed_fkey" FOREIGN KEY ("authCodeUsed") REFERENCES "coach"."AuthCode"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."LeadNote" ADD CONSTRAINT "LeadNote_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "madfam"."Lead"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."LeadNote" ADD CONSTRAINT "LeadNote_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "madfam"."User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."LeadActivity" ADD CONSTRAINT "LeadActivity_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "madfam"."Lead"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."LeadActivity" ADD CONSTRAINT "LeadActivity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "madfam"."User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."Assessment" ADD CONSTRAINT "Assessment_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "madfam"."Lead"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."Calculation" ADD CONSTRAINT "Calculation_leadId_fkey" FOREIGN KEY ("leadId") REFERENCES "madfam"."Lead"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "madfam"."Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "madfam"."User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CHECK constraints 003 asks for; Prisma's schema language cannot express them, so they
-- live here. Names follow Prisma's <table>_<column>_check style.
ALTER TABLE "coach"."SessionRating" ADD CONSTRAINT "SessionRating_rating_check" CHECK ("rating" >= 1 AND "rating" <= 5);

ALTER TABLE "coach"."Appointment" ADD CONSTRAINT "Appointment_durationMin_check" CHECK ("durationMin" > 0);

ALTER TABLE "coach"."Session" ADD CONSTRAINT "Session_durationMinutes_check" CHECK ("durationMinutes" > 0);
