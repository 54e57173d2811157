// GET /api/notices: the notices accepted (oldest first) and the messages rejected, each with its reason,
// so whoever sent a notice can see what became of it.

import { capabilities } from "../shared/composition.ts";
import { jsonOk, readEndpoint } from "./http-json.ts";

readEndpoint("notices", "notices", [], async () => {
  const { notices } = capabilities("state");
  const [accepted, rejected] = await Promise.all([notices.notices(), notices.rejections()]);
  return jsonOk({ notices: accepted, rejections: rejected });
});
