// The lifecycle calendar as it stands: the sourced base with the accepted notices applied (withdrawn ones
// taken out, and any stored before a rule they break set aside: see resolveCalendar).

import { BASE_CALENDAR } from "../domain/lifecycle/data/base-calendar.ts";
import { type Calendar, resolveCalendar } from "../domain/lifecycle/lifecycle-calendar.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";

export async function currentCalendar(notices: NoticeRepository): Promise<Calendar> {
  const records = await notices.notices();
  return resolveCalendar(
    BASE_CALENDAR,
    records.map((record) => record.notice),
  );
}
