import { describe, expect, it } from "vitest";
import { compileRoute } from "../../local/host/routes.ts";

describe("HTTP route templates", () => {
  it("matches literals case-insensitively and decodes parameters", () => {
    expect(compileRoute("Orders/{id}").match("/orders/a%20b")).toEqual({ params: { id: "a b" } });
    expect(compileRoute("orders/{id}").match("/orders")).toBeUndefined();
  });

  it("supports optional, catch-all and constrained parameters", () => {
    const optional = compileRoute("pools/{pool}/{action?}");
    expect(optional.match("/pools/np1")).toEqual({ params: { pool: "np1" } });
    expect(optional.match("/pools/np1/drain")).toEqual({ params: { pool: "np1", action: "drain" } });
    expect(compileRoute("files/{*path}").match("/files/a/b/c.txt")).toEqual({
      params: { path: "a/b/c.txt" },
    });
    const constrained = compileRoute("items/{id:int:min(10)}");
    expect(constrained.match("/items/12")).toEqual({ params: { id: "12" } });
    expect(constrained.match("/items/9")).toBeUndefined();
    expect(constrained.match("/items/ten")).toBeUndefined();
    expect(compileRoute("files/{name}.{ext:alpha}").match("/files/report.pdf")).toEqual({
      params: { name: "report", ext: "pdf" },
    });
  });

  it("ranks literal segments above parameters", () => {
    expect(compileRoute("items/new").specificity).toBeGreaterThan(compileRoute("items/{id}").specificity);
  });

  it("refuses a constraint it does not know", () => {
    expect(() => compileRoute("items/{id:color}")).toThrow(
      /constraint "color", which the local host does not know/,
    );
  });
});
