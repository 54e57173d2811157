// GET /api/me: who the service takes the caller to be, as the write routes will (the web page shows it,
// and in local mode lets a person choose who to act as), or the 401 saying why it knows nobody (with
// X-Identity-Mode: local when a local person may be chosen).

import { capabilities } from "../shared/composition.ts";
import { jsonOk, readEndpoint } from "./http-json.ts";
import { identifyCaller, identityHeaders } from "./identity.ts";

readEndpoint("me", "me", [], async (request, context) => {
  const mode = capabilities("identitySettings").identitySettings.mode ?? null;
  const identified = await identifyCaller(request, context);
  const response =
    "refusal" in identified
      ? identified.refusal
      : jsonOk({
          mode,
          name: identified.principal.name,
          roles: identified.principal.roles,
          groups: identified.principal.groups,
          application: identified.principal.application === true,
        });
  return { ...response, headers: { ...(response.headers as object), ...identityHeaders() } };
});
