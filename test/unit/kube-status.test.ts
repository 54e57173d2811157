// Which failures of a Kubernetes call carry the API server's status: only its answers do, never an error
// that happens to have a numeric code (a DOMException's: 23 for the timeout AbortSignal.timeout gives).
import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeRequestError, statusOf } from "../../shared/kube/kube-requests.ts";

describe("statusOf", () => {
  it("reads the status of an API server's answer and of a call that failed with one", () => {
    const answer = new ApiException(409, "Conflict", "{}", {});
    expect(statusOf(answer)).toBe(409);
    expect(statusOf(new KubeRequestError("a write", 1, answer))).toBe(409);
  });

  it("finds none where no answer came", () => {
    const timeout = new DOMException("The operation timed out.", "TimeoutError");
    expect(timeout.code).toBe(23);
    expect(statusOf(timeout)).toBeUndefined();
    expect(statusOf(new KubeRequestError("a read", 4, timeout))).toBeUndefined();
    expect(statusOf(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBeUndefined();
  });
});
