import { DocumentsAction, DocumentsError } from "../../contracts/documents";
import { defineService } from "../../platform/runtime/service-module";
import { documentsSettings } from "./settings";

export default defineService({
  name: "documents",
  actions: DocumentsAction,
  errors: DocumentsError,
  group: "consumers",
  routes: {
    "POST /documents": `multipart:${DocumentsAction.upload}`,
    "GET /documents": DocumentsAction.list,
    "GET /documents/:id": DocumentsAction.get,
    "GET /documents/:id/pages/:page": DocumentsAction.page,
    "DELETE /documents/:id": DocumentsAction.remove,
  },
  createdAt: { [DocumentsAction.upload]: "/documents/:id" },
  settings: documentsSettings,
  load: () => import("./documents.service"),
});
