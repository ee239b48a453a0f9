import { SpeechAction, SpeechError } from "../../contracts/speech";
import { defineService } from "../../platform/runtime/service-module";
import { speechSettings } from "./settings";

export default defineService({
  name: "speech",
  actions: SpeechAction,
  errors: SpeechError,
  group: "consumers",
  routes: {
    "POST /speech/synthesize": SpeechAction.synthesize,
    "POST /speech/transcribe": `multipart:${SpeechAction.transcribe}`,
    "GET /speech/jobs/:id": SpeechAction.job,
    "GET /speech/jobs/:id/audio": SpeechAction.audio,
  },
  settings: speechSettings,
  load: () => import("./speech.service"),
});
