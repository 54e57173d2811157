// Plays the Node.js worker's part: provides `@azure/functions-core` to the app's `@azure/functions`, which
// then hands over every registration (metadata and handler) exactly as it does in Azure.
import Module from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface BindingMetadata {
  readonly type: string;
  readonly direction?: "in" | "out" | "inout";
  readonly [property: string]: unknown;
}

export type FunctionHandler = (...args: unknown[]) => unknown;

export interface FunctionRegistration {
  readonly name: string;
  readonly bindings: Readonly<Record<string, BindingMetadata>>;
  readonly retryOptions?: unknown;
  readonly handler: FunctionHandler;
}

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";
export type HookCallback = (context: Record<string, unknown>) => unknown;

/** What the app's `@azure/functions` gives the worker: it turns RPC-shaped invocations into handler calls. */
export interface ProgrammingModel {
  readonly name: string;
  readonly version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: AppInvocationContext; inputs: unknown[] }>;
  invokeFunction(
    context: AppInvocationContext,
    inputs: unknown[],
    handler: FunctionHandler,
  ): Promise<unknown>;
  getResponse(context: AppInvocationContext, result: unknown): Promise<RpcInvocationResponse>;
}

/** The parts of the app's InvocationContext the host touches. */
export interface AppInvocationContext {
  readonly invocationId: string;
  readonly functionName: string;
  readonly extraOutputs: { get(name: string): unknown };
}

export interface RpcTypedData {
  string?: string;
  json?: string;
  bytes?: Uint8Array;
  int?: number;
  double?: number;
  http?: RpcHttpData;
}

export interface RpcHttpData {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: RpcTypedData;
  statusCode?: string;
  cookies?: RpcHttpCookie[];
}

export interface RpcHttpCookie {
  name?: string;
  value?: string;
  domain?: { value?: string };
  path?: { value?: string };
  expires?: { value?: { seconds?: number } };
  secure?: { value?: boolean };
  httpOnly?: { value?: boolean };
  sameSite?: string;
  maxAge?: { value?: number };
}

export interface RpcInvocationResponse {
  returnValue?: RpcTypedData | null;
  outputData?: { name: string; data: RpcTypedData }[];
}

export interface CoreInvocationContext {
  readonly invocationId: string;
  readonly request: {
    readonly invocationId: string;
    readonly functionId: string;
    readonly inputData: { name: string; data: RpcTypedData }[];
    readonly triggerMetadata: Record<string, RpcTypedData>;
  };
  readonly metadata: { readonly name: string; readonly bindings: Readonly<Record<string, BindingMetadata>> };
  state: "preInvocationHooks" | "invocation" | "postInvocationHooks" | undefined;
  log(level: string, category: string, message: string): void;
}

export type SystemLogSink = (level: string, category: string, message: string) => void;

class Disposable {
  static from(...likes: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => {
      for (const like of likes) like.dispose();
    });
  }
  private callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const call = this.callOnDispose;
    this.callOnDispose = undefined;
    return call?.();
  }
}

/** Everything one loaded app registered. */
export interface LoadedApp {
  readonly entry: string;
  readonly functions: FunctionRegistration[];
  readonly hooks: Map<HookName, HookCallback[]>;
  readonly programmingModel: ProgrammingModel;
}

interface Registry {
  programmingModel?: ProgrammingModel;
  loading?: { functions: FunctionRegistration[]; hooks: Map<HookName, HookCallback[]> };
  apps: Map<string, LoadedApp>;
  lastLoaded?: LoadedApp;
  systemLog?: SystemLogSink;
  installed: boolean;
}

// One registry per process: `@azure/functions` caches the core module for the life of the process, and
// test runners may evaluate this file more than once.
const REGISTRY_SLOT = Symbol.for("functions-local-host.functions-core");
const globalSlots = globalThis as Record<symbol, unknown>;
globalSlots[REGISTRY_SLOT] ??= { apps: new Map(), installed: false } satisfies Registry;
const registry = globalSlots[REGISTRY_SLOT] as Registry;

const HOOK_NAMES: readonly HookName[] = [
  "appStart",
  "appTerminate",
  "preInvocation",
  "postInvocation",
  "log",
];

const functionsCore = {
  version: "3.10.1",
  hostVersion: "4.1037.0",
  Disposable,
  setProgrammingModel(model: ProgrammingModel): void {
    registry.programmingModel = model;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return registry.programmingModel;
  },
  registerFunction(metadata: Omit<FunctionRegistration, "handler">, handler: FunctionHandler): Disposable {
    const target = registry.loading?.functions ?? registry.lastLoaded?.functions;
    if (!target) throw new Error(`Function "${metadata.name}" was registered outside an app load.`);
    if (target.some((f) => f.name.toLowerCase() === metadata.name.toLowerCase())) {
      throw new Error(`A function named "${metadata.name}" is already registered.`);
    }
    const registration: FunctionRegistration = { ...metadata, handler };
    target.push(registration);
    return new Disposable(() => target.splice(target.indexOf(registration), 1));
  },
  registerHook(name: string, callback: HookCallback): Disposable {
    if (!HOOK_NAMES.includes(name as HookName)) {
      throw new RangeError(`Unknown hook "${name}": the local host supports ${HOOK_NAMES.join(", ")}.`);
    }
    const hooks = registry.loading?.hooks ?? registry.lastLoaded?.hooks;
    if (!hooks) throw new Error(`Hook "${name}" was registered outside an app load.`);
    const list = hooks.get(name as HookName) ?? [];
    hooks.set(name as HookName, list);
    list.push(callback);
    return new Disposable(() => list.splice(list.indexOf(callback), 1));
  },
  log(level: string, category: string, message: string): void {
    registry.systemLog?.(level, category, message);
  },
};

/** Makes `require("@azure/functions-core")` return the host's object, as the real worker does. */
function installFunctionsCore(): void {
  if (registry.installed) return;
  registry.installed = true;
  const prototype = Module.prototype as unknown as { require: (id: string) => unknown };
  const originalRequire = prototype.require;
  prototype.require = function requireWithFunctionsCore(this: unknown, id: string) {
    if (id === "@azure/functions-core") return functionsCore;
    return originalRequire.call(this, id);
  };
}

/** Where system logs (from `@azure/functions` and durable-functions) go: the host that loads the app. */
export function setSystemLogSink(sink: SystemLogSink | undefined): void {
  registry.systemLog = sink;
}

/**
 * Imports the app's entry module and returns what it registered. A module graph is evaluated once per
 * process, so loading the same entry again returns the registrations captured the first time.
 */
export async function loadApp(entry: string): Promise<LoadedApp> {
  installFunctionsCore();
  const url = pathToFileURL(resolve(entry)).href;
  const loading = { functions: [] as FunctionRegistration[], hooks: new Map<HookName, HookCallback[]>() };
  registry.loading = loading;
  try {
    await import(url);
  } catch (error) {
    throw new Error(`Could not load the app entry ${entry}: ${(error as Error).message}`, { cause: error });
  } finally {
    registry.loading = undefined;
  }
  const previous = registry.apps.get(url);
  if (loading.functions.length === 0 && previous) {
    registry.lastLoaded = previous;
    return previous;
  }
  if (loading.functions.length === 0) {
    throw new Error(
      `The app entry ${entry} registered no functions. It must register them when imported ` +
        "(app.http, df.app.orchestration, ...), and @azure/functions must not have been loaded before the host.",
    );
  }
  if (!registry.programmingModel) {
    throw new Error(`The app entry ${entry} registered functions but never set a programming model.`);
  }
  const app: LoadedApp = { entry: url, ...loading, programmingModel: registry.programmingModel };
  registry.apps.set(url, app);
  registry.lastLoaded = app;
  return app;
}
