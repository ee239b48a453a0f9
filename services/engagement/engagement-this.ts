import type { LRUCache } from "lru-cache";
import type { DbService } from "../../mixins/db.mixin";
import type { RelayService } from "../../mixins/outbox-relay.mixin";
import type { BackgroundLoop } from "../../platform/messaging/background-loop";
import type { GroupCommit } from "../../platform/messaging/group-commit";
import type { JourneyDoc, VersionDoc } from "./journeys/journeys";
import type { PlaceDoc, RunDoc } from "./journeys/journey-runs";
import type { DecisionDoc, PreferencesDoc, SendDoc } from "./model";
import type { Profile } from "./profiles/profile-fold";
import type { FoldableMessage } from "./profiles/profiles";
import type { MemberDoc, SegmentDoc } from "./segments/segments";
import type { TemplateDoc } from "./content/templates";
import type { CounterDoc, MessageDoc } from "./journeys/message-log";

/** A list read again at most every few seconds: every message checks it whole. */
export interface HeldList<T> {
  at: number;
  list: T[];
}

/** The engagement service as its wiring sees it: stores, caches and loops. */
export type EngagementThis = DbService<{
  preferences: PreferencesDoc;
  profiles: Profile;
  decisions: DecisionDoc;
  sends: SendDoc;
  segments: SegmentDoc;
  segment_members: MemberDoc;
  journeys: JourneyDoc;
  journey_versions: VersionDoc;
  journey_runs: RunDoc;
  journey_places: PlaceDoc;
  templates: TemplateDoc;
  messages: MessageDoc;
  counters: CounterDoc;
}> &
  RelayService & {
    segmentList: HeldList<SegmentDoc>;
    journeyList: HeldList<JourneyDoc>;
    segmentSweep: BackgroundLoop;
    /** Profile folds of messages that arrive together, written together. */
    profileFolds: GroupCommit<FoldableMessage>;
    journeyTimers: BackgroundLoop;
    /** Product categories by id: behaviour events name a product, profiles count its category. */
    categories: LRUCache<string, string>;
    /** Journey versions never change once written: held by id. */
    versions: LRUCache<string, VersionDoc>;
    /** Each template's split between its variants, from its results a minute ago at most. */
    shares: LRUCache<string, number[]>;
  };
