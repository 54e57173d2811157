// Events carry no URL of their own: what they state is sourced to the page that documents their schema
// (https://learn.microsoft.com/azure/event-grid/event-schema-aks, and aks-docs'
// articles/aks/aks-end-of-support-notifications.md, which also lists the maintenance scheduled events).

export const EVENT_SOURCES = {
  aksEventGridSchema: "https://learn.microsoft.com/azure/event-grid/event-schema-aks",
  aksScheduledEvents:
    "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/aks-end-of-support-notifications.md",
} as const;
