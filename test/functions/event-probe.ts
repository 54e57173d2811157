// The stand-in orchestration's name, apart from the app module: importing that would load
// @azure/functions before the host does.
export const EVENT_PROBE = "migration-event-probe";
