// SVC-TALK: talk/ntalk accept unauthenticated messages from the network.
import { LEGACY_SERVICES } from "../../../facts/legacy-services.js";
import { legacyServiceCheck } from "./legacy.js";

export const talk = legacyServiceCheck(LEGACY_SERVICES.talk, {
  id: "SVC-TALK",
  title: "No talk server",
  severity: "low",
  remediation: "`apt-get purge talkd inetutils-talkd talk`.",
  refs: ["CIS Debian 12: Ensure talk client is not installed"],
});
