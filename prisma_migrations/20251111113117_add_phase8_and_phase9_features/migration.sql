-- travel (002): the 17 tables of phases 8 and 9, in their own migration as the
-- document ships them, so its rollback plan (scripts/rollback_travel.py) can undo
-- exactly this migration and `prisma migrate deploy` can re-apply it.
-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "travel";

-- CreateTable
CREATE TABLE "travel"."analytics_events" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "user_id" TEXT,
    "event_type" TEXT NOT NULL,
    "event_data" JSONB NOT NULL,
    "page_url" TEXT,
    "referrer" TEXT,
    "user_agent" TEXT,
    "ip_address" TEXT,
    "country" TEXT,
    "device_type" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "analytics_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."metric_snapshots" (
    "id" TEXT NOT NULL,
    "metric_type" TEXT NOT NULL,
    "period" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(6) NOT NULL,
    "period_end" TIMESTAMPTZ(6) NOT NULL,
    "value" DOUBLE PRECISION,
    "metrics" JSONB NOT NULL,
    "dimensions" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metric_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."price_predictions" (
    "id" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "travel_date" DATE NOT NULL,
    "current_price" DECIMAL(10,2) NOT NULL,
    "predicted_price" DECIMAL(10,2) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "confidence" DOUBLE PRECISION NOT NULL,
    "recommendation" TEXT NOT NULL,
    "model_version" TEXT NOT NULL,
    "valid_until" TIMESTAMPTZ(6) NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "price_predictions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."ml_models" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "model_type" TEXT NOT NULL,
    "metrics" JSONB NOT NULL,
    "hyperparameters" JSONB,
    "status" TEXT NOT NULL DEFAULT 'training',
    "trained_at" TIMESTAMPTZ(6),
    "deployed_at" TIMESTAMPTZ(6),
    "is_active" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "ml_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."feature_flags" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "rollout_percentage" INTEGER NOT NULL DEFAULT 0,
    "variants" JSONB NOT NULL DEFAULT '[]',
    "is_experiment" BOOLEAN NOT NULL DEFAULT false,
    "target_audience" JSONB,
    "start_date" TIMESTAMPTZ(6),
    "end_date" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "feature_flags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."experiment_participations" (
    "id" TEXT NOT NULL,
    "flag_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "session_id" TEXT,
    "variant" TEXT NOT NULL,
    "converted" BOOLEAN NOT NULL DEFAULT false,
    "conversion_value" DECIMAL(12,2),
    "converted_at" TIMESTAMPTZ(6),
    "assigned_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "experiment_participations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."performance_metrics" (
    "id" TEXT NOT NULL,
    "page_url" TEXT NOT NULL,
    "session_id" TEXT,
    "lcp" DOUBLE PRECISION,
    "cls" DOUBLE PRECISION,
    "fcp" DOUBLE PRECISION,
    "ttfb" DOUBLE PRECISION,
    "inp" DOUBLE PRECISION,
    "device_type" TEXT,
    "connection_type" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "performance_metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."error_logs" (
    "id" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "stack" TEXT,
    "error_type" TEXT NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'error',
    "url" TEXT,
    "user_id" TEXT,
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "first_seen" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved" BOOLEAN NOT NULL DEFAULT false,
    "resolved_at" TIMESTAMPTZ(6),
    "resolved_by" TEXT,
    "metadata" JSONB,

    CONSTRAINT "error_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."conversion_funnels" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "stages" JSONB NOT NULL,
    "period" TEXT NOT NULL,
    "period_start" TIMESTAMPTZ(6) NOT NULL,
    "period_end" TIMESTAMPTZ(6) NOT NULL,
    "total_entered" INTEGER NOT NULL DEFAULT 0,
    "total_converted" INTEGER NOT NULL DEFAULT 0,
    "conversion_rate" DOUBLE PRECISION,
    "abandonment" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversion_funnels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."user_cohorts" (
    "id" TEXT NOT NULL,
    "cohort_date" DATE NOT NULL,
    "cohort_type" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "day1_retention" DOUBLE PRECISION,
    "day7_retention" DOUBLE PRECISION,
    "day30_retention" DOUBLE PRECISION,
    "ltv" DECIMAL(12,2),
    "metadata" JSONB,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "user_cohorts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."admin_users" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "permissions" JSONB,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "last_login_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "admin_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."audit_logs" (
    "id" TEXT NOT NULL,
    "admin_user_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "resource_type" TEXT NOT NULL,
    "resource_id" TEXT,
    "changes" JSONB,
    "ip_address" TEXT,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."deals" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "origin" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "price" DECIMAL(10,2) NOT NULL,
    "original_price" DECIMAL(10,2),
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "discount_percentage" INTEGER,
    "is_featured" BOOLEAN NOT NULL DEFAULT false,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "valid_from" TIMESTAMPTZ(6),
    "valid_until" TIMESTAMPTZ(6),
    "view_count" INTEGER NOT NULL DEFAULT 0,
    "click_count" INTEGER NOT NULL DEFAULT 0,
    "booking_count" INTEGER NOT NULL DEFAULT 0,
    "image_url" TEXT,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "deals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."destinations" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "description" TEXT,
    "seo_title" TEXT,
    "seo_description" TEXT,
    "seo_keywords" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "is_trending" BOOLEAN NOT NULL DEFAULT false,
    "popularity_score" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "travel_info" JSONB,
    "image_url" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "destinations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."email_templates" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "subject" TEXT NOT NULL,
    "html_body" TEXT NOT NULL,
    "text_body" TEXT,
    "variables" JSONB NOT NULL DEFAULT '[]',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "email_templates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."health_checks" (
    "id" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "response_time_ms" INTEGER,
    "message" TEXT,
    "metadata" JSONB,
    "checked_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "health_checks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "travel"."search_suggestions" (
    "id" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "popularity" INTEGER NOT NULL DEFAULT 0,
    "result_count" INTEGER NOT NULL DEFAULT 0,
    "last_searched_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "search_suggestions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "analytics_events_session_id_idx" ON "travel"."analytics_events"("session_id");

-- CreateIndex
CREATE INDEX "analytics_events_user_id_idx" ON "travel"."analytics_events"("user_id");

-- CreateIndex
CREATE INDEX "analytics_events_created_at_idx" ON "travel"."analytics_events"("created_at");

-- CreateIndex
CREATE INDEX "analytics_events_event_type_created_at_idx" ON "travel"."analytics_events"("event_type", "created_at");

-- CreateIndex
CREATE INDEX "metric_snapshots_metric_type_idx" ON "travel"."metric_snapshots"("metric_type");

-- CreateIndex
CREATE INDEX "metric_snapshots_period_start_idx" ON "travel"."metric_snapshots"("period_start");

-- CreateIndex
CREATE UNIQUE INDEX "metric_snapshots_metric_type_period_period_start_key" ON "travel"."metric_snapshots"("metric_type", "period", "period_start");

-- CreateIndex
CREATE INDEX "price_predictions_origin_destination_idx" ON "travel"."price_predictions"("origin", "destination");

-- CreateIndex
CREATE INDEX "price_predictions_travel_date_idx" ON "travel"."price_predictions"("travel_date");

-- CreateIndex
CREATE INDEX "price_predictions_valid_until_idx" ON "travel"."price_predictions"("valid_until");

-- CreateIndex
CREATE INDEX "ml_models_status_idx" ON "travel"."ml_models"("status");

-- CreateIndex
CREATE INDEX "ml_models_is_active_idx" ON "travel"."ml_models"("is_active");

-- CreateIndex
CREATE UNIQUE INDEX "ml_models_name_version_key" ON "travel"."ml_models"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "feature_flags_key_key" ON "travel"."feature_flags"("key");

-- CreateIndex
CREATE INDEX "feature_flags_enabled_idx" ON "travel"."feature_flags"("enabled");

-- CreateIndex
CREATE INDEX "feature_flags_is_experiment_idx" ON "travel"."feature_flags"("is_experiment");

-- CreateIndex
CREATE INDEX "experiment_participations_flag_id_variant_idx" ON "travel"."experiment_participations"("flag_id", "variant");

-- CreateIndex
CREATE INDEX "experiment_participations_user_id_idx" ON "travel"."experiment_participations"("user_id");

-- CreateIndex
CREATE INDEX "experiment_participations_converted_idx" ON "travel"."experiment_participations"("converted");

-- CreateIndex
CREATE UNIQUE INDEX "experiment_participations_flag_id_user_id_key" ON "travel"."experiment_participations"("flag_id", "user_id");

-- CreateIndex
CREATE INDEX "performance_metrics_page_url_idx" ON "travel"."performance_metrics"("page_url");

-- CreateIndex
CREATE INDEX "performance_metrics_device_type_idx" ON "travel"."performance_metrics"("device_type");

-- CreateIndex
CREATE INDEX "performance_metrics_created_at_idx" ON "travel"."performance_metrics"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "error_logs_fingerprint_key" ON "travel"."error_logs"("fingerprint");

-- CreateIndex
CREATE INDEX "error_logs_error_type_idx" ON "travel"."error_logs"("error_type");

-- CreateIndex
CREATE INDEX "error_logs_resolved_idx" ON "travel"."error_logs"("resolved");

-- CreateIndex
CREATE INDEX "error_logs_last_seen_idx" ON "travel"."error_logs"("last_seen");

-- CreateIndex
CREATE INDEX "conversion_funnels_name_idx" ON "travel"."conversion_funnels"("name");

-- CreateIndex
CREATE INDEX "conversion_funnels_period_start_idx" ON "travel"."conversion_funnels"("period_start");

-- CreateIndex
CREATE INDEX "user_cohorts_cohort_type_idx" ON "travel"."user_cohorts"("cohort_type");

-- CreateIndex
CREATE UNIQUE INDEX "user_cohorts_cohort_date_cohort_type_key" ON "travel"."user_cohorts"("cohort_date", "cohort_type");

-- CreateIndex
CREATE UNIQUE INDEX "admin_users_user_id_key" ON "travel"."admin_users"("user_id");

-- CreateIndex
CREATE INDEX "admin_users_role_idx" ON "travel"."admin_users"("role");

-- CreateIndex
CREATE INDEX "admin_users_is_active_idx" ON "travel"."admin_users"("is_active");

-- CreateIndex
CREATE INDEX "audit_logs_admin_user_id_idx" ON "travel"."audit_logs"("admin_user_id");

-- CreateIndex
CREATE INDEX "audit_logs_action_idx" ON "travel"."audit_logs"("action");

-- CreateIndex
CREATE INDEX "audit_logs_resource_type_resource_id_idx" ON "travel"."audit_logs"("resource_type", "resource_id");

-- CreateIndex
CREATE INDEX "audit_logs_created_at_idx" ON "travel"."audit_logs"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "deals_slug_key" ON "travel"."deals"("slug");

-- CreateIndex
CREATE INDEX "deals_is_featured_idx" ON "travel"."deals"("is_featured");

-- CreateIndex
CREATE INDEX "deals_is_active_valid_until_idx" ON "travel"."deals"("is_active", "valid_until");

-- CreateIndex
CREATE INDEX "deals_origin_destination_idx" ON "travel"."deals"("origin", "destination");

-- CreateIndex
CREATE UNIQUE INDEX "destinations_slug_key" ON "travel"."destinations"("slug");

-- CreateIndex
CREATE INDEX "destinations_country_idx" ON "travel"."destinations"("country");

-- CreateIndex
CREATE INDEX "destinations_is_trending_idx" ON "travel"."destinations"("is_trending");

-- CreateIndex
CREATE INDEX "email_templates_is_active_idx" ON "travel"."email_templates"("is_active");

-- CreateIndex
CREATE UNIQUE INDEX "email_templates_name_version_key" ON "travel"."email_templates"("name", "version");

-- CreateIndex
CREATE INDEX "health_checks_service_checked_at_idx" ON "travel"."health_checks"("service", "checked_at");

-- CreateIndex
CREATE INDEX "health_checks_status_idx" ON "travel"."health_checks"("status");

-- CreateIndex
CREATE UNIQUE INDEX "search_suggestions_query_key" ON "travel"."search_suggestions"("query");

-- CreateIndex
CREATE INDEX "search_suggestions_type_idx" ON "travel"."search_suggestions"("type");

-- CreateIndex
CREATE INDEX "search_suggestions_popularity_idx" ON "travel"."search_suggestions"("popularity");

-- AddForeignKey
ALTER TABLE "travel"."experiment_participations" ADD CONSTRAINT "experiment_participations_flag_id_fkey" FOREIGN KEY ("flag_id") REFERENCES "travel"."feature_flags"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "travel"."audit_logs" ADD CONSTRAINT "audit_logs_admin_user_id_fkey" FOREIGN KEY ("admin_user_id") REFERENCES "travel"."admin_users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
