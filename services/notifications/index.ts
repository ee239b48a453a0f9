import { Action } from "../../contracts/actions";
import { defineService } from "../../platform/runtime/service-module";
import { notificationsSettings } from "./settings";

export default defineService({
  name: "notifications",
  actions: Action.notifications,
  group: "consumers",
  routes: {
    "GET /notifications": Action.notifications.list,
    "POST /notifications/:id/read": Action.notifications.markRead,
    "POST /webhooks": Action.notifications.createWebhook,
    "GET /webhooks": Action.notifications.listWebhooks,
    "GET /webhooks/:id/deliveries": Action.notifications.deliveries,
    "DELETE /webhooks/:id": Action.notifications.removeWebhook,
  },
  createdAt: {
    [Action.notifications.createWebhook]: "/webhooks/:id",
  },
  settings: notificationsSettings,
  load: () => import("./notifications.service"),
});
