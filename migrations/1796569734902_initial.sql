-- Up Migration
CREATE OR REPLACE FUNCTION bazaar_apply_update(doc jsonb, upd jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  op text;
  item record;
  path text[];
  i int;
  cur jsonb;
BEGIN
  FOREACH op IN ARRAY ARRAY['$set', '$unset', '$inc', '$push'] LOOP
    FOR item IN SELECT key, value FROM jsonb_each(COALESCE(upd -> op, '{}'::jsonb)) LOOP
      path := string_to_array(item.key, '.');
      IF op = '$unset' THEN
        doc := doc #- path;
        CONTINUE;
      END IF;
      FOR i IN 1 .. array_length(path, 1) - 1 LOOP
        cur := doc #> path[1:i];
        IF cur IS NULL OR cur = 'null'::jsonb THEN
          doc := jsonb_set(doc, path[1:i], '{}'::jsonb);
        ELSIF jsonb_typeof(cur) <> 'object' THEN
          RAISE EXCEPTION 'Cannot reach into %: it is not a document', path[i];
        END IF;
      END LOOP;
      cur := doc #> path;
      IF cur = 'null'::jsonb THEN
        cur := NULL;
      END IF;
      IF op = '$set' THEN
        doc := jsonb_set(doc, path, item.value);
      ELSIF op = '$inc' THEN
        IF cur IS NOT NULL AND jsonb_typeof(cur) <> 'number' THEN
          RAISE EXCEPTION 'Cannot $inc %: it is not a number', item.key;
        END IF;
        doc := jsonb_set(doc, path, to_jsonb(COALESCE(cur::numeric, 0) + item.value::numeric));
      ELSE
        IF cur IS NOT NULL AND jsonb_typeof(cur) <> 'array' THEN
          RAISE EXCEPTION 'Cannot $push to %: it is not a list', item.key;
        END IF;
        doc := jsonb_set(doc, path, COALESCE(cur, '[]'::jsonb) || jsonb_build_array(item.value));
      END IF;
    END LOOP;
  END LOOP;
  RETURN doc;
END
$fn$;;

CREATE OR REPLACE FUNCTION bazaar_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$;

CREATE TABLE IF NOT EXISTS blob_parts (
  key text NOT NULL, part integer NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (key, part));

CREATE TABLE IF NOT EXISTS "api_keys" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "api_keys__doc" ON "api_keys" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "api_keys__outboxPending__n" ON "api_keys" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "api_keys__prefix__u" ON "api_keys" ((doc #>> '{prefix}'));

CREATE INDEX IF NOT EXISTS "api_keys__userId__i" ON "api_keys" ((doc #>> '{userId}'));

CREATE TABLE IF NOT EXISTS "attendance" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "attendance__doc" ON "attendance" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "attendance__sessionId__firstJoinedAt__i" ON "attendance" ((doc #>> '{sessionId}'), (doc #>> '{firstJoinedAt}'));

CREATE TABLE IF NOT EXISTS "audit_records" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "audit_records__doc" ON "audit_records" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "audit_records__at__s" ON "audit_records" (((CASE WHEN jsonb_typeof((doc #> '{at}')) = 'string' THEN doc #>> '{at}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "audit_records__actorId__i" ON "audit_records" ((doc #>> '{actorId}'));

CREATE INDEX IF NOT EXISTS "audit_records__keyId__i" ON "audit_records" ((doc #>> '{keyId}'));

CREATE INDEX IF NOT EXISTS "audit_records__action__i" ON "audit_records" ((doc #>> '{action}'));

CREATE INDEX IF NOT EXISTS "audit_records__targetId__i" ON "audit_records" ((doc #>> '{targetId}'));

CREATE TRIGGER "audit_records__append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON "audit_records" FOR EACH STATEMENT EXECUTE FUNCTION bazaar_refuse_change();

CREATE TABLE IF NOT EXISTS "cart_activity" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "cart_activity__doc" ON "cart_activity" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "cart_activity__dueAt__s" ON "cart_activity" (((CASE WHEN jsonb_typeof((doc #> '{dueAt}')) = 'string' THEN doc #>> '{dueAt}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "carts" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "carts__doc" ON "carts" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "carts__expiresAt__s" ON "carts" (((CASE WHEN jsonb_typeof((doc #> '{expiresAt}')) = 'string' THEN doc #>> '{expiresAt}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "chats" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "chats__doc" ON "chats" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "chats__seq__n" ON "chats" ((CASE WHEN jsonb_typeof((doc #> '{seq}')) = 'number' THEN (doc #>> '{seq}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "chats__sessionId__i" ON "chats" ((doc #>> '{sessionId}'));

CREATE TABLE IF NOT EXISTS "counters" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "counters__doc" ON "counters" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "courses" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "courses__doc" ON "courses" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "courses__outboxPending__n" ON "courses" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "courses__slug__u" ON "courses" ((doc #>> '{slug}'));

CREATE INDEX IF NOT EXISTS "courses__moduleIds__l" ON "courses" USING gin ((doc #> '{moduleIds}'));

CREATE INDEX IF NOT EXISTS "courses__lessonIds__l" ON "courses" USING gin ((doc #> '{lessonIds}'));

CREATE INDEX IF NOT EXISTS "courses__instructorId__i" ON "courses" ((doc #>> '{instructorId}'));

CREATE INDEX IF NOT EXISTS "courses__status__createdAt__i" ON "courses" ((doc #>> '{status}'), (doc #>> '{createdAt}'));

CREATE TABLE IF NOT EXISTS "decisions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "decisions__doc" ON "decisions" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "decisions__userId__at__i" ON "decisions" ((doc #>> '{userId}'), (doc #>> '{at}'));

CREATE TABLE IF NOT EXISTS "document_chunks" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "document_chunks__doc" ON "document_chunks" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "document_chunks__documentId__index__i" ON "document_chunks" ((doc #>> '{documentId}'), (doc #>> '{index}'));

CREATE TABLE IF NOT EXISTS "document_pages" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "document_pages__doc" ON "document_pages" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "document_pages__documentId__page__i" ON "document_pages" ((doc #>> '{documentId}'), (doc #>> '{page}'));

CREATE TABLE IF NOT EXISTS "documents" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "documents__doc" ON "documents" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "documents__outboxPending__n" ON "documents" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "documents__courseIds__l" ON "documents" USING gin ((doc #> '{courseIds}'));

CREATE INDEX IF NOT EXISTS "documents__ownerId__createdAt__i" ON "documents" ((doc #>> '{ownerId}'), (doc #>> '{createdAt}'));

CREATE INDEX IF NOT EXISTS "documents__status__leaseUntil__i" ON "documents" ((doc #>> '{status}'), (doc #>> '{leaseUntil}'));

CREATE TABLE IF NOT EXISTS "emails" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "emails__doc" ON "emails" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "enrolments" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "enrolments__doc" ON "enrolments" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "enrolments__outboxPending__n" ON "enrolments" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "enrolments__userId__createdAt__i" ON "enrolments" ((doc #>> '{userId}'), (doc #>> '{createdAt}'));

CREATE INDEX IF NOT EXISTS "enrolments__certificateId__i" ON "enrolments" ((doc #>> '{certificateId}'));

CREATE INDEX IF NOT EXISTS "enrolments__courseId__active__i" ON "enrolments" ((doc #>> '{courseId}'), (doc #>> '{active}'));

CREATE TABLE IF NOT EXISTS "event_parts" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "event_parts__doc" ON "event_parts" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "event_parts__foldPending__n" ON "event_parts" ((CASE WHEN jsonb_typeof((doc #> '{foldPending}')) = 'number' THEN (doc #>> '{foldPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "event_parts__windowStart__s" ON "event_parts" (((CASE WHEN jsonb_typeof((doc #> '{windowStart}')) = 'string' THEN doc #>> '{windowStart}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "event_windows" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "event_windows__doc" ON "event_windows" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "flag_versions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "flag_versions__doc" ON "flag_versions" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "flags" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "flags__doc" ON "flags" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "flags__outboxPending__n" ON "flags" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE TABLE IF NOT EXISTS "journey_places" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "journey_places__doc" ON "journey_places" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "journey_runs" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "journey_runs__doc" ON "journey_runs" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "journey_runs__wakeAt__s" ON "journey_runs" (((CASE WHEN jsonb_typeof((doc #> '{wakeAt}')) = 'string' THEN doc #>> '{wakeAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "journey_runs__userId__waitingFor__i" ON "journey_runs" ((doc #>> '{userId}'), (doc #>> '{waitingFor}'));

CREATE INDEX IF NOT EXISTS "journey_runs__journeyId__status__i" ON "journey_runs" ((doc #>> '{journeyId}'), (doc #>> '{status}'));

CREATE INDEX IF NOT EXISTS "journey_runs__journeyId__enteredAt__i" ON "journey_runs" ((doc #>> '{journeyId}'), (doc #>> '{enteredAt}'));

CREATE TABLE IF NOT EXISTS "journey_versions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "journey_versions__doc" ON "journey_versions" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "journeys" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "journeys__doc" ON "journeys" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "live_sessions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "live_sessions__doc" ON "live_sessions" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "live_sessions__courseId__startsAt__i" ON "live_sessions" ((doc #>> '{courseId}'), (doc #>> '{startsAt}'));

CREATE INDEX IF NOT EXISTS "live_sessions__state__closesAt__i" ON "live_sessions" ((doc #>> '{state}'), (doc #>> '{closesAt}'));

CREATE TABLE IF NOT EXISTS "messages" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "messages__doc" ON "messages" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "messages__userId__s" ON "messages" (((CASE WHEN jsonb_typeof((doc #> '{userId}')) = 'string' THEN doc #>> '{userId}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "messages__clickedAt__s" ON "messages" (((CASE WHEN jsonb_typeof((doc #> '{clickedAt}')) = 'string' THEN doc #>> '{clickedAt}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "notifications" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "notifications__doc" ON "notifications" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "notifications__userId__i" ON "notifications" ((doc #>> '{userId}'));

CREATE INDEX IF NOT EXISTS "notifications__createdAt__i" ON "notifications" ((doc #>> '{createdAt}'));

CREATE TABLE IF NOT EXISTS "order_parts" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "order_parts__doc" ON "order_parts" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "order_parts__foldPending__n" ON "order_parts" ((CASE WHEN jsonb_typeof((doc #> '{foldPending}')) = 'number' THEN (doc #>> '{foldPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "order_parts__windowStart__s" ON "order_parts" (((CASE WHEN jsonb_typeof((doc #> '{windowStart}')) = 'string' THEN doc #>> '{windowStart}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "order_window_users" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "order_window_users__doc" ON "order_window_users" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "order_window_users__windowStart__s" ON "order_window_users" (((CASE WHEN jsonb_typeof((doc #> '{windowStart}')) = 'string' THEN doc #>> '{windowStart}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "order_windows" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "order_windows__doc" ON "order_windows" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "orders" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "orders__doc" ON "orders" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "orders__outboxPending__n" ON "orders" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "orders__effectsPending__n" ON "orders" ((CASE WHEN jsonb_typeof((doc #> '{effectsPending}')) = 'number' THEN (doc #>> '{effectsPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "orders__createdAt__s" ON "orders" (((CASE WHEN jsonb_typeof((doc #> '{createdAt}')) = 'string' THEN doc #>> '{createdAt}' END) COLLATE "C") NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "orders__idempotencyRef__u" ON "orders" ((doc #>> '{idempotencyRef}'));

CREATE INDEX IF NOT EXISTS "orders__userId__i" ON "orders" ((doc #>> '{userId}'));

CREATE INDEX IF NOT EXISTS "orders__status__i" ON "orders" ((doc #>> '{status}'));

CREATE TABLE IF NOT EXISTS "payments" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "payments__doc" ON "payments" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "payments__outboxPending__n" ON "payments" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "payments__orderId__u" ON "payments" ((doc #>> '{orderId}'));

CREATE INDEX IF NOT EXISTS "payments__userId__i" ON "payments" ((doc #>> '{userId}'));

CREATE TABLE IF NOT EXISTS "preferences" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "preferences__doc" ON "preferences" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "processed_messages" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "processed_messages__doc" ON "processed_messages" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "processed_messages__processedAt__s" ON "processed_messages" (((CASE WHEN jsonb_typeof((doc #> '{processedAt}')) = 'string' THEN doc #>> '{processedAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "processed_messages__group__i" ON "processed_messages" ((doc #>> '{group}'));

CREATE TABLE IF NOT EXISTS "processor_charges" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "processor_charges__doc" ON "processor_charges" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "processor_refunds" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "processor_refunds__doc" ON "processor_refunds" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "products" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "products__doc" ON "products" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "products__updatedAt__s" ON "products" (((CASE WHEN jsonb_typeof((doc #> '{updatedAt}')) = 'string' THEN doc #>> '{updatedAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "products__createdAt__s" ON "products" (((CASE WHEN jsonb_typeof((doc #> '{createdAt}')) = 'string' THEN doc #>> '{createdAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "products__price__n" ON "products" ((CASE WHEN jsonb_typeof((doc #> '{price}')) = 'number' THEN (doc #>> '{price}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "products__outboxPending__n" ON "products" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "products__sku__u" ON "products" ((doc #>> '{sku}'));

CREATE INDEX IF NOT EXISTS "products__category__i" ON "products" ((doc #>> '{category}'));

CREATE INDEX IF NOT EXISTS "products__active__createdAt__i" ON "products" ((doc #>> '{active}'), (doc #>> '{createdAt}'));

CREATE INDEX IF NOT EXISTS "products__active__price__i" ON "products" ((doc #>> '{active}'), (doc #>> '{price}'));

CREATE TABLE IF NOT EXISTS "profiles" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "profiles__doc" ON "profiles" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "quiz_attempts" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "quiz_attempts__doc" ON "quiz_attempts" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "quiz_attempts__outboxPending__n" ON "quiz_attempts" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "quiz_attempts__quizId__userId__i" ON "quiz_attempts" ((doc #>> '{quizId}'), (doc #>> '{userId}'));

CREATE TABLE IF NOT EXISTS "quiz_reviews" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "quiz_reviews__doc" ON "quiz_reviews" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "quiz_reviews__userId__due__i" ON "quiz_reviews" ((doc #>> '{userId}'), (doc #>> '{due}'));

CREATE TABLE IF NOT EXISTS "quizzes" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "quizzes__doc" ON "quizzes" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "quizzes__courseIds__l" ON "quizzes" USING gin ((doc #> '{courseIds}'));

CREATE INDEX IF NOT EXISTS "quizzes__ownerId__createdAt__i" ON "quizzes" ((doc #>> '{ownerId}'), (doc #>> '{createdAt}'));

CREATE TABLE IF NOT EXISTS "reservations" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "reservations__doc" ON "reservations" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "reservations__markersClearAfter__s" ON "reservations" (((CASE WHEN jsonb_typeof((doc #> '{markersClearAfter}')) = 'string' THEN doc #>> '{markersClearAfter}' END) COLLATE "C") NULLS FIRST);

CREATE TABLE IF NOT EXISTS "search_docs" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "search_docs__doc" ON "search_docs" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "search_docs__syncedAt__s" ON "search_docs" (((CASE WHEN jsonb_typeof((doc #> '{syncedAt}')) = 'string' THEN doc #>> '{syncedAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "search_docs__syncedAt__id__i" ON "search_docs" ((doc #>> '{syncedAt}'), id COLLATE "C");

CREATE INDEX IF NOT EXISTS "search_docs__courseId__i" ON "search_docs" ((doc #>> '{courseId}'));

CREATE INDEX IF NOT EXISTS "search_docs__refId__i" ON "search_docs" ((doc #>> '{refId}'));

CREATE TABLE IF NOT EXISTS "segment_members" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "segment_members__doc" ON "segment_members" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "segment_members__outboxPending__n" ON "segment_members" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "segment_members__userId__i" ON "segment_members" ((doc #>> '{userId}'));

CREATE INDEX IF NOT EXISTS "segment_members__segmentId__active__i" ON "segment_members" ((doc #>> '{segmentId}'), (doc #>> '{active}'));

CREATE TABLE IF NOT EXISTS "segments" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "segments__doc" ON "segments" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "sends" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "sends__doc" ON "sends" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "sends__userId__at__i" ON "sends" ((doc #>> '{userId}'), (doc #>> '{at}'));

CREATE TABLE IF NOT EXISTS "session_summaries" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "session_summaries__doc" ON "session_summaries" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "session_summaries__outboxPending__n" ON "session_summaries" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE TABLE IF NOT EXISTS "speech_jobs" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "speech_jobs__doc" ON "speech_jobs" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "speech_jobs__expiresAt__s" ON "speech_jobs" (((CASE WHEN jsonb_typeof((doc #> '{expiresAt}')) = 'string' THEN doc #>> '{expiresAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "speech_jobs__status__leaseUntil__i" ON "speech_jobs" ((doc #>> '{status}'), (doc #>> '{leaseUntil}'));

CREATE TABLE IF NOT EXISTS "templates" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "templates__doc" ON "templates" USING gin (doc jsonb_path_ops);

CREATE TABLE IF NOT EXISTS "tutor_sessions" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "tutor_sessions__doc" ON "tutor_sessions" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "tutor_sessions__userId__createdAt__i" ON "tutor_sessions" ((doc #>> '{userId}'), (doc #>> '{createdAt}'));

CREATE TABLE IF NOT EXISTS "users" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "users__doc" ON "users" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "users__outboxPending__n" ON "users" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "users__sessionsEndedAt__s" ON "users" (((CASE WHEN jsonb_typeof((doc #> '{sessionsEndedAt}')) = 'string' THEN doc #>> '{sessionsEndedAt}' END) COLLATE "C") NULLS FIRST);

CREATE UNIQUE INDEX IF NOT EXISTS "users__email__u" ON "users" ((doc #>> '{email}'));

CREATE INDEX IF NOT EXISTS "users__roles__l" ON "users" USING gin ((doc #> '{roles}'));

CREATE TABLE IF NOT EXISTS "webhook_deliveries" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "webhook_deliveries__doc" ON "webhook_deliveries" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "webhook_deliveries__nextAttemptAt__s" ON "webhook_deliveries" (((CASE WHEN jsonb_typeof((doc #> '{nextAttemptAt}')) = 'string' THEN doc #>> '{nextAttemptAt}' END) COLLATE "C") NULLS FIRST);

CREATE INDEX IF NOT EXISTS "webhook_deliveries__webhookId__i" ON "webhook_deliveries" ((doc #>> '{webhookId}'));

CREATE INDEX IF NOT EXISTS "webhook_deliveries__status__i" ON "webhook_deliveries" ((doc #>> '{status}'));

CREATE TABLE IF NOT EXISTS "webhooks" (id text PRIMARY KEY, doc jsonb NOT NULL);

CREATE INDEX IF NOT EXISTS "webhooks__doc" ON "webhooks" USING gin (doc jsonb_path_ops);

CREATE INDEX IF NOT EXISTS "webhooks__outboxPending__n" ON "webhooks" ((CASE WHEN jsonb_typeof((doc #> '{outboxPending}')) = 'number' THEN (doc #>> '{outboxPending}')::numeric END) NULLS FIRST);

CREATE INDEX IF NOT EXISTS "webhooks__active__i" ON "webhooks" ((doc #>> '{active}'));

-- Down Migration
DROP TABLE IF EXISTS "webhooks";

DROP TABLE IF EXISTS "webhook_deliveries";

DROP TABLE IF EXISTS "users";

DROP TABLE IF EXISTS "tutor_sessions";

DROP TABLE IF EXISTS "templates";

DROP TABLE IF EXISTS "speech_jobs";

DROP TABLE IF EXISTS "session_summaries";

DROP TABLE IF EXISTS "sends";

DROP TABLE IF EXISTS "segments";

DROP TABLE IF EXISTS "segment_members";

DROP TABLE IF EXISTS "search_docs";

DROP TABLE IF EXISTS "reservations";

DROP TABLE IF EXISTS "quizzes";

DROP TABLE IF EXISTS "quiz_reviews";

DROP TABLE IF EXISTS "quiz_attempts";

DROP TABLE IF EXISTS "profiles";

DROP TABLE IF EXISTS "products";

DROP TABLE IF EXISTS "processor_refunds";

DROP TABLE IF EXISTS "processor_charges";

DROP TABLE IF EXISTS "processed_messages";

DROP TABLE IF EXISTS "preferences";

DROP TABLE IF EXISTS "payments";

DROP TABLE IF EXISTS "orders";

DROP TABLE IF EXISTS "order_windows";

DROP TABLE IF EXISTS "order_window_users";

DROP TABLE IF EXISTS "order_parts";

DROP TABLE IF EXISTS "notifications";

DROP TABLE IF EXISTS "messages";

DROP TABLE IF EXISTS "live_sessions";

DROP TABLE IF EXISTS "journeys";

DROP TABLE IF EXISTS "journey_versions";

DROP TABLE IF EXISTS "journey_runs";

DROP TABLE IF EXISTS "journey_places";

DROP TABLE IF EXISTS "flags";

DROP TABLE IF EXISTS "flag_versions";

DROP TABLE IF EXISTS "event_windows";

DROP TABLE IF EXISTS "event_parts";

DROP TABLE IF EXISTS "enrolments";

DROP TABLE IF EXISTS "emails";

DROP TABLE IF EXISTS "documents";

DROP TABLE IF EXISTS "document_pages";

DROP TABLE IF EXISTS "document_chunks";

DROP TABLE IF EXISTS "decisions";

DROP TABLE IF EXISTS "courses";

DROP TABLE IF EXISTS "counters";

DROP TABLE IF EXISTS "chats";

DROP TABLE IF EXISTS "carts";

DROP TABLE IF EXISTS "cart_activity";

DROP TABLE IF EXISTS "audit_records";

DROP TABLE IF EXISTS "attendance";

DROP TABLE IF EXISTS "api_keys";

DROP TABLE IF EXISTS blob_parts;
