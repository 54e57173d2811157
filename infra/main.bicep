// aks-image-lifecycle on Azure: `azd up` deploys this. A Flex Consumption Function App (Node 22) with a
// user-assigned identity that holds exactly the roles the code needs; the Durable Task Scheduler as the
// Durable backend; storage and Service Bus reached by identity only; App Service Authentication with an
// Entra app registration carrying the product's app roles. Granting the identity access to the fleet's
// clusters is the one step left to people (docs/deploy.md, "Granting access to clusters").
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region for every resource.')
param location string

@description('The Durable backend: the Durable Task Scheduler (host.json storageProvider azureManaged), or Azure Storage (remove the storageProvider block from host.json).')
@allowed([
  'durableTaskScheduler'
  'azureStorage'
])
param durableBackend string = 'durableTaskScheduler'

@description('Durable Task Scheduler SKU: Consumption bills per action, Dedicated per capacity unit.')
@allowed([
  'Consumption'
  'Dedicated'
])
param schedulerSku string = 'Consumption'

@description('How HTTP callers are identified (AUTH_MODE): easyauth behind App Service Authentication, or entra (tokens checked in code).')
@allowed([
  'easyauth'
  'entra'
])
param authMode string = 'easyauth'

@description('INVENTORY_SUBSCRIPTIONS: subscription ids to inventory; empty with no management groups means every subscription the identity can read.')
param inventorySubscriptions string = ''

@description('INVENTORY_MANAGEMENT_GROUPS: management group ids to inventory.')
param inventoryManagementGroups string = ''

@description('INVENTORY_SCHEDULE: NCRONTAB schedule of the nightly scan (UTC).')
param inventorySchedule string = '0 0 2 * * *'

@description('SCAN_CONCURRENCY: clusters whose workloads are scanned at once.')
@minValue(1)
@maxValue(64)
param scanConcurrency int = 8

@description('SCAN_DEPENDENCIES_EVERY: nights between two scans of a cluster\'s workloads (1: every night).')
@minValue(1)
@maxValue(90)
param scanDependenciesEvery int = 1

@description('TWO_APPROVERS_WHERE: cluster tags that ask for two approvers.')
param twoApproversWhere string = ''

@description('ALERT_WEBHOOK_URL: generic alert webhook (https), optional.')
@secure()
param alertWebhookUrl string = ''

@description('ALERT_TEAMS_WEBHOOK_URL: Microsoft Teams incoming webhook (https), optional.')
@secure()
param alertTeamsWebhookUrl string = ''

@description('Assign Reader on this subscription to the identity, so Resource Graph sees its clusters. Other subscriptions and management groups are granted by hand.')
param grantReaderOnThisSubscription bool = true

@description('AKS clusters whose Event Grid events are routed to the notices queue: [{ id, location }], each in this subscription.')
param eventGridClusters array = []

@description('Route the subscription\'s scheduled AKS end-of-support events (Resource Notifications) to the notices queue.')
param routeScheduledEvents bool = false

@description('Most instances Flex Consumption may scale the app to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

// Every resource name, in one place (test/infra/naming.test.ts checks them against Azure's rules).
var names = {
  resourceGroup: '${abbrs.resourcesResourceGroups}${environmentName}'
  identity: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  appInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  deploymentContainer: 'app-package-${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  scheduler: '${abbrs.durableTaskSchedulers}${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
  functionApp: '${abbrs.webSitesFunctions}${resourceToken}'
  entraApp: 'aks-image-lifecycle-${resourceToken}'
}

// Fixed by the code: host.json's hubName, and the settings' defaults.
var taskHubName = 'AksImageLifecycle'
var noticesQueueName = 'retirement-notices'
var alertTopicName = 'lifecycle-alerts'
var tablesPrefix = 'lifecycle'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.0' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    deploymentContainerName: names.deploymentContainer
    location: location
    tags: tags
  }
}

module serviceBus 'app/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: names.serviceBus
    noticesQueueName: noticesQueueName
    alertTopicName: alertTopicName
    location: location
    tags: tags
  }
}

module scheduler 'app/durable-task-scheduler.bicep' = if (durableBackend == 'durableTaskScheduler') {
  name: 'durable-task-scheduler'
  scope: rg
  params: {
    name: names.scheduler
    taskHubName: taskHubName
    skuName: schedulerSku
    location: location
    tags: tags
  }
}

module entraApp 'app/entra-app.bicep' = {
  name: 'entra-app'
  scope: rg
  params: {
    uniqueName: names.entraApp
    functionAppHostName: '${names.functionApp}.azurewebsites.net'
  }
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: names.deploymentContainer
    serviceBusNamespaceName: serviceBus.outputs.name
    noticesQueueName: noticesQueueName
    alertTopicName: alertTopicName
    schedulerEndpoint: durableBackend == 'durableTaskScheduler' ? scheduler!.outputs.endpoint : ''
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    maximumInstanceCount: maximumInstanceCount
    tablesPrefix: tablesPrefix
    authMode: authMode
    entraClientId: entraApp.outputs.clientId
    entraAppIdUri: entraApp.outputs.appIdUri
    inventorySubscriptions: inventorySubscriptions
    inventoryManagementGroups: inventoryManagementGroups
    inventorySchedule: inventorySchedule
    scanConcurrency: scanConcurrency
    scanDependenciesEvery: scanDependenciesEvery
    twoApproversWhere: twoApproversWhere
    alertWebhookUrl: alertWebhookUrl
    alertTeamsWebhookUrl: alertTeamsWebhookUrl
  }
}

module access 'app/access.bicep' = {
  name: 'access'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    noticesQueueName: noticesQueueName
    alertTopicName: alertTopicName
    appInsightsName: names.appInsights
    schedulerName: durableBackend == 'durableTaskScheduler' ? names.scheduler : ''
    taskHubName: taskHubName
    durableBackend: durableBackend
  }
  dependsOn: [
    monitoring
    scheduler
  ]
}

module fleetAccess 'app/fleet-access.bicep' = {
  name: 'fleet-access'
  params: {
    principalId: identity.outputs.principalId
    grantReaderOnThisSubscription: grantReaderOnThisSubscription
    environmentName: environmentName
  }
}

module eventGrid 'app/event-grid.bicep' = if (!empty(eventGridClusters) || routeScheduledEvents) {
  name: 'event-grid'
  scope: rg
  params: {
    clusters: eventGridClusters
    routeScheduledEvents: routeScheduledEvents
    serviceBusNamespaceName: serviceBus.outputs.name
    noticesQueueName: noticesQueueName
    topicNamePrefix: '${abbrs.eventGridSystemTopics}${resourceToken}'
    tags: tags
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output ENTRA_APP_CLIENT_ID string = entraApp.outputs.clientId
output ENTRA_APP_ID_URI string = entraApp.outputs.appIdUri
output FLEET_ROLE_DEFINITION_ID string = fleetAccess.outputs.clusterOperatorRoleDefinitionId
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.name
output NOTICES_QUEUE_ID string = serviceBus.outputs.noticesQueueId
