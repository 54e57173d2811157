// GET /api/notices: the notices accepted (oldest first) and the messages rejected, each with its reason,
// so whoever sent a notice can see what became of it.

import { app, type HttpRequest } from "@azure/functions";
import { composition } from "../shared/composition.ts";
import { answering, jsonOk, unknownParameters } from "./http-json.ts";

app.http("notices", {
  methods: ["GET"],
  route: "notices",
  authLevel: "anonymous",
  handler: (request: HttpRequest) =>
    answering(async () => {
      const refused = unknownParameters(request.query, []);
      if (refused) return refused;
      const { notices } = composition();
      const [accepted, rejected] = await Promise.all([notices.notices(), notices.rejections()]);
      return jsonOk({ notices: accepted, rejections: rejected });
    }),
});
