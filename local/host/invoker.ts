// Invokes registered functions the way the Node.js worker does: an RPC-shaped request goes through the app's
// own programming model (InvocationModel), which builds the InvocationContext, the trigger input and the
// response, so the app sees exactly the objects it would see in Azure.
import { randomUUID } from "node:crypto";
import type {
  AppInvocationContext,
  BindingMetadata,
  CoreInvocationContext,
  FunctionRegistration,
  HookCallback,
  HookName,
  LoadedApp,
  RpcInvocationResponse,
  RpcTypedData,
} from "./functions-core.ts";
import { type LogFields, type Logger, toLogLevel } from "./logger.ts";

/** A trigger the host could not bind, and why. */
export interface SkippedTrigger {
  readonly function: string;
  readonly reason: string;
}

export function isTriggerType(type: string): boolean {
  return type.toLowerCase().endsWith("trigger");
}

export function triggerOf(registration: FunctionRegistration): BindingMetadata & { name: string } {
  for (const [name, binding] of Object.entries(registration.bindings)) {
    if (isTriggerType(binding.type)) return { ...binding, name };
  }
  throw new Error(`Function "${registration.name}" has no trigger binding.`);
}

/** Binds every function with a `type` trigger; one that cannot be bound is skipped, with the reason. */
export function bindTriggers<T>(
  registrations: readonly FunctionRegistration[],
  type: string,
  bind: (registration: FunctionRegistration) => T,
): { bound: T[]; skipped: SkippedTrigger[] } {
  const bound: T[] = [];
  const skipped: SkippedTrigger[] = [];
  for (const registration of registrations) {
    if (triggerOf(registration).type !== type) continue;
    try {
      bound.push(bind(registration));
    } catch (error) {
      skipped.push({ function: registration.name, reason: (error as Error).message });
    }
  }
  return { bound, skipped };
}

export function isDurableClientBinding(binding: BindingMetadata): boolean {
  return binding.type === "durableClient" || binding.type === "orchestrationClient";
}

/** Encodes a value the way the host sends binding data to the worker. */
export function toTypedData(value: unknown): RpcTypedData {
  if (typeof value === "string") return { string: value };
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return { bytes: value };
  if (typeof value === "number") return Number.isInteger(value) ? { int: value } : { double: value };
  return { json: JSON.stringify(value ?? null) };
}

export type TriggerInput = { readonly rpc: RpcTypedData } | { readonly direct: unknown };

export interface InvokeOptions {
  readonly trigger: TriggerInput;
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** Added to every log line of this invocation. */
  readonly fields?: LogFields;
  /** Converts the result into the worker's response (HTTP and output bindings). */
  readonly wantResponse?: boolean;
}

export interface InvocationOutcome {
  readonly result: unknown;
  readonly response?: RpcInvocationResponse;
}

export class Invoker {
  private readonly appHookData: Record<string, unknown> = {};
  private readonly app: LoadedApp;
  private readonly logger: Logger;
  private readonly durableClientData: () => unknown;

  constructor(app: LoadedApp, logger: Logger, durableClientData: () => unknown) {
    this.app = app;
    this.logger = logger;
    this.durableClientData = durableClientData;
  }

  async runAppHooks(name: "appStart" | "appTerminate", functionAppDirectory: string): Promise<void> {
    for (const hook of this.hooks(name)) {
      await hook({ hookData: {}, appHookData: this.appHookData, functionAppDirectory });
    }
  }

  async invoke(registration: FunctionRegistration, options: InvokeOptions): Promise<InvocationOutcome> {
    const invocationId = randomUUID();
    const trigger = triggerOf(registration);
    const inputData: { name: string; data: RpcTypedData }[] = [];
    if ("rpc" in options.trigger) inputData.push({ name: trigger.name, data: options.trigger.rpc });
    for (const [name, binding] of Object.entries(registration.bindings)) {
      if (binding.direction === "in" && isDurableClientBinding(binding)) {
        inputData.push({ name, data: { string: JSON.stringify(this.durableClientData()) } });
      }
    }
    let context: AppInvocationContext | undefined;
    const fields: LogFields = { function: registration.name, invocationId, ...options.fields };
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: registration.name,
        inputData,
        triggerMetadata: options.triggerMetadata ?? {},
      },
      metadata: { name: registration.name, bindings: registration.bindings },
      state: undefined,
      log: (level, category, message) => {
        // Orchestrator logs repeat on every replay, as in Azure: code that wants them once checks isReplaying.
        this.logger.log(toLogLevel(level), message, { category, ...fields });
        for (const hook of this.hooks("log")) {
          hook({ hookData: {}, level, category, message, invocationContext: context });
        }
      },
    };
    const model = this.app.programmingModel.getInvocationModel(coreContext);
    const args = await model.getArguments();
    context = args.context;
    let inputs = "direct" in options.trigger ? [options.trigger.direct] : args.inputs;
    let handler = registration.handler;
    const hookData: Record<string, unknown> = {};
    coreContext.state = "preInvocationHooks";
    for (const hook of this.hooks("preInvocation")) {
      const hookContext = { hookData, appHookData: this.appHookData, invocationContext: context, inputs };
      const init: Record<string, unknown> = { ...hookContext, functionCallback: handler };
      await hook(init);
      handler = init.functionCallback as typeof handler;
      inputs = init.inputs as unknown[];
    }
    coreContext.state = "invocation";
    let result: unknown;
    let error: unknown;
    try {
      result = await model.invokeFunction(context, inputs, handler);
    } catch (thrown) {
      error = thrown;
    }
    coreContext.state = "postInvocationHooks";
    for (const hook of this.hooks("postInvocation")) {
      const init: Record<string, unknown> = {
        hookData,
        appHookData: this.appHookData,
        invocationContext: context,
        inputs,
        result,
        error,
      };
      await hook(init);
      result = init.result;
      error = init.error;
    }
    coreContext.state = undefined;
    if (error !== undefined) throw error;
    if (!options.wantResponse) return { result };
    return { result, response: await model.getResponse(context, result) };
  }

  private hooks(name: HookName): HookCallback[] {
    return [...(this.app.hooks.get(name) ?? [])];
  }
}
