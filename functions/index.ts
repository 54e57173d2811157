// The app's entry (package.json "main"): importing it registers every trigger, orchestration and activity.

import "./inventory.timer.ts";
import "./retirement-notices.servicebus.ts";
import "./inventory.http.ts";
import "./dependencies.http.ts";
import "./calendar.http.ts";
import "./alerts.http.ts";
import "./notices.http.ts";
import "./migrations.http.ts";
import "../orchestrations/inventory-scan.orchestrator.ts";
import "../orchestrations/dependency-scans.orchestrator.ts";
import "../orchestrations/alerts-reevaluation.orchestrator.ts";
import "../orchestrations/activities/begin-scan.activity.ts";
import "../orchestrations/activities/list-fleet.activity.ts";
import "../orchestrations/activities/scan-dependencies.activity.ts";
import "../orchestrations/activities/finish-scan.activity.ts";
import "../orchestrations/activities/decide-alerts.activity.ts";
import "../orchestrations/activities/deliver-alerts.activity.ts";
