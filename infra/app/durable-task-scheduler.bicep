// The Durable backend: a Durable Task Scheduler and the task hub host.json names. No Azure Verified Module
// is used here (none was known to the author for Microsoft.DurableTask); the resource is plain.
param name string
param taskHubName string
@allowed([
  'Consumption'
  'Dedicated'
])
param skuName string
param location string
param tags object

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Required by the provider; every caller still needs Durable Task Data Contributor (access.bicep).
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: skuName == 'Dedicated' ? { name: skuName, capacity: 1 } : { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' = {
  parent: scheduler
  name: taskHubName
}

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
