// GET /api/ui/: the web page for approvers and operators (functions/ui/: plain HTML, CSS and ES modules,
// copied to dist by the build). It calls this app's API with the browser's identity: App Service
// Authentication's cookie in Azure, a person chosen on the page in local mode. Anonymous at the Functions
// level like the read side: the page holds no data, the API decides what the caller may see and do.

import { readdir, readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { HttpResponseInit } from "@azure/functions";
import { jsonError, readEndpoint } from "./http-json.ts";

const ASSETS = new URL("./ui/", import.meta.url);
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};
/** Only the page's own files: no inline script or style, no other origin. */
const HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

readEndpoint("ui", "ui/{*file}", [], async (request): Promise<HttpResponseInit> => {
  const path = new URL(request.url).pathname;
  // The page's relative links need the trailing slash.
  if (!request.params.file && !path.endsWith("/")) {
    return { status: 308, headers: { location: `${path}/` } };
  }
  const file = request.params.file || "index.html";
  const known = (await readdir(ASSETS)).filter((name) => TYPES[extname(name)] !== undefined);
  if (!known.includes(file)) return jsonError(404, `the page has no file ${file}`);
  return {
    status: 200,
    headers: { ...HEADERS, "content-type": TYPES[extname(file)] as string },
    body: await readFile(new URL(file, ASSETS)),
  };
});
