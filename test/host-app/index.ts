// A Functions v4 app that exercises every feature of the embedded host, one function per feature.
import "./http.functions.ts";
import "./activities.functions.ts";
import "./orchestrations.functions.ts";
import "./timer.functions.ts";
import "./service-bus.functions.ts";
import "./hooks.functions.ts";
