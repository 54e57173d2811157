// GET /api/calendar: the lifecycle calendar as JSON, every entry with its sources and the notices behind
// it. GET /api/calendar.ics: end-of-support and image-removal events per affected pool group, for Outlook.

import { capabilities } from "../shared/composition.ts";
import { currentCalendar } from "../shared/inventory/current-calendar.ts";
import { currentPools } from "../shared/inventory/current-pools.ts";
import { poolGroupEvents, renderCalendarIcs } from "../shared/report/calendar-ics.ts";
import { calendarView } from "../shared/report/calendar-view.ts";
import { jsonOk, readEndpoint } from "./http-json.ts";

readEndpoint("calendar", "calendar", [], async () => {
  const { notices, clock } = capabilities("state", "clock");
  return jsonOk(calendarView(await currentCalendar(notices), new Date(clock.now())));
});

readEndpoint("calendar-ics", "calendar.ics", [], async () => {
  const product = capabilities("state", "clock");
  const now = new Date(product.clock.now());
  const { calendar, pools } = await currentPools(product, now);
  const events = poolGroupEvents(
    calendar,
    pools.map((pool) => pool.assessment),
  );
  return {
    status: 200,
    headers: {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'attachment; filename="aks-lifecycle.ics"',
    },
    body: renderCalendarIcs(events, { now }),
  };
});
